//! A fresh start trades on paper within seconds and shows it through the API.

use crate::helpers::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_start_trades_on_paper_and_reports_it() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn(dir.path()).await;
    let status = app.get("/api/status").await;
    assert_eq!(status["mode"], "paper");
    assert_eq!(status["dry_run"], true);
    assert_eq!(status["testnet"], true);
    assert_eq!(status["halted"], false);
    assert_eq!(status["symbols"], serde_json::json!(["BTCUSDT", "ETHUSDT"]));

    let trades = app.wait_for_trades(2, 30).await;
    // Newest first, and every fill is a real order's.
    let ts: Vec<i64> = trades.iter().map(|t| t["ts"].as_i64().unwrap()).collect();
    assert!(ts.windows(2).all(|w| w[0] >= w[1]), "{ts:?}");
    for t in &trades {
        assert!(t["client_order_id"].as_str().unwrap().starts_with("mi-"));
        let price: rust_decimal::Decimal = t["price"].as_str().unwrap().parse().unwrap();
        assert!(price > rust_decimal::Decimal::ZERO);
    }
    // Each trade names the decision that placed it, with that decision's own rationale ("why?").
    let decisions = app.running.store.decisions(10_000).unwrap();
    for t in &trades {
        let id = t["decision_id"].as_str().expect("a trade names its decision");
        let d = decisions.iter().find(|d| d.id.as_str() == id).expect("the decision is in the ledger");
        assert_eq!(t["rationale"].as_str(), Some(d.rationale.as_str()));
        assert!(!d.rationale.is_empty());
        assert_eq!(t["symbol"], d.symbol.as_str());
        let side = if t["side"] == "BUY" { mirai_core::Side::Buy } else { mirai_core::Side::Sell };
        assert_eq!(t["client_order_id"], mirai_core::ClientOrderId::for_decision(&d.id, side).as_str());
    }
    // Cash plus holdings is what the status calls equity, to the last digit. The two reads must
    // come from the same snapshot: retry until no event landed between them.
    let dec = |v: &serde_json::Value| v.as_str().unwrap().parse::<rust_decimal::Decimal>().unwrap();
    let mut checked = false;
    for _ in 0..200 {
        // The outbox's lag moves with the wall clock, not with market events: left out.
        let mut before = app.get("/api/status").await;
        let positions = app.get("/api/positions").await["positions"].clone();
        let mut after = app.get("/api/status").await;
        before["outbox"].take();
        after["outbox"].take();
        if before != after {
            continue;
        }
        let holdings: rust_decimal::Decimal =
            positions.as_array().unwrap().iter().map(|p| dec(&p["market_value"])).sum();
        assert_eq!(dec(&after["equity"]), dec(&after["cash"]) + holdings);
        checked = true;
        break;
    }
    assert!(checked, "never saw two identical snapshots in a row");
    // The store holds an intact audit chain of what happened.
    assert!(app.running.store.verify_audit().unwrap() > 2);
    app.stop().await;
}
