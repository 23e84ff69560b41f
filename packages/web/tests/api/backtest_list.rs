//! `GET /api/backtests`: the jobs the worker keeps, newest first with their status and, once
//! done, their headline figures; paged and validated; the same from the control API and over
//! HTTP with `RemoteBackend`.

use std::sync::Arc;

use http::{Method, StatusCode, header};
use mirai_web::{Auth, Backend, BacktestsQuery, Ctx, RemoteBackend, handle_control_api};
use serde_json::{Value, json};

use crate::remote::spawn_worker;
use crate::support::*;

const GOOG: &str = r#"{"strategy":"sma-cross","data":{"bundled":{"name":"goog-daily"}}}"#;

/// A harness whose worker has run three backtests, the second of them finished.
async fn three_jobs() -> (Harness, String) {
    let h = harness();
    let token = login(&h).await;
    for _ in 0..3 {
        let a = call(&h.ctx, post("/api/backtests", Some(&token), GOOG)).await;
        assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.text);
    }
    h.backend.finish_backtest("bt-2");
    (h, token)
}

#[tokio::test]
async fn jobs_come_newest_first_with_their_status_and_headline() {
    let (h, token) = three_jobs().await;
    let a = call(&h.ctx, get("/api/backtests", Some(&token))).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    a.assert_json_headers();
    let v = a.json();
    let jobs = v["backtests"].as_array().cloned().unwrap_or_default();
    let ids: Vec<&str> = jobs.iter().map(|j| j["id"].as_str().unwrap_or_default()).collect();
    assert_eq!(ids, ["bt-3", "bt-2", "bt-1"], "newest first (the same time: by id)");
    assert_eq!(v["next"], Value::Null);
    let done = &jobs[1];
    assert_eq!((done["status"].clone(), done["created_at"].clone()), (json!("done"), json!(T0)));
    assert_eq!(done["request"]["strategy"], "sma-cross");
    let m = &done["metrics"];
    assert_eq!((m["trades"].clone(), m["final_equity"].clone()), (json!(46), json!("69336.74099")));
    assert_eq!(
        (m["return_pct"].clone(), m["max_drawdown_pct"].clone(), m["sharpe"].clone()),
        (json!("593.3674"), json!("-19.578"), json!("0.9")),
        "ratios as decimal strings, 4 places"
    );
    assert_eq!((jobs[0]["status"].clone(), jobs[0]["metrics"].clone()), (json!("running"), Value::Null));

    // A page at a time: each job once.
    let mut seen = Vec::new();
    let mut url = "/api/backtests?limit=1".to_owned();
    loop {
        let v = call(&h.ctx, get(&url, Some(&token))).await.json();
        seen.extend(v["backtests"].as_array().cloned().unwrap_or_default().iter().map(|j| j["id"].clone()));
        match v["next"].as_str() {
            Some(c) => url = format!("/api/backtests?limit=1&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen, [json!("bt-3"), json!("bt-2"), json!("bt-1")]);
    assert_eq!(h.backend.backtest_queries()[0], BacktestsQuery::default());
}

#[tokio::test]
async fn bad_values_are_422_a_token_is_needed_and_post_still_creates() {
    let (h, token) = three_jobs().await;
    for (q, field) in [("limit=0", "limit"), ("limit=x", "limit"), ("cursor=bt-1", "cursor")] {
        let a = call(&h.ctx, get(&format!("/api/backtests?{q}"), Some(&token))).await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{q}");
        assert_eq!(a.json()["code"], "validation_failed");
        assert_eq!(a.json()["fields"][0]["field"], field, "{q}");
    }
    let a = call(&h.ctx, get("/api/backtests?limit=1&limit=2", Some(&token))).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(h.backend.backtest_queries().is_empty(), "nothing invalid reaches the worker");
    for req in [get("/api/backtests", None), get("/api/backtests?limit=0", Some("not-a-jwt"))] {
        let a = call(&h.ctx, req).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED);
        assert_eq!(a.headers[header::WWW_AUTHENTICATE], "Bearer realm=\"mirai\"");
    }
    let a = call(&h.ctx, request(Method::DELETE, "/api/backtests", Some(&token), "")).await;
    assert_eq!(
        (a.status, a.headers[header::ALLOW].to_str().ok()),
        (StatusCode::METHOD_NOT_ALLOWED, Some("GET, POST"))
    );
    let a = call(&h.ctx, post("/api/backtests", Some(&token), GOOG)).await;
    assert_eq!(a.status, StatusCode::ACCEPTED, "POST still starts one");
}

#[tokio::test]
async fn the_control_api_and_the_remote_backend_give_the_same_pages() {
    let backend = FakeBackend::new();
    let worker = spawn_worker(backend.clone()).await;
    let remote = RemoteBackend::new(&worker.url, SERVICE_TOKEN).unwrap_or_else(|e| panic!("{e}"));
    let goog: mirai_web::BacktestRequest = serde_json::from_str(GOOG).unwrap_or_else(|e| panic!("{e}"));
    for _ in 0..3 {
        remote.create_backtest(goog.clone()).await.unwrap_or_else(|e| panic!("{e}"));
    }
    backend.finish_backtest("bt-1");
    let mut q = BacktestsQuery { limit: 2, cursor: None };
    let mut ids = Vec::new();
    loop {
        let got = remote.backtests(q.clone()).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(got, backend.backtests(q.clone()).await.unwrap_or_else(|e| panic!("{e}")));
        ids.extend(got.backtests.iter().map(|j| (j.id.clone(), j.metrics.is_some())));
        match got.next {
            Some(next) => q.cursor = Some(next),
            None => break,
        }
    }
    let want = [("bt-3", false), ("bt-2", false), ("bt-1", true)].map(|(id, done)| (id.to_owned(), done));
    assert_eq!(ids, want);

    // The control API: `GET` lists, `POST` creates, anything else is refused; the token is needed.
    let put = request(Method::PUT, "/internal/v1/backtests", Some(SERVICE_TOKEN), "");
    let resp = handle_control_api(backend.as_ref(), SERVICE_TOKEN, put).await;
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(resp.headers()[header::ALLOW], "GET, POST");
    let anonymous =
        handle_control_api(backend.as_ref(), SERVICE_TOKEN, get("/internal/v1/backtests", None)).await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

    let auth = Auth::new(USER, PASSWORD, SECRET.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    let ctx = Ctx::new(auth, Arc::new(remote));
    let login = call(
        &ctx,
        post("/api/auth/login", None, &format!(r#"{{"username":"{USER}","password":"{PASSWORD}"}}"#)),
    )
    .await;
    let token = login.json()["token"].as_str().unwrap_or_default().to_owned();
    let a = call(&ctx, get("/api/backtests?limit=1", Some(&token))).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(a.json()["backtests"][0]["id"], "bt-3");
    assert!(a.json()["next"].is_string());
    let a = call(&ctx, get("/api/backtests?cursor=nope", Some(&token))).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
}
