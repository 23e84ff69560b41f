//! A restart on the same data directory continues from the stored state.

use std::collections::HashSet;

use crate::helpers::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_continues_with_the_same_trades_and_positions() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn(dir.path()).await;
    app.wait_for_trades(3, 30).await;
    app.stop().await;

    let app = spawn(dir.path()).await;
    // Read right away: the stored ledger, before the new run adds to it.
    let store = &app.running.store;
    let stored_fills = store.all_fills().unwrap();
    let stored_positions = store.positions().unwrap();
    let trades = app.trades().await;
    let ids = trade_ids(&trades);
    assert!(ids.len() >= 3);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), ids.len(), "a trade is listed twice");
    for f in &stored_fills {
        assert!(ids.contains(&f.trade_id.0), "{} missing after restart", f.trade_id);
    }
    let positions = app.get("/api/positions").await["positions"].clone();
    for p in stored_positions.iter().filter(|p| !p.is_flat()) {
        let shown = positions.as_array().unwrap().iter().find(|v| v["symbol"] == p.symbol.as_str()).unwrap();
        assert_eq!(shown["qty"].as_str().unwrap().parse::<rust_decimal::Decimal>().unwrap(), p.qty.get());
    }

    // Trading goes on, and new fills never reuse an old id.
    let more = app.wait_for_trades(ids.len() + 2, 30).await;
    let all = trade_ids(&more);
    assert_eq!(all.iter().collect::<HashSet<_>>().len(), all.len(), "a trade id was reused");
    assert_eq!(store.all_fills().unwrap().len(), all.len());
    app.stop().await;
}
