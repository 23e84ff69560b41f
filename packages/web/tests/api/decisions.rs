//! `GET /api/decisions`: the "why not?" feed through the router with the `FakeBackend`, filtered
//! by kind and symbol and paged, each parameter validated, and the same pages from the control API
//! and over HTTP with `RemoteBackend`.

use std::sync::Arc;

use http::{Method, StatusCode, header};
use mirai_core::Symbol;
use mirai_web::{Auth, Backend, Ctx, DecisionKind, DecisionsQuery, RemoteBackend, handle_control_api};
use serde_json::{Value, json};

use crate::remote::spawn_worker;
use crate::support::*;

/// Every page of `path` (which has a query string), following `next`: the decisions' outcomes.
async fn outcomes(h: &Harness, token: &str, path: &str) -> Vec<String> {
    let mut seen = Vec::new();
    let mut url = path.to_owned();
    loop {
        let a = call(&h.ctx, get(&url, Some(token))).await;
        assert_eq!(a.status, StatusCode::OK, "{url}: {}", a.text);
        let v = a.json();
        for d in v["decisions"].as_array().unwrap_or_else(|| panic!("{v}")) {
            seen.push(d["outcome"].as_str().unwrap_or_default().to_owned());
        }
        match v["next"].as_str() {
            Some(c) => url = format!("{path}&cursor={c}"),
            None => return seen,
        }
    }
}

#[tokio::test]
async fn refused_decisions_carry_their_gate_and_reason() {
    let h = harness();
    let token = login(&h).await;
    let a = call(&h.ctx, get("/api/decisions?kind=refused", Some(&token))).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    a.assert_json_headers();
    let v = a.json();
    let refused = &v["decisions"][0];
    assert_eq!(v["decisions"].as_array().map(Vec::len), Some(1));
    assert_eq!(v["next"], Value::Null);
    assert_eq!(refused["outcome"], "refused");
    assert_eq!(refused["refused_by"], "max_position");
    assert_eq!(refused["refusal_reason"], "position would be 1200 USDT, above the 1000 allowed");
    assert_eq!((refused["symbol"].clone(), refused["action"].clone()), (json!("ETHUSDT"), json!("buy")));
    assert_eq!((refused["ts"].clone(), refused["confidence"].clone()), (json!(T0 - 20_000), json!("0.8")));
    assert_eq!(refused["advisor_kind"], "rules");

    // Money as decimal strings.
    let executed = call(&h.ctx, get("/api/decisions?kind=executed", Some(&token))).await.json();
    let e = &executed["decisions"][0];
    assert_eq!(
        (e["notional"].clone(), e["fees"].clone(), e["filled_qty"].clone(), e["trip_pnl"].clone()),
        (json!("60"), json!("0.06"), json!("0.001"), json!("4.25"))
    );
    // `fallback`: the model's answer was not used, whatever became of the decision.
    let fallback = call(&h.ctx, get("/api/decisions?kind=FALLBACK", Some(&token))).await.json();
    assert_eq!(fallback["decisions"][0]["fallback_reason"], "no answer within 8000 ms");
    assert_eq!(fallback["decisions"][0]["outcome"], "no_order");
}

#[tokio::test]
async fn every_decision_once_newest_first_and_each_kind_filters() {
    let h = harness();
    let token = login(&h).await;
    let all = outcomes(&h, &token, "/api/decisions?limit=2").await;
    assert_eq!(
        all,
        ["no_order", "refused", "proposal_pending", "executed", "hold", "rejected_by_exchange", "not_filled"]
    );
    assert_eq!(outcomes(&h, &token, "/api/decisions?limit=500").await, all);
    for (kind, want) in [
        ("executed", &["executed"][..]),
        ("refused", &["refused"]),
        ("rejected_by_exchange", &["rejected_by_exchange"]),
        ("proposal", &["proposal_pending"]),
        ("not_filled", &["not_filled"]),
        ("hold", &["hold"]),
        ("no_order", &["no_order"]),
        ("fallback", &["no_order"]),
    ] {
        assert_eq!(
            outcomes(&h, &token, &format!("/api/decisions?kind={kind}&limit=1")).await,
            want,
            "{kind}"
        );
    }
    let eth = outcomes(&h, &token, "/api/decisions?symbol=ethusdt&x=y").await;
    assert_eq!(eth, ["refused", "rejected_by_exchange", "not_filled"]);
    let asked = h.backend.decision_queries();
    assert_eq!(
        asked.last(),
        Some(&DecisionsQuery { symbol: Some(Symbol::new("ETHUSDT")), ..DecisionsQuery::default() })
    );
}

#[tokio::test]
async fn each_bad_value_is_a_422_naming_its_field() {
    let h = harness();
    let token = login(&h).await;
    let kinds = "must be one of executed, refused, rejected_by_exchange, proposal, not_filled, hold, no_order, fallback";
    let cases = [
        ("kind=why", "kind", "kind", kinds),
        ("kind=proposal_pending", "kind", "kind", kinds),
        ("limit=0", "limit", "range", "must be an integer from 1 to 500"),
        ("limit=1e3", "limit", "range", "must be an integer from 1 to 500"),
        ("cursor=5", "cursor", "cursor", "must be the `next` of a previous page of this list"),
        ("symbol=%E2%82%AC", "symbol", "symbol", "must be a symbol such as BTCUSDT"),
    ];
    for (q, field, code, message) in cases {
        let a = call(&h.ctx, get(&format!("/api/decisions?{q}"), Some(&token))).await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{q}");
        assert_eq!(
            a.text,
            format!(
                r#"{{"error":"request failed validation","code":"validation_failed","fields":[{{"field":"{field}","code":"{code}","message":"{message}"}}]}}"#
            ),
            "{q}"
        );
    }
    let a = call(&h.ctx, get("/api/decisions?kind=hold&kind=refused", Some(&token))).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(h.backend.decision_queries().is_empty(), "nothing invalid reaches the worker");
}

#[tokio::test]
async fn it_needs_a_token_and_a_get() {
    let h = harness();
    for req in [get("/api/decisions", None), get("/api/decisions?kind=why", Some("not-a-jwt"))] {
        let a = call(&h.ctx, req).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED);
        assert_eq!(a.headers[header::WWW_AUTHENTICATE], "Bearer realm=\"mirai\"");
    }
    let token = login(&h).await;
    let a = call(&h.ctx, request(Method::POST, "/api/decisions", Some(&token), "{}")).await;
    assert_eq!(a.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(h.backend.decision_queries().is_empty());
}

#[tokio::test]
async fn the_control_api_and_the_remote_backend_give_the_same_pages() {
    let backend = FakeBackend::new();
    let resp = handle_control_api(
        backend.as_ref(),
        SERVICE_TOKEN,
        get("/internal/v1/decisions?kind=refused", Some(SERVICE_TOKEN)),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let v: Value = serde_json::from_slice(resp.body()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(v["decisions"][0]["refused_by"], "max_position");
    let posted = request(Method::POST, "/internal/v1/decisions", Some(SERVICE_TOKEN), "");
    assert_eq!(
        handle_control_api(backend.as_ref(), SERVICE_TOKEN, posted).await.status(),
        StatusCode::METHOD_NOT_ALLOWED
    );

    let worker = spawn_worker(backend.clone()).await;
    let remote = RemoteBackend::new(&worker.url, SERVICE_TOKEN).unwrap_or_else(|e| panic!("{e}"));
    for kind in DecisionKind::ALL.map(Some).into_iter().chain([None]) {
        let mut q = DecisionsQuery { kind, limit: 1, ..DecisionsQuery::default() };
        loop {
            let got = remote.decisions(q.clone()).await.unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(got, backend.decisions(q.clone()).await.unwrap_or_else(|e| panic!("{e}")), "{q:?}");
            match got.next {
                Some(next) => q.cursor = Some(next),
                None => break,
            }
        }
    }

    let auth = Auth::new(USER, PASSWORD, SECRET.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    let ctx = Ctx::new(auth, Arc::new(remote));
    let login = call(
        &ctx,
        post("/api/auth/login", None, &format!(r#"{{"username":"{USER}","password":"{PASSWORD}"}}"#)),
    )
    .await;
    let token = login.json()["token"].as_str().unwrap_or_default().to_owned();
    let h = harness();
    let local_token = crate::support::login(&h).await;
    for path in
        ["/api/decisions?kind=refused&symbol=ETHUSDT", "/api/decisions?limit=2", "/api/decisions?kind=no"]
    {
        let (over_http, in_process) =
            (call(&ctx, get(path, Some(&token))).await, call(&h.ctx, get(path, Some(&local_token))).await);
        assert_eq!((over_http.status, over_http.text), (in_process.status, in_process.text), "{path}");
    }
}
