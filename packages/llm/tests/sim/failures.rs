//! What a caller's deadline and error handling must survive: 429 with a day-long Retry-After,
//! 500, slowness, malformed requests; plus the call counter and shutdown.

use std::time::{Duration, Instant};

use async_openai::error::OpenAIError;
use serde_json::{Value, json};

use crate::support::{Running, doc};

#[tokio::test]
async fn a_429_makes_async_openai_wait_a_day_so_only_a_deadline_ends_it() {
    let sim = Running::start().await;
    let waited = tokio::time::timeout(Duration::from_millis(500), sim.ask("sim-429", &doc("buy", &[]))).await;
    assert!(waited.is_err(), "async-openai gave up by itself: {waited:?}");
    assert_eq!(sim.sim.calls(), 1, "it waits Retry-After before asking again");

    let d = serde_json::to_value(crate::support::request("sim-429", &doc("buy", &[]).to_string()))
        .expect("a request");
    let r = reqwest::Client::new()
        .post(sim.url("/v1/chat/completions"))
        .json(&d)
        .send()
        .await
        .expect("an answer");
    assert_eq!(r.status().as_u16(), 429);
    assert_eq!(r.headers().get("retry-after").and_then(|v| v.to_str().ok()), Some("86400"));
    assert_eq!(
        r.text().await.expect("a body"),
        r#"{"error":{"message":"Rate limit reached","type":"requests","param":null,"code":"rate_limit_exceeded"}}"#
    );
}

#[tokio::test]
async fn a_500_is_retried_by_async_openai_then_reported() {
    let sim = Running::start().await;
    let err = sim.ask("sim-500", &doc("buy", &[])).await.expect_err("a server error");
    match err {
        OpenAIError::ApiError(e) => assert_eq!(e.status_code.as_u16(), 500),
        other => panic!("not an API error: {other:?}"),
    }
    assert_eq!(sim.sim.calls(), 4, "async-openai's default: three retries");

    let (status, body) = sim.post_raw("/v1/chat/completions", "sim-500", &doc("buy", &[])).await;
    assert_eq!(status, 500);
    let body: Value = serde_json::from_str(&body).expect("a JSON error");
    assert_eq!(body["error"]["type"], "server_error");
    assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
}

#[tokio::test]
async fn slow_is_cut_by_the_deadline_and_slow_ms_answers_late() {
    let sim = Running::start().await;
    let started = Instant::now();
    let waited =
        tokio::time::timeout(Duration::from_millis(300), sim.ask("sim-slow", &doc("buy", &[]))).await;
    assert!(waited.is_err(), "sim-slow answered within 300 ms: {waited:?}");
    assert!(started.elapsed() < Duration::from_secs(2));

    let started = Instant::now();
    let r = sim.ask("sim-slow-150", &doc("sell", &[])).await.expect("a late answer");
    assert!(started.elapsed() >= Duration::from_millis(150), "{:?}", started.elapsed());
    let a: Value =
        serde_json::from_str(r.choices[0].message.content.as_deref().expect("content")).expect("JSON");
    assert_eq!(a["action"], "sell");
    assert_eq!(a["confidence"], 0.8);
}

#[tokio::test]
async fn malformed_requests_get_a_400_json_error() {
    let sim = Running::start().await;
    let http = reqwest::Client::new();
    for body in ["{not json", "[1, 2]", r#"{"messages": []}"#, r#"{"model": "sim-follow"}"#] {
        let r = http
            .post(sim.url("/v1/chat/completions"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("an answer");
        assert_eq!(r.status().as_u16(), 400, "{body}");
        let e: Value = r.json().await.expect("a JSON error");
        assert_eq!(e["error"]["type"], "invalid_request_error", "{body}");
    }
    assert_eq!(sim.sim.calls(), 4);
    assert!(sim.sim.models().is_empty());
}

#[tokio::test]
async fn calls_are_counted_and_can_be_asked_over_http() {
    let sim = Running::start().await;
    let http = reqwest::Client::new();
    let calls = || async {
        http.get(sim.url("/sim/calls")).send().await.expect("an answer").json::<Value>().await.expect("JSON")
    };
    assert_eq!(calls().await, json!({"calls": 0}));
    sim.ask("sim-follow", &doc("buy", &[])).await.expect("an answer");
    sim.ask("sim-hold", &doc("buy", &[])).await.expect("an answer");
    assert_eq!(calls().await, json!({"calls": 2}));
    assert_eq!(sim.sim.calls(), 2);
    assert_eq!(sim.sim.models(), ["sim-follow", "sim-hold"]);

    let r = http.get(sim.url("/v1/nothing-here")).send().await.expect("an answer");
    assert_eq!(r.status().as_u16(), 404);
    let e: Value = r.json().await.expect("a JSON error");
    assert!(e["error"]["message"].is_string());
}

#[tokio::test]
async fn shutdown_ends_a_slow_answer_at_once() {
    let mut sim = Running::start().await;
    let body = serde_json::to_value(crate::support::request("sim-slow", &doc("buy", &[]).to_string()))
        .expect("a request");
    let url = sim.url("/v1/chat/completions");
    let pending = tokio::spawn(async move {
        let r = reqwest::Client::new().post(url).json(&body).send().await.expect("an answer");
        r.status().as_u16()
    });
    while sim.sim.calls() == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let started = Instant::now();
    sim.stop.take().expect("running").send(()).expect("the server listens for shutdown");
    assert_eq!(pending.await.expect("the request task"), 503);
    (&mut sim.served).await.expect("the server task").expect("a clean shutdown");
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
}
