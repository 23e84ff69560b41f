//! A restart on the same data directory continues from the stored state.

use std::collections::HashSet;

use crate::helpers::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_continues_with_the_same_trades_and_positions() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn(dir.path()).await;
    app.wait_for_trades(3, 30).await;
    // Paused before the stop, so the restarted worker comes back paused (the pause is persisted) and the
    // ledger holds still while we compare it with what the API shows.
    app.control("pause").await;
    app.stop().await;

    let app = spawn(dir.path()).await;
    assert_eq!(app.get("/api/status").await["paused"], true, "the pause survives a restart");
    let store = &app.running.store;
    let stored_fills = store.all_fills().unwrap();
    let stored_positions = store.positions().unwrap();
    let trades = app.trades().await;
    let ids = trade_ids(&trades);
    assert!(ids.len() >= 3);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), ids.len(), "a trade is listed twice");
    assert_eq!(ids.len(), stored_fills.len(), "every stored fill is listed, once");
    for f in &stored_fills {
        assert!(ids.iter().any(|id| id == f.trade_id.as_str()), "{} missing after restart", f.trade_id);
    }
    let positions = app.get("/api/positions").await["positions"].clone();
    for p in stored_positions.iter().filter(|p| !p.is_flat()) {
        let shown = positions.as_array().unwrap().iter().find(|v| v["symbol"] == p.symbol.as_str()).unwrap();
        assert_eq!(shown["qty"].as_str().unwrap().parse::<rust_decimal::Decimal>().unwrap(), p.qty.get());
    }

    // Trading goes on once resumed, and new fills never reuse an old id.
    app.control("resume").await;
    app.wait_for_trades(ids.len() + 2, 30).await;
    app.control("pause").await;
    let all = trade_ids(&app.trades().await);
    assert_eq!(all.iter().collect::<HashSet<_>>().len(), all.len(), "a trade id was reused");
    let ledger: Vec<String> =
        store.all_fills().unwrap().iter().map(|f| f.trade_id.as_str().to_owned()).collect();
    assert_eq!(ledger.iter().collect::<HashSet<_>>().len(), ledger.len(), "a fill is stored twice");
    for id in &all {
        assert!(ledger.contains(id), "{id} shown but not stored");
    }
    app.stop().await;
}
