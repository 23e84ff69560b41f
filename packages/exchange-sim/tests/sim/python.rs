//! Binance's official Python SDK (`binance-sdk-spot`, installed from PyPI into the test venv by
//! ./scripts/test.sh) places, queries and cancels an order and reads the account against the
//! simulator, unchanged but for its base URL.

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
    sim.stop().await;
}
