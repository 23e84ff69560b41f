//! The venue misbehaving while the binary trades: a storm of 5xx and unknown-status answers on
//! orders (before or after the order reached the matching engine), a 429 storm, a 418 ban, and
//! the venue's clock jumping away from ours. No order is ever placed twice, a 429 obeyed never
//! turns into a ban, the ban is sat out, -1021 resynchronises the clock and the order still goes
//! through, and at the end the ledger equals the account.

use std::time::Duration;

use std::collections::BTreeSet;

use mirai_core::ClientOrderId;
use mirai_exchange_sim::{FaultEffect, FaultPoint, OrderFault};
use serde_json::Value;

use super::*;

/// Waits until the venue has accepted `more` orders beyond `from`: trading goes on.
async fn orders_go_through(sim: &SimHandle, from: usize, more: usize, secs: u64, after: &str) -> usize {
    eventually(secs, async || {
        let n = sim.order_count();
        if n >= from + more { Ok(n) } else { Err(format!("{} orders accepted after {after}", n - from)) }
    })
    .await
}

fn random_effect(rng: &mut Rng) -> FaultEffect {
    match rng.between(0, 6) {
        0 => FaultEffect::Status(500),
        1 => FaultEffect::Status(502),
        2 => FaultEffect::Status(503),
        3 => FaultEffect::Status(504),
        4 => FaultEffect::Code { code: -1006, status: 500 },
        _ => FaultEffect::Code { code: -1007, status: 408 },
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storms_and_a_skewed_clock_duplicate_no_order_and_earn_no_ban() {
    const TEST: &str = "storms";
    let long = long_form();
    let (after_accept, before_accept, storm) =
        if long { (40, 10, Duration::from_secs(30)) } else { (6, 2, Duration::from_secs(3)) };
    let mut rng = Rng::seeded(TEST);
    // Room for every order the rules want: with the venue's 50 per 10 s, the worker's own budget
    // (80 % of it) can fall silent for seconds, and a short storm would meet no request at all.
    let sim = stepped_sim(|c| c.orders_per_10s = 1_000).await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let vars = worker_vars(&data, &sim, &[]);
    let mut w = Worker::start(dir.path(), &vars).await;
    let pump = BarPump::start(&sim, Duration::from_millis(10));
    orders_go_through(&sim, 0, 2, 90, "the start").await;

    // A 5xx and unknown-status storm after the orders reached the engine: each answer is lost,
    // each order is found by its id, none is sent twice, and trading goes on.
    for _ in 0..after_accept {
        sim.inject(OrderFault { point: FaultPoint::AfterAccept, effect: random_effect(&mut rng) });
    }
    eventually(120, async || match sim.faults_pending() {
        0 => Ok(()),
        n => Err(format!("{n} of {after_accept} faults not yet met by an order")),
    })
    .await;
    orders_go_through(&sim, sim.order_count(), 2, 60, "the 5xx storm").await;
    assert_no_duplicate_order(&sim);

    // The same answers before the order reached the engine: the venue never had it, the worker
    // cannot know that, so it keeps the order open (never resent) and that symbol waits for the
    // next start to settle it. Restarted here, as after any crash, once per fault.
    for i in 0..before_accept {
        sim.inject(OrderFault { point: FaultPoint::BeforeAccept, effect: random_effect(&mut rng) });
        eventually(60, async || match sim.faults_pending() {
            0 => Ok(()),
            _ => Err(format!("fault {} met by an order", i + 1)),
        })
        .await;
        // The executor asks the venue for it a few times (about 6 s) before giving up on knowing.
        let absent = || -> BTreeSet<ClientOrderId> {
            let open = LocalStore::open(&data).and_then(|s| s.open_orders()).unwrap_or_default();
            open.into_iter()
                .map(|o| o.request.client_order_id)
                .filter(|id| sim.orders_with_client_id(id.as_str()) == 0)
                .collect()
        };
        let lost = eventually(30, async || {
            // Seen twice half a second apart: not an order merely on its way.
            let first = absent();
            tokio::time::sleep(Duration::from_millis(500)).await;
            let kept: Vec<ClientOrderId> = absent().intersection(&first).cloned().collect();
            match kept.as_slice() {
                [one] => Ok(one.clone()),
                other => Err(format!("one order kept open that the venue never had: {other:?}")),
            }
        })
        .await;
        let _ = w.kill();
        w = Worker::start(dir.path(), &vars).await;
        let status = w.get("/api/status").await;
        assert_eq!(status["blocked_reason"], Value::Null, "after the order that never arrived: {status}");
        w.control("pause").await;
        assert_ledger_is_the_account(&data, &sim).await;
        let settled = LocalStore::open(&data).unwrap().order(&lost).unwrap().expect("still in the ledger");
        assert!(!settled.status.is_open(), "{lost} settled at the start: {:?}", settled.status);
        assert_eq!(sim.orders_with_client_id(lost.as_str()), 0, "{lost} never resent");
        w.control("resume").await;
    }
    let after_5xx = assert_no_duplicate_order(&sim);
    let fills_after_5xx = ledger_fills(&data);

    // The venue's clock 20 s ahead of ours, then 20 s behind, then in step again: each time
    // -1021, resynchronised, re-signed once, and the order goes through.
    let mut skew_rejections = 0;
    let mut n = orders_go_through(&sim, sim.order_count(), 1, 60, "the restart").await;
    for skew in [20_000, -20_000, 0] {
        let before = sim.errors_answered(400, -1021);
        sim.set_clock_skew(skew);
        n = orders_go_through(&sim, n, 2, 60, &format!("a {skew} ms skew")).await;
        let answered = sim.errors_answered(400, -1021) - before;
        assert!(answered >= 1, "a {skew} ms skew never earned a -1021");
        skew_rejections += answered;
    }
    let lost_to_1021 = LocalStore::open(&data)
        .unwrap()
        .risk_events(usize::MAX)
        .unwrap()
        .into_iter()
        .filter(|e| e.reason.contains("-1021"))
        .count();
    assert_eq!(lost_to_1021, 0, "an order was given up on for its timestamp");

    // A 429 storm: obeyed (nothing sent until Retry-After), so never a ban.
    sim.throttle(storm);
    tokio::time::sleep(storm).await;
    let n = orders_go_through(&sim, n, 2, 60, "the 429 storm").await;
    let (throttled, banned_by_429) = (sim.errors_answered(429, -1003), sim.errors_answered(418, -1003));
    assert!(throttled >= 1, "the storm was never felt: no request in {storm:?}");
    assert_eq!(banned_by_429, 0, "{throttled} 429s then a ban: Retry-After was not obeyed");
    assert_no_duplicate_order(&sim);

    // A 418 ban: sat out, one request at most while it lasts (the one that learns of it, and
    // any already in flight).
    sim.ban(storm);
    tokio::time::sleep(storm).await;
    orders_go_through(&sim, n, 2, 60, "the ban").await;
    let banned = sim.errors_answered(418, -1003);
    assert!((1..=3).contains(&banned), "{banned} requests answered 418 during a {storm:?} ban");
    assert_no_duplicate_order(&sim);

    let bars = pump.stop().await;
    w.control("pause").await;
    let books = assert_ledger_is_the_account(&data, &sim).await;
    assert_dashboard_is_the_account(&w, &sim).await;
    let _ = w.kill();
    figure(
        TEST,
        format!(
            "{after_accept} 5xx/-1006/-1007 answers after the order reached the engine, {before_accept} \
             before (each kept open, never resent, settled at the next start), then {after_5xx} orders and \
             {fills_after_5xx} fills in agreement; 429 storm of {:.0} s: {throttled} answered 429, 0 bans; \
             418 ban of {:.0} s: {banned} requests during it; clock skew +20 s, -20 s, 0: {skew_rejections} \
             -1021 answered, all resynchronised, no order lost to one; in all {} orders, duplicates 0, {} fills, lost 0; \
             {bars} bars",
            storm.as_secs_f64(),
            storm.as_secs_f64(),
            books.orders,
            books.fills,
        ),
    );
}
