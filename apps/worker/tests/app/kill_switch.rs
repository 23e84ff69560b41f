//! The kill switch stops new orders at once, and stays on across a restart until resumed.

use std::time::Duration;

use crate::helpers::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_switch_stops_new_orders_and_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn(dir.path()).await;
    app.wait_for_trades(1, 30).await;

    let status = app.control("kill").await;
    assert_eq!(status["halted"], true);
    // Audited with the user who pressed it.
    let audit = app.running.store.audit(10_000).unwrap();
    let kill = audit.iter().find(|e| e.kind == "control").expect("the kill is audited");
    assert_eq!((kill.actor.as_str(), &kill.payload), ("admin", &serde_json::json!({ "action": "kill" })));
    let orders_at_kill = app.running.store.orders(10_000).unwrap().len();
    let trades_at_kill = trade_ids(&app.trades().await);

    // Hundreds of bars later: decisions keep coming but every order is refused by the switch.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(app.running.store.orders(10_000).unwrap().len(), orders_at_kill);
    assert_eq!(trade_ids(&app.trades().await), trades_at_kill);
    let refusals = app.running.store.risk_events(1000).unwrap();
    assert!(refusals.iter().any(|e| e.gate == "kill_switch"), "no decision was refused by the kill switch");
    app.stop().await;

    let app = spawn(dir.path()).await;
    assert_eq!(app.get("/api/status").await["halted"], true);
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(app.running.store.orders(10_000).unwrap().len(), orders_at_kill);

    let status = app.control("resume").await;
    assert_eq!(status["halted"], false);
    app.wait_for_trades(trades_at_kill.len() + 1, 30).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_and_resume() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn(dir.path()).await;
    let status = app.control("pause").await;
    assert_eq!(status["paused"], true);
    assert_eq!(status["halted"], false);
    let at_pause = trade_ids(&app.trades().await);
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(trade_ids(&app.trades().await), at_pause);
    assert!(app.running.store.risk_events(1000).unwrap().iter().any(|e| e.gate == "paused"));
    assert_eq!(app.control("resume").await["paused"], false);
    app.wait_for_trades(at_pause.len() + 1, 30).await;
    app.stop().await;
}
