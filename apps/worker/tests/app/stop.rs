//! Stopping the real binary the way a service manager does: SIGTERM (or SIGINT) while it trades
//! ends it within 10 s with exit 0 and a clean-stop line in the log, leaves no order in flight,
//! and a restart on the same data directory resumes with the ledger exactly as it was.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use mirai_core::{Fill, Side};
use mirai_store_local::LocalStore;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::helpers::{Binary, JWT_SECRET, PASSWORD};

fn vars<'a>(data: &'a str, bars_per_second: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("PORT", "0"),
        ("DATA_DIR", data),
        ("WEB_PASS", PASSWORD),
        ("JWT_SECRET", JWT_SECRET),
        ("REPLAY_BARS_PER_SECOND", bars_per_second),
    ]
}

async fn get(client: &reqwest::Client, app: &Binary, token: &str, path: &str) -> Value {
    let resp = client.get(format!("{}{path}", app.base)).bearer_auth(token).send().await.expect("request");
    assert_eq!(resp.status(), 200, "GET {path}");
    resp.json().await.expect("json")
}

/// Per symbol, the base quantity the fills add up to (bought minus sold).
fn held(fills: &[Fill]) -> HashMap<String, Decimal> {
    let mut held = HashMap::new();
    for f in fills {
        let q = f.qty.get();
        *held.entry(f.symbol.as_str().to_owned()).or_insert(Decimal::ZERO) +=
            if f.side == Side::Buy { q } else { -q };
    }
    held.retain(|_, q| !q.is_zero());
    held
}

fn positions_held(store: &LocalStore) -> HashMap<String, Decimal> {
    let positions = store.positions().expect("positions");
    positions.iter().filter(|p| !p.is_flat()).map(|p| (p.symbol.as_str().to_owned(), p.qty.get())).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_while_trading_stops_cleanly_and_a_restart_resumes_the_same_ledger() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let data_str = data.to_str().expect("utf-8 path");
    let client = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().expect("client");

    let app = Binary::start(dir.path(), &vars(data_str, "200"));
    let token = app.login(&client).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while get(&client, &app, &token, "/api/trades?limit=10").await["trades"].as_array().map_or(0, Vec::len)
        < 3
    {
        assert!(Instant::now() < deadline, "no trades within 30 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Stopped mid-stream: bars keep coming at 200 a second until the signal.
    let asked = Instant::now();
    app.signal("TERM");
    let (status, output) = app.wait_exit(Duration::from_secs(10));
    let took = asked.elapsed();
    eprintln!("SIGTERM to exit: {} ms", took.as_millis());
    let status = status.unwrap_or_else(|| panic!("still running 10 s after SIGTERM:\n{output}"));
    assert!(status.success(), "exit {status}:\n{output}");
    assert!(output.contains("SIGTERM") && output.contains("mirai stopped cleanly"), "{output}");

    // The ledger the stop left: nothing in flight, positions what the fills add up to, the chain
    // intact.
    let store = LocalStore::open(&data).expect("store");
    let fills = store.all_fills().expect("fills");
    assert!(fills.len() >= 3, "{} fills", fills.len());
    assert!(store.open_orders().expect("open orders").is_empty(), "an order was left in flight");
    assert_eq!(positions_held(&store), held(&fills));
    let positions = store.positions().expect("positions");
    store.verify_audit().expect("the audit chain is intact");
    drop(store);

    // The restart replays slowly and is paused at once, so the ledger holds still to compare.
    let app = Binary::start(dir.path(), &vars(data_str, "1"));
    let token = app.login(&client).await;
    let resp = client
        .post(format!("{}/api/control", app.base))
        .bearer_auth(&token)
        .json(&json!({ "action": "pause" }))
        .send()
        .await
        .expect("pause");
    assert_eq!(resp.status(), 200);
    let store = LocalStore::open(&data).expect("store");
    let after = store.all_fills().expect("fills");
    assert_eq!(&after[..fills.len()], &fills[..], "the fills from before the stop changed");
    // At most the first bar's trade slipped in before the pause; with none, positions are equal
    // to the last digit (quantity, cost, realised P&L).
    let new = &after[fills.len()..];
    assert!(new.len() <= 2, "{} new fills before the pause", new.len());
    if new.is_empty() {
        assert_eq!(store.positions().expect("positions"), positions, "positions changed across the restart");
    }
    assert_eq!(positions_held(&store), held(&after));
    // It resumed after the last bar traded rather than replaying from the start.
    let startup = store
        .audit(50)
        .expect("audit")
        .into_iter()
        .find(|e| e.kind == "startup")
        .expect("the restart is audited");
    assert!(startup.payload["resume_bar"].as_u64().is_some_and(|b| b > 0), "{}", startup.payload);
    let listed = get(&client, &app, &token, "/api/trades?limit=500").await["trades"]
        .as_array()
        .cloned()
        .expect("trades");
    assert_eq!(listed.len(), after.len(), "every stored fill is listed once");
    drop(store);

    // A stop on SIGINT (Ctrl-C) is the same clean stop.
    app.signal("INT");
    let (status, output) = app.wait_exit(Duration::from_secs(10));
    let status = status.unwrap_or_else(|| panic!("still running 10 s after SIGINT:\n{output}"));
    assert!(status.success(), "exit {status}:\n{output}");
    assert!(output.contains("SIGINT") && output.contains("mirai stopped cleanly"), "{output}");
}
