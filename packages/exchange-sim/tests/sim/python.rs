//! Binance's official Python SDK (`binance-sdk-spot`, installed from PyPI into the test venv by
//! ./scripts/test.sh) against the simulator, unchanged but for its URLs: it reads the market data
//! endpoints, places, queries and cancels an order and reads the account; and on the market streams
//! it sees the open candle within 2 s of market time of subscribing, then every 2 s.

use std::process::Command;

use crate::support::{KEY, SECRET, start};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binance_official_python_sdk_trades_against_the_simulator() {
    let sim = start(|_| {}).await;
    let python = mirai_testkit::venv_bin("python").expect("the test venv (./scripts/test.sh creates it)");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/sdk_roundtrip.py");
    let base = sim.base_url();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(python).arg(script).arg(base).arg(KEY).env("MIRAI_SIM_API_SECRET", SECRET).output()
    })
    .await
    .unwrap()
    .expect("python runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the SDK script failed:\n{stdout}\n{stderr}");
    let summary: serde_json::Value = serde_json::from_str(stdout.trim()).expect("one JSON line");
    assert_eq!(summary["limit_status"], "NEW");
    assert_eq!(summary["cancel_status"], "CANCELED");
    assert_eq!(summary["market_status"], "FILLED");
    assert!(
        summary["bad_signature_error"].as_str().unwrap().contains("1022")
            || summary["bad_signature_error"].as_str().unwrap().contains("Signature")
    );
    assert_eq!(sim.orders_with_client_id("py-sdk-limit-1"), 1);
    assert_eq!(sim.orders_with_client_id("py-sdk-market-1"), 1);
    assert!(!stdout.contains(SECRET) && !stderr.contains(SECRET));
    assert!(summary["unknown_symbol_error"].as_str().unwrap().contains("Invalid symbol"), "{summary}");
    assert!(summary["day_count"].as_i64().unwrap() > 0);
    sim.stop().await;
}

/// The README recipe's market (its defaults: 20 times real time), on the clock, watched through
/// the SDK's WebSocket streams client for three seconds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binance_official_python_sdk_sees_the_open_candle_every_two_seconds_of_market_time() {
    use clap::Parser as _;
    let args = mirai_exchange_sim::Args::try_parse_from([
        "exchange-sim",
        "--listen",
        "127.0.0.1:0",
        "--api-key",
        KEY,
        "--api-secret",
        SECRET,
    ])
    .unwrap();
    let config = args.to_config().unwrap();
    let update_ms = config.market_ms_per_update();
    let speed = config.speed().unwrap();
    let sim = mirai_exchange_sim::serve(config).await.unwrap();
    let python = mirai_testkit::venv_bin("python").expect("the test venv (./scripts/test.sh creates it)");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/sdk_streams.py");
    let (rest, ws) = (sim.base_url(), format!("ws://{}", sim.addr()));
    let out = tokio::task::spawn_blocking(move || {
        Command::new(python).arg(script).arg(rest).arg(ws).arg("3").arg(update_ms.to_string()).output()
    })
    .await
    .unwrap()
    .expect("python runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the SDK script failed:\n{stdout}\n{stderr}");
    let summary: serde_json::Value = serde_json::from_str(stdout.trim()).expect("one JSON line");
    eprintln!("{summary} ({speed}x)");
    let first = summary["first_open_candle_market_ms_after_subscribing"].as_i64().unwrap();
    // The SDK returns once SUBSCRIBE is sent, not acknowledged, and the venue's time is read just
    // after: on a loaded machine the venue may register the subscription after the next update
    // (at 20× an update is 100 ms of wall time), so the first open candle is one or two updates
    // from that reading. Before the simulator pushed the open candle it was up to a minute.
    assert!(
        first <= 2 * update_ms,
        "the first open candle {first} ms of market time after subscribing: {summary}"
    );
    assert_eq!(
        summary["market_ms_between_open_candles"],
        serde_json::json!([update_ms]),
        "every update of the open candle, 2 s of market time apart: {summary}"
    );
    // 3 s at 20x is a minute of market time: about 30 updates and a closed bar, whatever the load.
    assert!(summary["open_candles"].as_i64().unwrap() >= 10, "{summary}");
    assert!(summary["trades"].as_i64().unwrap() >= 10, "{summary}");
    sim.stop().await;
}
