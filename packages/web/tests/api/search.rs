//! `GET /api/news/search` and `GET /api/rationales/search`: auth, validation, ordering, and the
//! same searches through a remote worker's control API.

use std::sync::Arc;

use http::StatusCode;
use mirai_core::Symbol;
use mirai_web::{Auth, Backend, Ctx, RemoteBackend};

use crate::remote::spawn_worker;
use crate::support::*;

#[tokio::test]
async fn searches_need_a_token_and_return_the_best_first_within_the_limit() {
    let h = harness();
    for path in ["/api/news/search?q=etf", "/api/rationales/search?q=etf"] {
        let a = call(&h.ctx, get(path, None)).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{path}");
    }
    let token = login(&h).await;
    let a = call(
        &h.ctx,
        get("/api/news/search?q=etf+flows&symbol=BTCUSDT&since=2023-11-01&limit=3", Some(&token)),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    a.assert_json_headers();
    let results = a.json()["results"].as_array().expect("results").clone();
    let ids: Vec<&str> = results.iter().map(|r| r["id"].as_str().expect("id")).collect();
    assert_eq!(ids, ["news-4", "news-3", "news-2"]);
    let (corpus, req) = h.backend.searches().pop().expect("a search");
    assert_eq!((corpus, req.q.as_str(), req.symbol), ("news", "etf flows", Some(Symbol::new("BTCUSDT"))));
    assert_eq!(req.since.map(|t| t.millis()), Some(1_698_796_800_000));

    let a = call(&h.ctx, get("/api/rationales/search?q=why+sell", Some(&token))).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.json()["results"].as_array().map(Vec::len), Some(10), "default limit");
    assert_eq!(h.backend.searches().pop().map(|s| s.0), Some("rationales"));

    let a = call(&h.ctx, post("/api/news/search?q=x", Some(&token), "")).await;
    assert_eq!(a.status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn bad_queries_get_clear_json_errors_never_500_and_never_reach_the_worker() {
    let h = harness();
    let token = login(&h).await;
    let cases = [
        ("", 422, "q"),
        ("q=%20%20", 422, "q"),
        ("q=x&limit=0", 422, "limit"),
        ("q=x&limit=500", 422, "limit"),
        ("q=x&since=2026-10-02&until=2026-10-01", 422, "since"),
        ("q=x&limit=many", 400, "limit"),
        ("q=x&symbol=BTC%2FUSDT", 400, "symbol"),
        ("q=x&since=last+week", 400, "since"),
        ("q=%E0%A4", 400, "q"),
    ];
    for (query, status, field) in cases {
        let a = call(&h.ctx, get(&format!("/api/news/search?{query}"), Some(&token))).await;
        assert_eq!(a.status.as_u16(), status, "{query}: {}", a.text);
        a.assert_json_headers();
        let body = a.json();
        let named = body["error"].as_str().is_some_and(|e| e.contains(field))
            || body["fields"].as_array().is_some_and(|f| f.iter().any(|f| f["field"] == field));
        assert!(named, "{query}: the error should name `{field}`: {}", a.text);
    }
    let long = "a".repeat(1001);
    let a = call(&h.ctx, get(&format!("/api/rationales/search?q={long}"), Some(&token))).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(h.backend.searches().is_empty());
}

#[tokio::test]
async fn the_web_tier_searches_through_a_remote_worker() {
    let backend = FakeBackend::new();
    let worker = spawn_worker(backend.clone()).await;
    let remote = RemoteBackend::new(&worker.url, SERVICE_TOKEN).expect("remote");
    let auth = Auth::new(USER, PASSWORD, SECRET.as_bytes()).expect("auth");
    let ctx = Ctx::new(auth, Arc::new(remote));
    let h = Harness {
        ctx,
        backend: backend.clone(),
        clock: std::sync::Arc::new(TestClock::new(mirai_core::Timestamp::from_millis(T0))),
        users: Arc::new(mirai_web::MemoryUsers::new()),
    };
    let token = login(&h).await;

    let a = call(
        &h.ctx,
        get(
            "/api/news/search?q=etf+%26+%22flows%22&symbol=ethusdt&until=1700000000000&limit=2",
            Some(&token),
        ),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(a.json()["results"][0]["title"], "<b>news 3</b>", "text arrives as data, unescaped");
    let (_, req) = backend.searches().pop().expect("forwarded");
    assert_eq!(req.q, "etf & \"flows\"");
    assert_eq!(req.symbol, Some(Symbol::new("ETHUSDT")));
    assert_eq!(req.until.map(|t| t.millis()), Some(1_700_000_000_000));

    let remote = RemoteBackend::new(&worker.url, SERVICE_TOKEN).expect("remote");
    let hits = remote.search_rationales(req.clone()).await.expect("rationales");
    let ids: Vec<&str> = hits.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(ids, ["rationales-3", "rationales-2"], "the worker sorts and cuts too");
}

#[tokio::test]
async fn the_control_api_serves_searches_to_the_service_token_only_and_validates_them() {
    let backend = FakeBackend::new();
    let call_api = |req| {
        let backend = backend.clone();
        async move {
            let resp = mirai_web::handle_control_api(backend.as_ref(), SERVICE_TOKEN, req).await;
            (resp.status(), String::from_utf8(resp.body().to_vec()).expect("UTF-8"))
        }
    };
    let (status, _) = call_api(get("/internal/v1/news/search?q=etf", None)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) =
        call_api(get("/internal/v1/rationales/search?q=sell&limit=2", Some(SERVICE_TOKEN))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("rationales-3"), "{body}");
    let (status, _) = call_api(get("/internal/v1/news/search?q=etf&limit=0", Some(SERVICE_TOKEN))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = call_api(post("/internal/v1/news/search?q=etf", Some(SERVICE_TOKEN), "")).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(backend.searches().len(), 1, "only the valid search reached the backend");
}
