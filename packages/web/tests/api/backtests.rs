//! The backtest routes: start, progress, result — validation, auth, statuses, and the same
//! through the control API and `RemoteBackend`.

use http::{StatusCode, header};
use mirai_web::{Backend, BackendError, BacktestRequest, JobStatus, RemoteBackend};

use crate::remote::spawn_worker;
use crate::support::*;

const GOOG: &str =
    r#"{"strategy":"sma-cross","params":{"fast":10,"slow":20},"data":{"bundled":{"name":"goog-daily"}}}"#;

#[tokio::test]
async fn a_backtest_is_accepted_then_followed_to_its_result() {
    let h = harness();
    let token = login(&h).await;
    let a = call(&h.ctx, post("/api/backtests", Some(&token), GOOG)).await;
    assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.text);
    a.assert_json_headers();
    assert_eq!(a.headers[header::LOCATION], "/api/backtests/bt-1");
    let job = a.json();
    assert_eq!((job["id"].as_str(), job["status"].as_str()), (Some("bt-1"), Some("running")));
    assert_eq!(job["request"]["params"]["fast"], 10);
    assert_eq!(job["request"]["fee"], "0.001", "defaults are filled in, money as strings");

    let a = call(&h.ctx, get("/api/backtests/bt-1/result", Some(&token))).await;
    assert_eq!(a.status, StatusCode::CONFLICT);
    assert_eq!(a.json()["error"], "backtest bt-1 is still running");

    h.backend.finish_backtest("bt-1");
    let a = call(&h.ctx, get("/api/backtests/bt-1", Some(&token))).await;
    assert_eq!((a.status, a.json()["status"].as_str()), (StatusCode::OK, Some("done")));
    let a = call(&h.ctx, get("/api/backtests/bt-1/result", Some(&token))).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.json()["final_equity"], "69336.74099");
    assert_eq!(a.json()["trades"], 46);
}

#[tokio::test]
async fn bad_requests_are_refused_with_reasons_and_never_reach_the_worker() {
    let h = harness();
    let token = login(&h).await;
    let cases = [
        (r#"{"data":{"generated":{"bars":0}}}"#, StatusCode::UNPROCESSABLE_ENTITY, "data.bars"),
        (r#"{"data":{"generated":{"bars":100000000}}}"#, StatusCode::UNPROCESSABLE_ENTITY, "data.bars"),
        (r#"{"data":{"bundled":{"name":"../etc"}}}"#, StatusCode::UNPROCESSABLE_ENTITY, "data.name"),
        (
            r#"{"data":{"bundled":{"name":"goog-daily"}},"cash":"0"}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "cash",
        ),
        (r#"{"data":{"bundled":{"name":"goog-daily"}},"fee":0.5}"#, StatusCode::UNPROCESSABLE_ENTITY, "fee"),
        (
            r#"{"data":{"bundled":{"name":"goog-daily"}},"slippage_bps":-1}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "slippage_bps",
        ),
        (
            r#"{"data":{"bundled":{"name":"goog-daily"}},"fill":"tomorrow"}"#,
            StatusCode::BAD_REQUEST,
            "expected `next-open` or `close`",
        ),
        (
            r#"{"data":{"bundled":{"name":"goog-daily"}},"cash":"lots"}"#,
            StatusCode::BAD_REQUEST,
            r#"\"lots\" is not a decimal number"#,
        ),
        (r#"{"data":{"bundled":{"name":"goog-daily"}},"admin":true}"#, StatusCode::BAD_REQUEST, "admin"),
        (r#"{"params":{"fast":10}}"#, StatusCode::BAD_REQUEST, "data"),
        ("not json", StatusCode::BAD_REQUEST, "invalid JSON"),
    ];
    for (body, status, mention) in cases {
        let a = call(&h.ctx, post("/api/backtests", Some(&token), body)).await;
        assert_eq!(a.status, status, "{body}: {}", a.text);
        assert!(a.text.contains(mention), "{body}: {} does not mention {mention}", a.text);
    }
    assert!(h.backend.backtests.lock().unwrap().is_empty());
    // The worker's own checks come back as 422 with its message.
    let a = call(
        &h.ctx,
        post("/api/backtests", Some(&token), r#"{"strategy":"macd","data":{"bundled":{"name":"x"}}}"#),
    )
    .await;
    assert_eq!((a.status, a.json()["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid")));
    assert!(a.json()["error"].as_str().unwrap_or_default().contains("macd"));
}

#[tokio::test]
async fn backtests_need_a_token_the_right_method_and_a_sane_id() {
    let h = harness();
    let token = login(&h).await;
    assert_eq!(call(&h.ctx, post("/api/backtests", None, GOOG)).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(call(&h.ctx, get("/api/backtests/bt-1", None)).await.status, StatusCode::UNAUTHORIZED);
    // `GET` lists the jobs (backtest_list.rs); anything but `GET` and `POST` is refused.
    let a = call(&h.ctx, request(http::Method::PUT, "/api/backtests", Some(&token), GOOG)).await;
    assert_eq!(a.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(a.headers[header::ALLOW], "GET, POST");
    assert_eq!(
        call(&h.ctx, post("/api/backtests/bt-1", Some(&token), "{}")).await.status,
        StatusCode::METHOD_NOT_ALLOWED
    );
    let a = call(&h.ctx, get("/api/backtests/bt-9", Some(&token))).await;
    assert_eq!((a.status, a.json()["error"].as_str()), (StatusCode::NOT_FOUND, Some("no backtest bt-9")));
    for path in ["/api/backtests/a%2Fb", "/api/backtests/x/y", "/api/backtests//result"] {
        assert_eq!(call(&h.ctx, get(path, Some(&token))).await.status, StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test]
async fn the_remote_backend_carries_backtests_and_their_errors() {
    let backend = FakeBackend::new();
    let worker = spawn_worker(backend.clone()).await;
    let remote = RemoteBackend::new(&worker.url, SERVICE_TOKEN).expect("remote");
    let request: BacktestRequest = serde_json::from_str(GOOG).expect("request");
    let job = remote.create_backtest(request.clone()).await.expect("created");
    assert_eq!((job.id.as_str(), job.status), ("bt-1", JobStatus::Running));
    assert_eq!(job.request, request);
    assert!(
        matches!(remote.backtest_result("bt-1").await, Err(BackendError::Refused(m)) if m.contains("still running"))
    );
    backend.finish_backtest("bt-1");
    assert_eq!(remote.backtest("bt-1").await.expect("job").status, JobStatus::Done);
    let result = remote.backtest_result("bt-1").await.expect("result");
    assert_eq!(result.final_equity.to_string(), "69336.74099");
    assert!(matches!(remote.backtest("bt-7").await, Err(BackendError::NotFound(_))));
    assert!(matches!(remote.backtest("../status").await, Err(BackendError::NotFound(_))));
    let mut bad = request.clone();
    bad.strategy = "macd".into();
    assert!(matches!(remote.create_backtest(bad).await, Err(BackendError::Invalid(m)) if m.contains("macd")));

    // The worker's check on one field reaches the web tier's client as the same field, and the
    // web tier answers it as it answers its own validation failures.
    let mut window: BacktestRequest = request;
    window.params.insert("slow".into(), serde_json::from_str("1000000000000").expect("number"));
    let e = remote.create_backtest(window.clone()).await.expect_err("refused");
    assert_eq!(
        e,
        BackendError::InvalidField {
            field: "params.slow".into(),
            message: "1000000000000 bars is too long a window".into()
        }
    );
    let auth = mirai_web::Auth::new(USER, PASSWORD, SECRET.as_bytes()).expect("auth");
    let ctx = mirai_web::Ctx::new(auth, std::sync::Arc::new(remote));
    let token = ctx.auth.login(USER, PASSWORD).await.expect("login").token;
    let body = serde_json::to_string(&window).expect("json");
    let a = call(&ctx, post("/api/backtests", Some(&token), &body)).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.text);
    assert_eq!(a.json()["code"], "validation_failed");
    assert_eq!(a.json()["fields"][0]["field"], "params.slow");
}
