//! `GET /api/round-trips`: pages of closed trips through the router with the `FakeBackend`, each
//! parameter validated, and the same pages from the control API and over HTTP with
//! `RemoteBackend`.

use std::sync::Arc;

use http::{Method, StatusCode, header};
use mirai_core::{Symbol, Timestamp};
use mirai_web::{Auth, Backend, Ctx, RemoteBackend, RoundTripsQuery, handle_control_api};
use serde_json::{Value, json};

use crate::remote::spawn_worker;
use crate::support::*;

/// Every page of `path` (which has a query string), following `next`: the trips' (symbol,
/// trip_no), in order.
async fn all_pages(h: &Harness, token: &str, path: &str) -> Vec<(String, u64)> {
    let mut seen = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let url = match &next {
            Some(c) => format!("{path}&cursor={c}"),
            None => path.to_owned(),
        };
        let a = call(&h.ctx, get(&url, Some(token))).await;
        assert_eq!(a.status, StatusCode::OK, "{url}: {}", a.text);
        let v = a.json();
        for t in v["round_trips"].as_array().unwrap_or_else(|| panic!("{v}")) {
            seen.push((
                t["symbol"].as_str().unwrap_or_default().to_owned(),
                t["trip_no"].as_u64().unwrap_or(0),
            ));
        }
        match &v["next"] {
            Value::String(c) => next = Some(c.clone()),
            Value::Null => return seen,
            other => panic!("next is {other}"),
        }
    }
}

#[tokio::test]
async fn trips_come_newest_exit_first_with_decimals_as_strings() {
    let h = harness();
    let token = login(&h).await;
    let a = call(&h.ctx, get("/api/round-trips?limit=2", Some(&token))).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    a.assert_json_headers();
    let v = a.json();
    let first = &v["round_trips"][0];
    assert_eq!((first["symbol"].clone(), first["trip_no"].clone()), (json!("BTCUSDT"), json!(3)));
    assert_eq!(first["exit_time"], json!(T0 - 1_000), "epoch ms");
    assert_eq!((first["pnl"].clone(), first["fees"].clone()), (json!("-0.25"), json!("0.12")));
    assert_eq!((first["qty"].clone(), first["entry_price"].clone()), (json!("0.001"), json!("60000")));
    assert_eq!(first["return"], "-0.00416667");
    assert_eq!(first["duration_ms"], 90_000);
    assert!(first["opening_decision_id"].as_str().is_some_and(|d| d.starts_with("sma-cross:BTCUSDT:")));
    assert_eq!(v["round_trips"].as_array().map(Vec::len), Some(2));
    assert!(v["next"].is_string(), "{v}");

    // Paged through: every trip once, newest exit first (ties by symbol, then number, descending).
    let all = all_pages(&h, &token, "/api/round-trips?limit=2").await;
    let pairs = |v: &[(&str, u64)]| v.iter().map(|(s, n)| ((*s).to_owned(), *n)).collect::<Vec<_>>();
    assert_eq!(all, pairs(&[("BTCUSDT", 3), ("ETHUSDT", 2), ("ETHUSDT", 1), ("BTCUSDT", 2), ("BTCUSDT", 1)]));
    assert_eq!(all_pages(&h, &token, "/api/round-trips?limit=500").await, all, "one page");
    // Filters: a symbol in any case; a window on the exit.
    let eth = all_pages(&h, &token, "/api/round-trips?symbol=ethusdt&limit=1").await;
    assert_eq!(eth, pairs(&[("ETHUSDT", 2), ("ETHUSDT", 1)]));
    let q = format!("/api/round-trips?from={}&to={}&x=1", T0 - 10_000, T0 - 1_000);
    assert_eq!(all_pages(&h, &token, &q).await, pairs(&[("ETHUSDT", 2), ("ETHUSDT", 1), ("BTCUSDT", 2)]));
    let asked = h.backend.round_trip_queries();
    assert_eq!(asked[0], RoundTripsQuery { limit: 2, ..RoundTripsQuery::default() });
    assert_eq!(
        asked.last().map(|q| (q.from, q.limit)),
        Some((Some(Timestamp::from_millis(T0 - 10_000)), 100))
    );
}

#[tokio::test]
async fn each_bad_value_is_a_422_naming_its_field() {
    let h = harness();
    let token = login(&h).await;
    let cases = [
        ("limit=0", "limit", "range", "must be an integer from 1 to 500"),
        ("limit=501", "limit", "range", "must be an integer from 1 to 500"),
        ("limit=ten", "limit", "range", "must be an integer from 1 to 500"),
        ("cursor=not-ours", "cursor", "cursor", "must be the `next` of a previous page of this list"),
        ("symbol=BTC%2FUSDT", "symbol", "symbol", "must be a symbol such as BTCUSDT"),
        (
            "from=2023-13-01",
            "from",
            "date",
            "must be a day YYYY-MM-DD from 1970 on (or epoch milliseconds, or YYYY-MM-DDTHH:MM:SSZ)",
        ),
        (
            "to=x",
            "to",
            "date",
            "must be a day YYYY-MM-DD from 1970 on (or epoch milliseconds, or YYYY-MM-DDTHH:MM:SSZ)",
        ),
        ("from=2023-11-02&to=2023-11-01", "from", "order", "must be before `to`"),
    ];
    for (q, field, code, message) in cases {
        let a = call(&h.ctx, get(&format!("/api/round-trips?{q}"), Some(&token))).await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{q}");
        assert_eq!(
            a.text,
            format!(
                r#"{{"error":"request failed validation","code":"validation_failed","fields":[{{"field":"{field}","code":"{code}","message":"{message}"}}]}}"#
            ),
            "{q}"
        );
    }
    let a = call(&h.ctx, get("/api/round-trips?limit=0&cursor=x&symbol=%2F", Some(&token))).await;
    let fields: Vec<Value> = a.json()["fields"].as_array().cloned().unwrap_or_default();
    assert_eq!(
        fields.iter().map(|f| f["field"].clone()).collect::<Vec<_>>(),
        [json!("cursor"), json!("limit"), json!("symbol")]
    );
    let a = call(&h.ctx, get("/api/round-trips?symbol=BTCUSDT&symbol=ETHUSDT", Some(&token))).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(h.backend.round_trip_queries().is_empty(), "nothing invalid reaches the worker");
}

#[tokio::test]
async fn it_needs_a_token_and_a_get() {
    let h = harness();
    for req in [get("/api/round-trips", None), get("/api/round-trips?limit=0", Some("not-a-jwt"))] {
        let a = call(&h.ctx, req).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED);
        assert_eq!(a.headers[header::WWW_AUTHENTICATE], "Bearer realm=\"mirai\"");
    }
    let token = login(&h).await;
    let a = call(&h.ctx, request(Method::DELETE, "/api/round-trips", Some(&token), "")).await;
    assert_eq!(a.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(h.backend.round_trip_queries().is_empty());
}

#[tokio::test]
async fn the_control_api_and_the_remote_backend_give_the_same_pages() {
    let backend = FakeBackend::new();
    let resp = handle_control_api(
        backend.as_ref(),
        SERVICE_TOKEN,
        get("/internal/v1/round-trips?symbol=BTCUSDT&limit=1", Some(SERVICE_TOKEN)),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let v: Value = serde_json::from_slice(resp.body()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(v["round_trips"][0]["trip_no"], 3);
    let resp =
        handle_control_api(backend.as_ref(), SERVICE_TOKEN, get("/internal/v1/round-trips", None)).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);

    let worker = spawn_worker(backend.clone()).await;
    let remote = RemoteBackend::new(&worker.url, SERVICE_TOKEN).unwrap_or_else(|e| panic!("{e}"));
    let mut q = RoundTripsQuery { limit: 2, ..RoundTripsQuery::default() };
    let mut pages = 0;
    loop {
        let got = remote.round_trips(q.clone()).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(got, backend.round_trips(q.clone()).await.unwrap_or_else(|e| panic!("{e}")));
        pages += 1;
        match got.next {
            Some(next) => q.cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(pages, 3, "five trips, two a page");
    let q = RoundTripsQuery {
        symbol: Some(Symbol::new("ETHUSDT")),
        from: Some(Timestamp::from_millis(0)),
        to: Some(Timestamp::from_millis(T0)),
        ..RoundTripsQuery::default()
    };
    assert_eq!(remote.round_trips(q.clone()).await.ok(), backend.round_trips(q).await.ok());

    // The public route over the remote worker answers as in-process.
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
    for path in ["/api/round-trips?limit=3", "/api/round-trips?symbol=btcusdt", "/api/round-trips?limit=0"] {
        let (over_http, in_process) =
            (call(&ctx, get(path, Some(&token))).await, call(&h.ctx, get(path, Some(&local_token))).await);
        assert_eq!((over_http.status, over_http.text), (in_process.status, in_process.text), "{path}");
    }
}
