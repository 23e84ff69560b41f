//! SIGKILL at random points: while the binary starts (reconciling, warming up) or while it
//! trades (an order on the wire, a fill half-booked). After every restart the books must agree
//! with the venue: no client order id placed twice, every trade booked once, cash and holdings
//! equal to the account's.

use std::time::Duration;

use serde_json::Value;

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_at_random_points_loses_and_duplicates_nothing() {
    const TEST: &str = "sigkill";
    let kills = if long_form() { 20 } else { 3 };
    let mut rng = Rng::seeded(TEST);
    let sim = stepped_sim(|_| {}).await;
    let pump = BarPump::start(&sim, Duration::from_millis(10));
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let vars = worker_vars(&data, &sim, &[]);
    let pairs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();

    let (mut during_start, mut while_trading) = (0, 0);
    let mut kills_done = 0;
    while kills_done < kills {
        let mut bin = Binary::launch(dir.path(), &pairs);
        // One kill in four lands while the binary is still starting, wherever that is.
        if rng.between(0, 4) == 0 {
            let at = rng.between(50, 2_000);
            tokio::time::sleep(Duration::from_millis(at)).await;
            let up = bin.wait_ready(Duration::ZERO);
            figure(TEST, format!("kill {} at {at} ms after launch (dashboard up: {up})", kills_done + 1));
            let _ = bin.stop();
            during_start += 1;
            kills_done += 1;
            continue;
        }
        assert!(bin.wait_ready(Duration::from_secs(60)), "the dashboard address is printed");
        let w = Worker::ready(bin).await;
        // The start reconciled whatever the last kill interrupted, or it would refuse to trade.
        let status = w.get("/api/status").await;
        assert_eq!(status["blocked_reason"], Value::Null, "after kill {kills_done}: {status}");
        // Paused a moment to compare the books with the venue at rest, then trading again.
        w.control("pause").await;
        let checked = assert_ledger_is_the_account(&data, &sim).await;
        assert_dashboard_is_the_account(&w, &sim).await;
        w.control("resume").await;
        let at = rng.between(300, 4_000);
        tokio::time::sleep(Duration::from_millis(at)).await;
        let orders_before = sim.order_count();
        let _ = w.kill();
        figure(
            TEST,
            format!(
                "kill {} after {at} ms of trading ({} orders, {} fills so far)",
                kills_done + 1,
                orders_before,
                checked.fills
            ),
        );
        while_trading += 1;
        kills_done += 1;
    }

    // The last restart: reconciled, then compared at rest one more time.
    let w = Worker::start(dir.path(), &vars).await;
    let status = w.get("/api/status").await;
    assert_eq!(status["blocked_reason"], Value::Null, "after the last kill: {status}");
    w.control("pause").await;
    let books = assert_ledger_is_the_account(&data, &sim).await;
    assert_dashboard_is_the_account(&w, &sim).await;
    let _ = w.kill();
    let bars = pump.stop().await;
    assert!(books.orders >= kills, "too few orders to mean anything: {books:?}");
    figure(
        TEST,
        format!(
            "restarts survived {} ({during_start} killed while starting, {while_trading} while trading); \
             orders {}, duplicates 0, fills {}, fills lost 0; {bars} bars",
            kills, books.orders, books.fills
        ),
    );
}
