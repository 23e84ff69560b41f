//! The worker trading through Binance's protocol, end to end: the exchange simulator runs
//! in-process on 127.0.0.1:0 with a fast price path, and the worker is pointed at it with
//! `DRY_RUN=false` and the three `BINANCE_*_URL` settings. Everything in between is the real path:
//! signed REST, the kline stream, the WebSocket API's user data, start-up reconciliation.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mirai_binance::NewOrder;
use mirai_core::{
    ClientOrderId, Decimal, DecisionId, OrderKind, OrderRequest, OrderStatus, Price, Qty, Side, Symbol,
    TimeInForce, Timestamp,
};
use mirai_exchange_sim::{SimConfig, SimHandle, serve};
use mirai_live::venue::{BinanceSettings, BinanceVenue, NoApproval, connect};
use mirai_store_local::LocalStore;
use rust_decimal_macros::dec;
use serde_json::Value;

use crate::helpers::*;

pub(crate) const KEY: &str = "e2e-api-key";
pub(crate) const SECRET: &str = "e2e-api-secret-0123456789abcdef";
pub(crate) const BTC: &str = "BTCUSDT";

/// A simulator whose account holds exactly the worker's starting cash (STARTING_CASH defaults to
/// 10,000) and nothing else, so the ledger and the account can be compared one to one. Buyers pay
/// their commission in the base asset, as on Binance. A bar every 10 ms; enough bars in the past
/// that it never waits for the wall clock.
async fn sim() -> SimHandle {
    sim_with(|_| {}).await
}

/// [`sim`], then `adjust` (the fault suite steps bars by hand, or tightens limits).
pub(crate) async fn sim_with(adjust: impl FnOnce(&mut SimConfig)) -> SimHandle {
    let mut c = SimConfig::new(KEY, SECRET);
    c.buyer_fee_in_base = true;
    c.bar_every = Some(Duration::from_millis(10));
    c.history_bars = 400;
    c.past_bars = 200_000;
    c.balances = vec![
        (mirai_core::Asset::new("USDT"), dec!(10000)),
        (mirai_core::Asset::new("BTC"), Decimal::ZERO),
        (mirai_core::Asset::new("ETH"), Decimal::ZERO),
    ];
    adjust(&mut c);
    serve(c).await.expect("simulator starts")
}

pub(crate) fn binance_env(sim: &SimHandle, env: &str) -> Vec<(String, String)> {
    let base = sim.base_url();
    let ws = base.replacen("http://", "ws://", 1);
    [
        ("DRY_RUN", "false".to_owned()),
        ("BINANCE_ENV", env.to_owned()),
        ("BINANCE_API_KEY", KEY.to_owned()),
        ("BINANCE_API_SECRET", SECRET.to_owned()),
        ("BINANCE_REST_URL", base.clone()),
        ("BINANCE_STREAM_URL", ws.clone()),
        ("BINANCE_WS_API_URL", format!("{ws}/ws-api/v3")),
        ("BINANCE_TIMEOUT_MS", "3000".to_owned()),
        // About the venue, not approval modes: real money would otherwise hold every order for a
        // person (`semi`, the default with BINANCE_ENV=live; tested in config/tests.rs).
        ("APPROVAL_MODE", "auto".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

async fn spawn_on(dir: &Path, sim: &SimHandle, env: &str) -> TestApp {
    let pairs = binance_env(sim, env);
    let extra: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    spawn_with(dir, &extra).await
}

/// The test's own signed client on the same account (what an operator's second tool would be).
pub(crate) async fn operator(sim: &SimHandle) -> BinanceVenue {
    let pairs: HashMap<String, String> = binance_env(sim, "testnet").into_iter().collect();
    let settings = BinanceSettings::from_lookup(&move |k| pairs.get(k).cloned())
        .expect("valid Binance settings")
        .expect("Binance configured");
    connect(&settings, &[Symbol::new(BTC), Symbol::new("ETHUSDT")], Arc::new(NoApproval))
        .await
        .expect("the operator connects")
}

pub(crate) fn request(tag: &str, side: Side, qty: Decimal, kind: OrderKind) -> OrderRequest {
    let decision = DecisionId::new(tag, Symbol::new(BTC), Timestamp::from_millis(1));
    OrderRequest {
        client_order_id: ClientOrderId::new_checked(&format!("e2e-{tag}")).expect("a valid id"),
        decision_id: decision,
        symbol: Symbol::new(BTC),
        side,
        kind,
        qty: Qty::new(qty),
        reference_price: Price::new(dec!(60000)),
        created_at: Timestamp::from_millis(1),
    }
}

pub(crate) fn dec_of(v: &Value) -> Decimal {
    v.as_str().expect("a decimal string").parse().expect("a decimal")
}

/// Base holdings per symbol must equal the sim's balances, and the ledger's cash its USDT.
async fn assert_ledger_matches_account(app: &TestApp, sim: &SimHandle) {
    let total = |asset: &str| sim.balance(asset).map_or(Decimal::ZERO, |(free, locked)| free + locked);
    let positions = app.get("/api/positions").await["positions"].as_array().cloned().expect("positions");
    for (symbol, base) in [(BTC, "BTC"), ("ETHUSDT", "ETH")] {
        let held =
            positions.iter().find(|p| p["symbol"] == symbol).map_or(Decimal::ZERO, |p| dec_of(&p["qty"]));
        assert_eq!(held, total(base), "{symbol}: the ledger's position and the account's {base}");
    }
    let cash = dec_of(&app.get("/api/status").await["cash"]);
    assert_eq!(cash, total("USDT"), "the ledger's cash and the account's USDT");
}

pub(crate) async fn wait_until<F: AsyncFnMut() -> bool>(secs: u64, what: &str, mut done: F) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !done().await {
        assert!(Instant::now() < deadline, "timed out after {secs} s waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_worker_trades_reconciles_and_stops_on_the_simulated_exchange() {
    let sim = sim().await;
    let op = operator(&sim).await;
    let dir = tempfile::tempdir().unwrap();

    // 1. Signed orders go out, fills come back, each trade is booked once.
    let app = spawn_on(dir.path(), &sim, "testnet").await;
    let status = app.get("/api/status").await;
    assert_eq!((status["mode"].as_str(), status["dry_run"].as_bool()), (Some("testnet"), Some(false)));
    assert_eq!(status["blocked_reason"], Value::Null, "reconciled, cleared to trade");
    app.wait_for_trades(2, 90).await;
    // Paused (and persisted), so the ledger holds still while it is compared.
    app.control("pause").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let ids = trade_ids(&app.trades().await);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), ids.len(), "a trade is listed twice");
    let mut on_exchange = HashSet::new();
    for s in [BTC, "ETHUSDT"] {
        for t in op.client.my_trades(Symbol::new(s), None, None, 1000).await.unwrap() {
            on_exchange.insert(t.id.to_string());
        }
    }
    // Every one was reported twice (the FULL order response and the user-data stream).
    assert_eq!(
        ids.iter().cloned().collect::<HashSet<_>>(),
        on_exchange,
        "the ledger lists the exchange's trades, once"
    );
    let orders = app.running.store.orders(10_000).unwrap();
    assert!(!orders.is_empty());
    assert!(orders.iter().any(|o| o.status == OrderStatus::Filled));
    for o in &orders {
        let id = o.request.client_order_id.as_str();
        // Accepted once (never resent), or refused by the exchange's filters and not there at all.
        let expected = match o.status {
            OrderStatus::Filled => 1,
            OrderStatus::Rejected => 0,
            other => panic!("{id} is still {other:?} while paused"),
        };
        assert_eq!(sim.orders_with_client_id(id), expected, "{id}");
    }
    assert_ledger_matches_account(&app, &sim).await;

    // 2. A fill only the user-data stream reports (an order of ours answered elsewhere) is booked.
    let store = LocalStore::open(dir.path()).unwrap();
    let side_order = request("via-user-data", Side::Buy, dec!(0.002), OrderKind::Market);
    store.insert_order(&side_order, OrderStatus::New).unwrap();
    let placed = op.client.new_order(&NewOrder::from_request(&side_order)).await.unwrap();
    let trade_id = placed.fills[0].trade_id.to_string();
    wait_until(10, "the user-data fill", async || trade_ids(&app.trades().await).contains(&trade_id)).await;
    wait_until(10, "the order's closure", async || {
        store.order(&side_order.client_order_id).unwrap().unwrap().status == OrderStatus::Filled
    })
    .await;
    assert_ledger_matches_account(&app, &sim).await;
    app.stop().await;

    // 3. A crash between order and answer: while the worker is down, one order of ours filled on
    //    the exchange and another rests there. The restart books the first and shows the second
    //    open, with the exchange's id.
    let filled = request("filled-while-down", Side::Buy, dec!(0.001), OrderKind::Market);
    let last = sim.candles(Symbol::new(BTC)).last().unwrap().close.get();
    let resting_price = Price::new((last * dec!(0.5)).round_dp(2));
    let resting = request(
        "resting",
        Side::Buy,
        dec!(0.001),
        OrderKind::Limit { price: resting_price, time_in_force: TimeInForce::Gtc },
    );
    for r in [&filled, &resting] {
        store.insert_order(r, OrderStatus::New).unwrap();
        op.client.new_order(&NewOrder::from_request(r)).await.unwrap();
    }
    let app = spawn_on(dir.path(), &sim, "testnet").await;
    let status = app.get("/api/status").await;
    assert_eq!(status["blocked_reason"], Value::Null, "{status}");
    assert_eq!(status["paused"], true, "still paused: nothing new trades while we look");
    let filled_now = store.order(&filled.client_order_id).unwrap().unwrap();
    assert_eq!(filled_now.status, OrderStatus::Filled);
    let resting_now = store.order(&resting.client_order_id).unwrap().unwrap();
    assert_eq!(resting_now.status, OrderStatus::New, "left open on the exchange, open in the ledger");
    assert!(resting_now.exchange_order_id.is_some());
    assert_ledger_matches_account(&app, &sim).await;

    // 4. The kill switch cancels it on the exchange.
    assert_eq!(app.control("kill").await["halted"], true);
    assert!(
        op.client.open_orders(Some(Symbol::new(BTC))).await.unwrap().is_empty(),
        "cancelled on the exchange"
    );
    assert_eq!(store.order(&resting.client_order_id).unwrap().unwrap().status, OrderStatus::Canceled);
    app.stop().await;

    // 5. Someone places an order on the account by hand: the ledger cannot account for it, so the
    //    worker starts but refuses to trade, and says why.
    let mut stray =
        NewOrder::limit(Symbol::new(BTC), Side::Buy, Qty::new(dec!(0.001)), resting_price, TimeInForce::Gtc);
    stray.client_order_id = Some(ClientOrderId::new_checked("manual-by-hand").unwrap());
    op.client.new_order(&stray).await.unwrap();
    let app = spawn_on(dir.path(), &sim, "testnet").await;
    let reason = app.get("/api/status").await["blocked_reason"].as_str().map(str::to_owned);
    let reason = reason.expect("trading is blocked");
    assert!(reason.contains("manual-by-hand") && reason.contains("not in the ledger"), "{reason}");
    let orders_before = sim.order_count();
    let status = app.control("resume").await;
    assert_eq!((status["halted"].as_bool(), status["paused"].as_bool()), (Some(false), Some(false)));
    let running_store = app.running.store.clone();
    wait_until(90, "a decision refused by the blocked venue", async || {
        running_store.risk_events(1000).unwrap().iter().any(|e| e.gate == "venue_blocked")
    })
    .await;
    assert_eq!(sim.order_count(), orders_before, "no order reached the exchange");
    app.stop().await;
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_trades_only_while_an_approval_is_recorded() {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let mirai = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_mirai"))
            .args(args)
            .env("DATA_DIR", dir.path())
            .output()
            .expect("mirai runs");
        assert!(out.status.success(), "mirai {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };

    // Without an approval: up, serving the dashboard, refusing to trade, saying how to fix it.
    let app = spawn_on(dir.path(), &sim, "live").await;
    let status = app.get("/api/status").await;
    assert_eq!(status["mode"], "live");
    let reason = status["blocked_reason"].as_str().expect("blocked").to_owned();
    assert!(reason.contains("mirai live approve"), "{reason}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sim.order_count(), 0);
    assert!(app.trades().await.is_empty());
    app.stop().await;

    // Approved with the CLI: it connects, reconciles and trades.
    assert!(mirai(&["live", "status"]).contains("not approved"));
    // The pre-flight (tests/app/preflight.rs) is not what this test is about: overridden.
    let approve = ["live", "approve", "--by", "alice", "--override", "venue test on the simulator"];
    assert!(mirai(&approve).contains("approved by alice"));
    assert!(mirai(&["live", "status"]).contains("approved by alice"));
    let app = spawn_on(dir.path(), &sim, "live").await;
    assert_eq!(app.get("/api/status").await["blocked_reason"], Value::Null);
    app.wait_for_trades(1, 90).await;

    // Revoked while running: the next live order is refused before it is sent.
    assert!(mirai(&["live", "revoke", "--by", "bob"]).contains("revoked by bob"));
    // The status view is refreshed with every market event.
    wait_until(10, "the revoke in the status", async || {
        app.get("/api/status").await["blocked_reason"]
            .as_str()
            .is_some_and(|r| r.contains("mirai live approve"))
    })
    .await;
    let orders_at_revoke = sim.order_count();
    let store = app.running.store.clone();
    wait_until(90, "a live order refused after the revoke", async || {
        store.risk_events(1000).unwrap().iter().any(|e| e.gate == "venue_blocked")
    })
    .await;
    // One order may have been in flight when the revoke landed; none after the refusal.
    let after_refusal = sim.order_count();
    assert!(after_refusal <= orders_at_revoke + 1);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sim.order_count(), after_refusal);
    let audit = store.audit(10_000).unwrap();
    assert!(audit.iter().any(|e| e.kind == "live_approval" && e.actor == "alice"));
    assert!(audit.iter().any(|e| e.kind == "live_approval" && e.actor == "bob"));
    app.stop().await;
    sim.stop().await;
}
