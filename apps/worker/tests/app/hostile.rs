//! Hostile input against the running worker: backtest requests sized to exhaust its memory (the
//! real binary, which an allocation failure would abort), and clients that open connections and
//! never finish their request.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{Binary, PASSWORD, spawn_with};

async fn trade_count(c: &reqwest::Client, base: &str, token: &str) -> usize {
    let r: Value = c
        .get(format!("{base}/api/trades?limit=500"))
        .bearer_auth(token)
        .send()
        .await
        .expect("trades")
        .json()
        .await
        .expect("trades json");
    r["trades"].as_array().map_or(0, Vec::len)
}

async fn wait_for_more_trades(c: &reqwest::Client, base: &str, token: &str, than: usize) -> usize {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let n = trade_count(c, base, token).await;
        if n > than {
            return n;
        }
        assert!(Instant::now() < deadline, "no trade beyond {than} within 60 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_backtest_request_can_stop_the_worker_trading() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let mut app = Binary::start(
        dir.path(),
        &[
            ("PORT", "0"),
            ("DATA_DIR", data.to_str().expect("utf-8 path")),
            ("WEB_PASS", PASSWORD),
            ("JWT_SECRET", "jwt-secret-for-the-hostile-tests-0123456789"),
            ("REPLAY_BARS_PER_SECOND", "400"),
            ("BACKTEST_MAX_BARS", "100000"),
        ],
    );
    let c = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().expect("client");
    let token = app.login(&c).await;
    let before = wait_for_more_trades(&c, &app.base, &token, 0).await;

    // Each is answered 422, naming the field at fault; none is run.
    let generated = |bars: u64| json!({ "generated": { "bars": bars } });
    for (body, field) in [
        // The security review's request: 16 TB for a moving-average window over 10 bars.
        (
            json!({ "strategy": "sma-cross", "params": { "fast": 1, "slow": 1_000_000_000_000u64 }, "data": generated(10) }),
            "params.slow",
        ),
        (
            json!({ "params": { "fast": 1, "slow": "999999999999999999999" }, "data": generated(10) }),
            "params.slow",
        ),
        (json!({ "params": { "fast": 2, "slow": 50 }, "data": generated(49) }), "params.slow"),
        (
            json!({ "params": { "fast": 2, "slow": 5000 }, "data": { "bundled": { "name": "goog-daily" } } }),
            "params.slow",
        ),
        (
            json!({ "strategy": "rsi-reversion", "params": { "period": 4_000_000_000u64 }, "data": generated(10) }),
            "params.period",
        ),
        (json!({ "strategy": "ichimoku", "data": generated(10) }), "strategy"),
        // MACD's signal line needs 26 + 9 − 1 bars.
        (json!({ "strategy": "macd", "data": generated(10) }), "params.slow"),
        // Over the worker's own bar budget (100,000 here), under the web tier's 2,000,000.
        (json!({ "data": generated(1_500_000) }), "data.bars"),
        (json!({ "data": { "generated": { "bars": 100_000, "interval": "9999999d" } } }), "data.interval"),
    ] {
        let r = c
            .post(format!("{}/api/backtests", app.base))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .expect("post");
        let status = r.status().as_u16();
        let answer: Value = r.json().await.expect("json");
        assert_eq!(status, 422, "{body} → {answer}");
        assert_eq!(answer["code"], "validation_failed", "{answer}");
        let fields: Vec<&str> =
            answer["fields"].as_array().expect("fields").iter().filter_map(|f| f["field"].as_str()).collect();
        assert!(fields.contains(&field), "{body}: expected {field} in {answer}");
    }
    // Beyond the web tier's limit the web tier answers, with the same shape.
    let r = c
        .post(format!("{}/api/backtests", app.base))
        .bearer_auth(&token)
        .json(&json!({ "data": generated(3_000_000) }))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 422);

    assert!(app.is_running(), "the worker exited:\n{}", app.stop());
    let after = wait_for_more_trades(&c, &app.base, &token, before).await;
    assert!(after > before);
    // A request within the budget still runs.
    let r = c
        .post(format!("{}/api/backtests", app.base))
        .bearer_auth(&token)
        .json(&json!({ "params": { "fast": 5, "slow": 20 }, "data": generated(1_000) }))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 202);
    assert!(app.is_running());
    app.stop();
}

/// Reads until the server closes the connection (or `within` passes); what it sent, and whether
/// it closed in time.
async fn read_until_closed(stream: &mut TcpStream, within: Duration) -> (String, bool) {
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (String::from_utf8_lossy(&got).into_owned(), true),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Err(_) => return (String::from_utf8_lossy(&got).into_owned(), false),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_clients_lose_their_connection_and_cannot_crowd_others_out() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = spawn_with(
        dir.path(),
        &[("HTTP_HEADER_TIMEOUT_SECS", "1"), ("HTTP_BODY_TIMEOUT_SECS", "1"), ("HTTP_MAX_CONNECTIONS", "3")],
    )
    .await;
    let addr = app.base.trim_start_matches("http://").to_owned();

    // Headers that never end: the connection is closed after the header deadline.
    let mut partial = TcpStream::connect(&addr).await.expect("connect");
    partial.write_all(b"GET /api/health HTTP/1.1\r\nHost: mirai\r\nX-Slow: ").await.expect("write");
    let (_, closed) = read_until_closed(&mut partial, Duration::from_secs(5)).await;
    assert!(closed, "a connection with unfinished headers was still open after 5 s");

    // A body declared and never sent: 408, then the connection is closed.
    let mut no_body = TcpStream::connect(&addr).await.expect("connect");
    no_body
        .write_all(b"POST /api/auth/login HTTP/1.1\r\nHost: mirai\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"user")
        .await
        .expect("write");
    let (answer, closed) = read_until_closed(&mut no_body, Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("request_timeout"), "{answer}");
    assert!(closed, "the connection stayed open after the 408");

    // A kept-alive connection that sends no next request is closed at the header deadline too.
    let mut kept = TcpStream::connect(&addr).await.expect("connect");
    kept.write_all(b"GET /api/health HTTP/1.1\r\nHost: mirai\r\n\r\n").await.expect("write");
    let (answer, closed) = read_until_closed(&mut kept, Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(closed, "an idle kept-alive connection was still open after 5 s");

    // Connections that send nothing at all hold a slot only until the header deadline; with
    // every slot taken, the next client is served as soon as one frees.
    let mut idle = Vec::new();
    for _ in 0..3 {
        idle.push(TcpStream::connect(&addr).await.expect("connect"));
    }
    // A client of its own: the app's pooled connection may be one the deadline has just closed.
    let fresh = || reqwest::Client::builder().timeout(Duration::from_secs(10)).build().expect("client");
    let started = Instant::now();
    let r = fresh().get(format!("{}/api/health", app.base)).send().await.expect("served after the idle ones");
    assert_eq!(r.status(), 200);
    assert!(started.elapsed() < Duration::from_secs(5), "waited {:?}", started.elapsed());
    for mut s in idle {
        let (_, closed) = read_until_closed(&mut s, Duration::from_secs(5)).await;
        assert!(closed, "an idle connection was kept past the header deadline");
    }

    // Nothing was lost: the dashboard still answers and the worker still trades.
    let before = trade_count(&fresh(), &app.base, &app.token).await;
    wait_for_more_trades(&fresh(), &app.base, &app.token, before).await;
    app.stop().await;
}
