//! `GET /api/performance`: the view through the router with the `FakeBackend`, its window
//! validated, and the same answer from the control API in-process and over HTTP with
//! `RemoteBackend`.

use std::sync::Arc;

use http::{Method, StatusCode, header};
use mirai_core::Timestamp;
use mirai_web::{
    Auth, Backend, BackendError, Ctx, PERFORMANCE_DEFINITION, RemoteBackend, handle_control_api,
};
use serde_json::json;

use crate::remote::spawn_worker;
use crate::support::*;

/// 2023-11-01T00:00:00Z and 2023-11-15T00:00:00Z.
const NOV_1: i64 = 1_698_796_800_000;
const NOV_15: i64 = 1_700_006_400_000;

fn ms(t: i64) -> Option<Timestamp> {
    Some(Timestamp::from_millis(t))
}

#[tokio::test]
async fn the_view_has_each_symbol_and_the_total_with_decimals_as_strings() {
    let h = harness();
    let token = login(&h).await;

    let a = call(&h.ctx, get("/api/performance?from=2023-11-01&to=2023-11-15", Some(&token))).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    a.assert_json_headers();
    let v = a.json();
    assert_eq!(v["definition"], PERFORMANCE_DEFINITION);
    assert!(PERFORMANCE_DEFINITION.contains("ROUND_TRIPS"));
    assert_eq!(
        (v["from"].clone(), v["to"].clone()),
        (json!(NOV_1), json!(NOV_15)),
        "epoch ms, as other views"
    );
    let btc = &v["symbols"][0];
    assert_eq!(btc["symbol"], "BTCUSDT");
    assert_eq!(
        (btc["trades"].clone(), btc["wins"].clone(), btc["losses"].clone()),
        (json!(2), json!(1), json!(1))
    );
    assert_eq!((btc["win_rate"].clone(), btc["profit_factor"].clone()), (json!("0.5"), json!("1.7083")));
    assert_eq!((btc["pnl"].clone(), btc["fees"].clone()), (json!("4.25"), json!("0.124")));
    assert_eq!((btc["gross_profit"].clone(), btc["gross_loss"].clone()), (json!("10.25"), json!("6")));
    assert_eq!(btc["max_drawdown"], "6");
    assert_eq!(btc["first_entry"], json!(T0 - 86_400_000));
    assert_eq!(btc["last_exit"], json!(T0 - 1_000));
    assert_eq!(v["symbols"][1]["symbol"], "ETHUSDT");
    assert_eq!(v["symbols"][1]["profit_factor"], json!(null), "no losing trade");
    assert_eq!(v["total"]["symbol"], json!(null));
    assert_eq!(v["total"]["pnl"], "5.75");
    assert_eq!(v["total"]["win_rate"], "0.6667");

    // Unbounded without the parameters; a blank value is not given; unknown ones are ignored.
    for path in ["/api/performance", "/api/performance?from=&to=", "/api/performance?symbol=BTCUSDT&x=1"] {
        let a = call(&h.ctx, get(path, Some(&token))).await;
        assert_eq!(a.status, StatusCode::OK, "{path}: {}", a.text);
        assert_eq!(a.json()["from"], json!(null), "{path}");
    }
    assert_eq!(
        h.backend.performance_queries(),
        [(ms(NOV_1), ms(NOV_15)), (None, None), (None, None), (None, None)]
    );
}

#[tokio::test]
async fn bad_dates_and_empty_windows_are_the_usual_422() {
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
    let order = r#"{"field":"from","code":"order","message":"must be before `to`"}"#;
    let cases = [
        ("from=yesterday", body(&date("from"))),
        ("from=2023-02-29", body(&date("from"))),
        ("to=2023-11-1", body(&date("to"))),
        ("from=1969-12-31", body(&date("from"))),
        ("to=2023-13-01&from=2023-11-32", body(&format!("{},{}", date("from"), date("to")))),
        ("from=2023-11-15&to=2023-11-01", body(order)),
        ("from=2023-11-01&to=2023-11-01", body(order)),
    ];
    for (query, want) in cases {
        let a = call(&h.ctx, get(&format!("/api/performance?{query}"), Some(&token))).await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert_eq!(a.text, want, "{query}");
        a.assert_json_headers();
    }
    // A parameter given twice is unreadable, as on every route.
    let a = call(&h.ctx, get("/api/performance?from=2023-11-01&from=2023-11-02", Some(&token))).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(a.text, r#"{"error":"query parameter `from` given more than once","code":"bad_request"}"#);
    assert!(h.backend.performance_queries().is_empty(), "nothing invalid reaches the worker");
}

#[tokio::test]
async fn it_needs_a_token_and_a_get() {
    let h = harness();
    for req in [get("/api/performance", None), get("/api/performance?from=2023-11-01", Some("not-a-jwt"))] {
        let a = call(&h.ctx, req).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED);
        assert_eq!(a.headers[header::WWW_AUTHENTICATE], "Bearer realm=\"mirai\"");
        a.assert_json_headers();
    }
    // Authentication comes before validation: a stranger learns nothing from a bad date.
    let a = call(&h.ctx, get("/api/performance?from=yesterday", None)).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    let token = login(&h).await;
    let a = call(&h.ctx, request(Method::POST, "/api/performance", Some(&token), "")).await;
    assert_eq!(a.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(a.headers[header::ALLOW], "GET");
    assert!(h.backend.performance_queries().is_empty());

    h.backend.fail(BackendError::Internal("sqlite: disk I/O error at /var/x".into()));
    let a = call(&h.ctx, get("/api/performance", Some(&token))).await;
    assert_eq!(a.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(a.text, r#"{"error":"internal error","code":"internal"}"#);
}

#[tokio::test]
async fn the_control_api_serves_it_to_the_service_token_only() {
    let backend = FakeBackend::new();
    let call_api = |req| {
        let backend = backend.clone();
        async move {
            let resp = handle_control_api(backend.as_ref(), SERVICE_TOKEN, req).await;
            let (parts, body) = resp.into_parts();
            (parts.status, String::from_utf8(body.to_vec()).expect("UTF-8"))
        }
    };
    let path = format!("/internal/v1/performance?from={NOV_1}&to={NOV_15}");
    let (status, text) = call_api(get(&path, Some(SERVICE_TOKEN))).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let v: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(v["total"]["pnl"], "5.75");
    for token in [None, Some("wrong")] {
        assert_eq!(call_api(get(&path, token)).await.0, StatusCode::UNAUTHORIZED);
    }
    let (status, _) = call_api(request(Method::POST, &path, Some(SERVICE_TOKEN), "")).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    let (status, _) = call_api(get("/internal/v1/performance?to=0", Some(SERVICE_TOKEN))).await;
    assert_eq!(status, StatusCode::OK, "from 1970 on");
    let (status, _) = call_api(get("/internal/v1/performance?from=5&to=5", Some(SERVICE_TOKEN))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(backend.performance_queries(), [(ms(NOV_1), ms(NOV_15)), (None, ms(0))]);
}

#[tokio::test]
async fn remote_backend_round_trips_the_view() {
    let backend = FakeBackend::new();
    let worker = spawn_worker(backend.clone()).await;
    let remote = RemoteBackend::new(&worker.url, SERVICE_TOKEN).expect("remote");

    for (from, to) in [(None, None), (ms(NOV_1), None), (None, ms(NOV_15)), (ms(NOV_1), ms(NOV_15))] {
        let got = remote.performance(from, to).await.expect("performance");
        assert_eq!(got, backend.performance(from, to).await.expect("performance"), "{from:?}..{to:?}");
    }
    // The worker's own check reaches the web tier as the field at fault.
    assert_eq!(
        remote.performance(ms(NOV_15), ms(NOV_1)).await,
        Err(BackendError::InvalidField { field: "from".into(), message: "must be before `to`".into() })
    );

    // The web tier on Vercel: the public route over the remote worker answers as in-process.
    let auth = Auth::new(USER, PASSWORD, SECRET.as_bytes()).expect("auth");
    let ctx = Ctx::new(auth, Arc::new(remote));
    let login = call(
        &ctx,
        post("/api/auth/login", None, &format!(r#"{{"username":"{USER}","password":"{PASSWORD}"}}"#)),
    )
    .await;
    let token = login.json()["token"].as_str().expect("token").to_owned();
    let a = call(&ctx, get("/api/performance?from=2023-11-01&to=2023-11-15", Some(&token))).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(a.json(), serde_json::to_value(fake_performance(ms(NOV_1), ms(NOV_15))).expect("JSON"));
    let a = call(&ctx, get("/api/performance?from=2023-11-15&to=2023-11-01", Some(&token))).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "refused before the worker is called");
}
