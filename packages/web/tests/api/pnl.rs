//! `GET /api/pnl`: the series through the router with the `FakeBackend`, its window and step
//! validated (the worker's "too fine" answered as the web tier's own checks are), and the same
//! answer from the control API in-process and over HTTP with `RemoteBackend`.

use std::sync::Arc;

use http::{Method, StatusCode, header};
use mirai_core::Timestamp;
use mirai_web::{Auth, Backend, BackendError, Ctx, PnlQuery, PnlStep, RemoteBackend, handle_control_api};
use serde_json::json;

use crate::remote::spawn_worker;
use crate::support::*;

/// 2023-11-14T00:00:00Z.
const NOV_14: i64 = 1_699_920_000_000;

const TOO_FINE: &str = r#"{"error":"request failed validation","code":"validation_failed","fields":[{"field":"step","code":"too_fine","message":"30s is too fine for the window: 8640 points, at most 5000; the smallest step allowed is 1m"}]}"#;

fn query(from: Option<i64>, to: Option<i64>, step: Option<&str>) -> PnlQuery {
    PnlQuery {
        from: from.map(Timestamp::from_millis),
        to: to.map(Timestamp::from_millis),
        step: step.map(|s| PnlStep::parse(s).unwrap_or_else(|| panic!("{s}"))),
    }
}

#[tokio::test]
async fn the_series_has_points_a_step_and_a_drawdown_with_decimals_as_strings() {
    let h = harness();
    let token = login(&h).await;
    let a = call(&h.ctx, get("/api/pnl?from=2023-11-14&to=1700000000001&step=60m", Some(&token))).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    a.assert_json_headers();
    let v = a.json();
    assert_eq!((v["from"].clone(), v["to"].clone()), (json!(NOV_14), json!(T0 + 1)), "epoch ms");
    assert_eq!(v["step"], "1h", "written in its largest unit");
    let last = &v["points"][2];
    assert_eq!(last["ts"], json!(T0));
    assert_eq!(
        (
            last["equity"].clone(),
            last["cash"].clone(),
            last["realised_pnl"].clone(),
            last["unrealised_pnl"].clone()
        ),
        (json!("10005"), json!("9950"), json!("-3.25"), json!("58.25"))
    );
    assert_eq!(
        (v["max_drawdown"].clone(), v["max_drawdown_ratio"].clone()),
        (json!("22.5"), json!("0.0022"))
    );

    // Without a step the worker picks one; blank is not given; unknown parameters are ignored.
    for path in ["/api/pnl", "/api/pnl?step=&from=", "/api/pnl?symbol=BTCUSDT"] {
        let a = call(&h.ctx, get(path, Some(&token))).await;
        assert_eq!(a.status, StatusCode::OK, "{path}: {}", a.text);
        assert_eq!(a.json()["step"], "1m", "{path}");
    }
    assert_eq!(
        h.backend.pnl_queries(),
        [
            query(Some(NOV_14), Some(T0 + 1), Some("1h")),
            query(None, None, None),
            query(None, None, None),
            query(None, None, None)
        ]
    );
}

#[tokio::test]
async fn bad_values_are_the_usual_422_by_field() {
    let h = harness();
    let token = login(&h).await;
    let body = |fields: &str| {
        format!(r#"{{"error":"request failed validation","code":"validation_failed","fields":[{fields}]}}"#)
    };
    let date = |field: &str| {
        format!(
            r#"{{"field":"{field}","code":"date","message":"must be a day YYYY-MM-DD from 1970 on (or epoch milliseconds, or YYYY-MM-DDTHH:MM:SSZ)"}}"#
        )
    };
    let step = r#"{"field":"step","code":"step","message":"must be a whole number and a unit, s, m, h or d (1m, 5m, 1h, 1d), from 1s to 365d"}"#;
    let order = r#"{"field":"from","code":"order","message":"must be before `to`"}"#;
    let cases = [
        ("from=yesterday", body(&date("from"))),
        ("to=1969-12-31", body(&date("to"))),
        ("step=1w", body(step)),
        ("step=0m", body(step)),
        ("step=366d", body(step)),
        ("step=5", body(step)),
        ("from=2023-11-15&to=2023-11-14", body(order)),
        ("from=x&step=y", body(&format!("{},{step}", date("from")))),
    ];
    for (q, want) in cases {
        let a = call(&h.ctx, get(&format!("/api/pnl?{q}"), Some(&token))).await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{q}");
        assert_eq!(a.text, want, "{q}");
        a.assert_json_headers();
    }
    assert!(h.backend.pnl_queries().is_empty(), "nothing invalid reaches the worker");

    // Too fine for the window: only the worker knows where the snapshots are; the same 422.
    let a = call(&h.ctx, get("/api/pnl?step=30s", Some(&token))).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.text, TOO_FINE);

    let a = call(&h.ctx, get("/api/pnl?step=1m&step=1h", Some(&token))).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(a.text, r#"{"error":"query parameter `step` given more than once","code":"bad_request"}"#);
}

#[tokio::test]
async fn it_needs_a_token_and_a_get() {
    let h = harness();
    for req in
        [get("/api/pnl", None), get("/api/pnl?step=1h", Some("not-a-jwt")), get("/api/pnl?step=1w", None)]
    {
        let a = call(&h.ctx, req).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED);
        assert_eq!(a.headers[header::WWW_AUTHENTICATE], "Bearer realm=\"mirai\"");
    }
    let token = login(&h).await;
    let a = call(&h.ctx, request(Method::POST, "/api/pnl", Some(&token), "")).await;
    assert_eq!(
        (a.status, a.headers[header::ALLOW].to_str().ok()),
        (StatusCode::METHOD_NOT_ALLOWED, Some("GET"))
    );
    assert!(h.backend.pnl_queries().is_empty());
    h.backend.fail(BackendError::Unavailable("connect 10.0.0.7 refused".into()));
    let a = call(&h.ctx, get("/api/pnl", Some(&token))).await;
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(!a.text.contains("10.0.0.7"), "{}", a.text);
}

#[tokio::test]
async fn the_control_api_and_the_remote_backend_give_the_same_answers() {
    let backend = FakeBackend::new();
    let (status, text) = {
        let req = get(&format!("/internal/v1/pnl?from={NOV_14}&step=1d"), Some(SERVICE_TOKEN));
        let resp = handle_control_api(backend.as_ref(), SERVICE_TOKEN, req).await;
        (resp.status(), String::from_utf8(resp.body().to_vec()).unwrap_or_else(|e| panic!("{e}")))
    };
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&text).unwrap_or_else(|e| panic!("{e}"))["step"],
        "1d"
    );
    let resp =
        handle_control_api(backend.as_ref(), SERVICE_TOKEN, get("/internal/v1/pnl", Some("wrong"))).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);

    let worker = spawn_worker(backend.clone()).await;
    let remote = RemoteBackend::new(&worker.url, SERVICE_TOKEN).unwrap_or_else(|e| panic!("{e}"));
    for q in [
        query(None, None, None),
        query(Some(0), Some(T0), Some("5m")),
        query(Some(NOV_14), None, Some("90m")),
    ] {
        let got = remote.pnl(q.clone()).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(got, backend.pnl(q.clone()).await.unwrap_or_else(|e| panic!("{e}")), "{q:?}");
    }
    // The worker's refusal reaches the web tier as the field at fault.
    let refused = remote.pnl(query(None, None, Some("30s"))).await;
    assert!(
        matches!(&refused, Err(BackendError::InvalidField { field, .. }) if field == "step"),
        "{refused:?}"
    );

    // The web tier on Vercel: the public route over the remote worker answers as in-process.
    let auth = Auth::new(USER, PASSWORD, SECRET.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    let ctx = Ctx::new(auth, Arc::new(remote));
    let login = call(
        &ctx,
        post("/api/auth/login", None, &format!(r#"{{"username":"{USER}","password":"{PASSWORD}"}}"#)),
    )
    .await;
    let token = login.json()["token"].as_str().unwrap_or_default().to_owned();
    let a = call(&ctx, get("/api/pnl?from=2023-11-14&step=1h", Some(&token))).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let want = fake_pnl(&query(Some(NOV_14), None, Some("1h"))).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(a.json(), serde_json::to_value(want).unwrap_or_else(|e| panic!("{e}")));
    let a = call(&ctx, get("/api/pnl?step=30s", Some(&token))).await;
    assert_eq!((a.status, a.text.as_str()), (StatusCode::UNPROCESSABLE_ENTITY, TOO_FINE));
}
