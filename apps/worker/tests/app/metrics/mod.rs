//! `GET /metrics` on a trading worker: only with the service token; valid exposition text whose
//! ledger counts are the ledger's, whose refusals show their gate, and whose HTTP series count
//! requests by route template (never the raw path) with a histogram that agrees with them.

mod exposition;

use std::time::{Duration, Instant};

use mirai_core::Side;

use crate::helpers::*;
use exposition::{Scrape, parse};

const SERVICE_TOKEN: &str = "metrics-test-service-token-0123456789abcdef";

async fn get_metrics(app: &TestApp, bearer: Option<&str>) -> reqwest::Response {
    let req = app.client.get(format!("{}/metrics", app.base));
    let req = match bearer {
        Some(token) => req.bearer_auth(token),
        None => req,
    };
    req.send().await.expect("metrics request")
}

async fn scrape(app: &TestApp) -> (Scrape, String) {
    let resp = get_metrics(app, Some(SERVICE_TOKEN)).await;
    assert_eq!(resp.status(), 200);
    let content_type = resp.headers()["content-type"].to_str().expect("ascii").to_owned();
    assert_eq!(content_type, "text/plain; version=0.0.4; charset=utf-8");
    let text = resp.text().await.expect("body");
    (parse(&text), text)
}

const REQUESTS: &str = "mirai_http_requests_total";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trading_worker_is_scraped_with_the_service_token_and_counts_what_the_ledger_holds() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = spawn_with(dir.path(), &[("WORKER_SERVICE_TOKEN", SERVICE_TOKEN)]).await;

    // No token, a wrong one, or a user's login token: refused.
    let wrong = "x".repeat(SERVICE_TOKEN.len());
    for bearer in [None, Some(wrong.as_str()), Some(app.token.as_str())] {
        let resp = get_metrics(&app, bearer).await;
        assert_eq!(resp.status(), 401, "bearer {bearer:?}");
        assert!(!resp.text().await.expect("body").contains("mirai_"), "nothing is shown");
    }

    // Trade, then pause: orders and fills stop while decisions go on being refused, under the
    // `paused` gate.
    app.wait_for_trades(2, 30).await;
    assert_eq!(app.control("pause").await["paused"], true);
    let deadline = Instant::now() + Duration::from_secs(20);
    while !app.running.store.risk_events(1000).expect("risk events").iter().any(|e| e.gate == "paused") {
        assert!(Instant::now() < deadline, "no decision was refused by the pause");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let orders = app.running.store.orders(100_000).expect("orders");
    let trades = app.trades().await;
    assert!(trades.len() < 500, "the listing holds every fill");
    let paused_before =
        app.running.store.risk_events(100_000).expect("events").iter().filter(|e| e.gate == "paused").count();
    let (m, _) = scrape(&app).await;
    let paused_after =
        app.running.store.risk_events(100_000).expect("events").iter().filter(|e| e.gate == "paused").count();

    for (side, wire) in [(Side::Buy, "BUY"), (Side::Sell, "SELL")] {
        let placed = orders.iter().filter(|o| o.request.side == side).count() as u64;
        assert_eq!(m.count("mirai_orders_total", &[("side", wire)]), Some(placed), "{wire} orders");
        assert_eq!(m.sum("mirai_orders", &[("side", wire)]), placed, "{wire} orders by status");
        let filled = trades.iter().filter(|t| t["side"] == wire).count() as u64;
        assert_eq!(m.count("mirai_fills_total", &[("side", wire)]), Some(filled), "{wire} fills");
    }
    let refused =
        m.count("mirai_risk_refusals_total", &[("gate", "paused")]).expect("the paused gate is listed");
    assert!(
        (paused_before as u64..=paused_after as u64).contains(&refused),
        "{refused} refusals by the pause"
    );
    assert_eq!(m.count("mirai_trading_paused", &[]), Some(1));
    assert_eq!(m.count("mirai_trading_halted", &[]), Some(0));
    // Process-wide counts (other tests in this process may reconnect): listed, whatever they are.
    for stream in ["market", "user_data"] {
        assert!(m.count("mirai_stream_reconnects_total", &[("stream", stream)]).is_some(), "{stream}");
    }
    assert!(m.count("mirai_candles_unrecorded_total", &[]).is_some());
    assert!(m.value("mirai_equity", &[]).is_some_and(|e| e > 0.0));
    assert_eq!(m.types.get("mirai_http_request_duration_seconds").map(String::as_str), Some("histogram"));
    // The refused scrapes above were counted, under the route and their status.
    assert!(m.count(REQUESTS, &[("route", "/metrics"), ("status", "401")]).is_some_and(|n| n >= 3));

    // A few dashboard requests, and one with an id in its path: counted by template.
    let status_before = m.count(REQUESTS, &[("route", "/api/status"), ("status", "200")]).unwrap_or(0);
    for _ in 0..3 {
        app.get("/api/status").await;
    }
    let resp = app
        .client
        .get(format!("{}/api/backtests/bt-no-such-job-4711", app.base))
        .bearer_auth(&app.token)
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 404);
    let (m, text) = scrape(&app).await;
    assert_eq!(m.count(REQUESTS, &[("route", "/api/status"), ("status", "200")]), Some(status_before + 3));
    let counted = m.sum(REQUESTS, &[("route", "/api/status")]);
    let timed = m.count("mirai_http_request_duration_seconds_count", &[("route", "/api/status")]);
    assert_eq!(timed, Some(counted), "the histogram counts what the counter counts");
    assert_eq!(m.count(REQUESTS, &[("route", "/api/backtests/{id}"), ("status", "404")]), Some(1));
    assert!(!text.contains("4711"), "a raw path reached a label");
    for secret in [SERVICE_TOKEN, PASSWORD, JWT_SECRET, "admin"] {
        assert!(!text.contains(secret), "{secret:?} is in the metrics");
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_service_token_there_is_no_metrics_route() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = spawn(dir.path()).await;
    for bearer in [None, Some(SERVICE_TOKEN), Some(app.token.as_str())] {
        assert_eq!(get_metrics(&app, bearer).await.status(), 404, "bearer {bearer:?}");
    }
    app.stop().await;
}
