//! Paper trading on Binance's market data (`DRY_RUN=true MARKET_DATA=binance`), end to end: the
//! real `mirai` binary reads the exchange simulator's public market data with no API key — the
//! symbols' filters from exchangeInfo, REST klines to warm up, the kline stream — and trades on
//! the paper exchange: fills at the simulator's prices and within its filters, while the
//! simulator's account never receives an order. A cut stream is caught up from REST, no bar
//! missed or seen twice. Also measures this path's bar-to-decision latency (docs/benchmarks.md:
//! run with `--nocapture` to see the `PAPER-BINANCE` line; `MIRAI_TEST_BIN=target/release/mirai`
//! times a release build).

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mirai_core::{CandleRecord, CandleSource, Decimal, Price, Qty, Symbol, Timestamp};
use mirai_exchange_sim::{SimConfig, SimHandle, default_symbols};
use mirai_store_local::LocalStore;
use rust_decimal_macros::dec;
use serde_json::Value;

use crate::binance::{BTC, sim_with};
use crate::faults::{Worker, eventually, last_bar};
use crate::helpers::*;

const ETH: &str = "ETHUSDT";
/// Bars made while the stream is cut.
const MISSED: usize = 7;
/// Bars timed one at a time (at least; more if the strategy needs them to trade).
const TIMED_BARS: usize = 60;

/// Each symbol's lot step on the simulator: not the replay's (0.00001 BTC, 0.0001 ETH), so a fill
/// that keeps it was sized by exchangeInfo's rules.
fn step_of(symbol: Symbol) -> Decimal {
    if symbol.as_str() == BTC { dec!(0.001) } else { dec!(0.01) }
}

/// Bars only when the test makes them; the filters of [`step_of`] and a 10 USDT minimum (the
/// replay's is 5); prices the replay never shows (it starts BTC at 60,000 and ETH at 3,000).
fn market(c: &mut SimConfig) {
    c.bar_every = None;
    c.symbols = default_symbols()
        .into_iter()
        .map(|mut s| {
            let step = step_of(s.rules.symbol);
            for lot in [&mut s.rules.lot_size, &mut s.rules.market_lot_size].into_iter().flatten() {
                lot.min_qty = Qty::new(step);
                lot.step_size = Qty::new(step);
            }
            if let Some(n) = s.rules.notional.as_mut() {
                n.min_notional = Price::new(dec!(10));
            }
            let start = if s.rules.symbol.as_str() == BTC { 30_000 } else { 2_000 };
            s.start_price = Price::new(Decimal::from(start));
            s
        })
        .collect();
}

fn vars(data: &Path, sim: &SimHandle) -> Vec<(String, String)> {
    [
        ("PORT", "0".to_owned()),
        ("DATA_DIR", data.to_str().expect("utf-8 temp path").to_owned()),
        ("WEB_PASS", PASSWORD.to_owned()),
        ("JWT_SECRET", JWT_SECRET.to_owned()),
        ("DRY_RUN", "true".to_owned()),
        ("MARKET_DATA", "binance".to_owned()),
        // The simulator, and no key at all.
        ("BINANCE_LOCAL_URL", sim.base_url()),
        ("BINANCE_TIMEOUT_MS", "3000".to_owned()),
        // Market orders fill at the bar's close exactly: comparable with the simulator's bars.
        ("SLIPPAGE_BPS", "0".to_owned()),
        // Many orders quickly (as the fault suite's settings).
        ("STRATEGY_PARAMS", "fast=2,slow=5".to_owned()),
        ("MAX_TRADES_PER_DAY", "100000".to_owned()),
        ("MAX_CONSECUTIVE_LOSSES", "1000".to_owned()),
        ("COOLDOWN_MINUTES", "0".to_owned()),
        ("EMBARGO_MINUTES_AFTER_NEWS", "0".to_owned()),
        ("MAX_DAILY_LOSS_PCT", "100".to_owned()),
        ("MAX_ORDER_NOTIONAL", "100000".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

fn last_bar_key(symbol: Symbol) -> String {
    format!("{}.{symbol}", mirai_worker::trader::KV_FEED_LAST)
}

/// Closes one bar on every symbol and waits until the worker has decided on each (its ledger's
/// last bar is the new one: the candle recorded, the strategy and the risk gates run, any order
/// filled and booked). Returns the time from the close to each decision, polled every 0.2 ms.
async fn step(sim: &SimHandle, store: &Arc<LocalStore>) -> Vec<Duration> {
    let closed = Instant::now();
    let bars = sim.advance(1);
    assert_eq!(bars.len(), 2, "a bar on each symbol");
    let store = store.clone();
    tokio::task::spawn_blocking(move || {
        let mut waiting: Vec<(Symbol, i64)> = bars.iter().map(|c| (c.symbol, c.open_time.millis())).collect();
        let mut took = Vec::new();
        while !waiting.is_empty() {
            waiting.retain(|(symbol, open)| {
                let last = store.get_kv(&last_bar_key(*symbol)).ok().flatten().and_then(|v| v.parse().ok());
                if last == Some(*open) {
                    took.push(closed.elapsed());
                }
                last != Some(*open)
            });
            assert!(closed.elapsed() < Duration::from_secs(30), "no decision on {waiting:?} within 30 s");
            std::thread::sleep(Duration::from_micros(200));
        }
        took
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// `n p50 … p90 … p99 … max …` of `samples`, in milliseconds.
fn summary(samples: &mut [Duration]) -> String {
    if samples.is_empty() {
        return "none".to_owned();
    }
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    format!(
        "n {}, p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        samples.len(),
        ms(percentile(samples, 0.5)),
        ms(percentile(samples, 0.9)),
        ms(percentile(samples, 0.99)),
        ms(samples[samples.len() - 1]),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paper_trades_on_binance_market_data_and_never_touches_the_account() {
    let sim = sim_with(market).await;
    let symbols = [Symbol::new(BTC), Symbol::new(ETH)];
    // The last closed bar of each symbol before the start: the warm-up's, never traded.
    let warmed: HashMap<Symbol, i64> = symbols
        .iter()
        .map(|s| (*s, sim.candles(*s).last().map(|c| c.open_time.millis()).unwrap_or_default()))
        .collect();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let data = dir.path().join("data");
    let w = Worker::start(dir.path(), &vars(&data, &sim)).await;

    // 1. Paper, on Binance's market data, cleared to trade; the warm-up traded nothing.
    let status = w.get("/api/status").await;
    assert_eq!(status["mode"], "paper", "{status}");
    assert_eq!(status["dry_run"], true);
    assert_eq!(status["market_data"], "binance");
    assert_eq!(status["blocked_reason"], Value::Null, "{status}");
    assert_eq!(last_bar(&data, BTC), None, "bars before the start only warm the strategies");
    eventually(30, async || {
        if sim.stream_connections() >= 1 { Ok(()) } else { Err("the kline stream connects".to_owned()) }
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    // 2. Bars one at a time with the worker idle when each closes, as on the real market (one
    //    bar a minute): the bar-to-decision latency. On until it has traded both ways.
    let store = Arc::new(LocalStore::open(&data).unwrap_or_else(|e| panic!("{e}")));
    // Every decision; the first of each bar's two (the second waits for it: one trading task);
    // decisions on bars that filled an order, and on bars that did not.
    let (mut took, mut firsts, mut with_order, mut without) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut bars = 0;
    loop {
        let fills = store.all_fills().unwrap_or_else(|e| panic!("{e}"));
        let both_ways = fills.iter().any(|f| f.side == mirai_core::Side::Buy)
            && fills.iter().any(|f| f.side == mirai_core::Side::Sell);
        if bars >= TIMED_BARS && both_ways {
            break;
        }
        assert!(bars < 1_000, "{} fills after {bars} bars", fills.len());
        let t = step(&sim, &store).await;
        let filled = store.all_fills().unwrap_or_else(|e| panic!("{e}")).len() > fills.len();
        firsts.push(t[0]);
        if filled {
            with_order.extend(&t)
        } else {
            without.extend(&t)
        }
        took.extend(t);
        bars += 1;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // 3. The stream cut while bars close: the missed bars come from REST on reconnect, then the
    //    stream goes on.
    let connections = sim.stream_connections();
    sim.set_streams_up(false);
    sim.advance(MISSED);
    tokio::time::sleep(Duration::from_millis(300)).await;
    sim.set_streams_up(true);
    eventually(60, async || {
        if sim.stream_connections() > connections { Ok(()) } else { Err("the stream reconnects".to_owned()) }
    })
    .await;
    eventually(60, async || {
        for s in symbols {
            let (worker, venue) =
                (last_bar(&data, s.as_str()), sim.candles(s).last().map(|c| c.open_time.millis()));
            if worker != venue {
                return Err(format!("{s}: the worker's last bar {worker:?}, the simulator's {venue:?}"));
            }
        }
        Ok(())
    })
    .await;
    for _ in 0..3 {
        step(&sim, &store).await;
    }
    w.control("pause").await;

    // 4. Every fill on paper at the simulator's close of the bar it was decided on (no slippage
    //    set), sized by the simulator's filters; the simulator's account saw nothing.
    let fills = store.all_fills().unwrap_or_else(|e| panic!("{e}"));
    assert!(fills.len() >= 2, "{fills:?}");
    for f in &fills {
        let bar = sim.candles(f.symbol).into_iter().find(|c| c.close_time == f.ts);
        let bar = bar.unwrap_or_else(|| panic!("{f:?}: no simulator bar closed at the fill's time"));
        assert_eq!(f.price, bar.close, "{f:?}: filled at the bar's close");
        let step = step_of(f.symbol);
        assert!(
            f.qty.get() >= step && (f.qty.get() % step).is_zero(),
            "{f:?}: a whole number of {step} lots"
        );
        assert!(f.notional().get() >= dec!(10), "{f:?}: at least the 10 USDT minimum");
        assert!(f.trade_id.as_str().starts_with("paper-"), "{f:?}: a paper trade");
    }
    assert_eq!(sim.order_count(), 0, "no order reached the simulator");
    assert!(sim.client_order_ids().is_empty() && sim.trade_ids().is_empty());
    assert_eq!(sim.balance("USDT"), Some((dec!(10000), Decimal::ZERO)), "the account untouched");

    // 5. Every bar since the warm-up recorded once, in order, as the simulator made it, with its
    //    source: the bars missed during the cut included, none twice.
    let recorded = store
        .candles(None, Timestamp::from_millis(i64::MIN), Timestamp::from_millis(i64::MAX))
        .unwrap_or_else(|e| panic!("{e}"));
    for s in symbols {
        let got: Vec<&CandleRecord> = recorded.iter().filter(|c| c.symbol == s).collect();
        let want: Vec<CandleRecord> = sim
            .candles(s)
            .iter()
            .filter(|c| c.open_time.millis() > warmed[&s])
            .map(|c| CandleRecord::new(c, "1m", CandleSource::Binance))
            .collect();
        assert_eq!(got.len(), bars + MISSED + 3, "{s}: every bar traded on, once");
        assert!(got.iter().zip(&want).all(|(g, w)| *g == w) && got.len() == want.len(), "{s}: as made");
    }

    // 6. What it said: warmed up from REST klines, the gap filled from REST, once per symbol.
    let logs = w.kill();
    assert!(logs.contains("paper trading on Binance market data"), "{logs}");
    for s in symbols {
        let with = |what: &str, bars: &str| {
            logs.lines()
                .filter(|l| l.contains(what) && l.contains(&format!("symbol={s}")) && l.contains(bars))
                .count()
        };
        // 200 bars and the one Binance may still be forming; all 201 closed on the simulator.
        assert_eq!(
            with("strategy warmed up on the last closed bars from REST", "bars=201"),
            1,
            "{s}:\n{logs}"
        );
        assert_eq!(with("missing bars filled from REST", &format!("bars={MISSED}")), 1, "{s}:\n{logs}");
    }

    println!(
        "PAPER-BINANCE bar-to-decision latency, {bars} bars x 2 symbols, {} fills: all {}; first of the \
         bar {}; bars with an order {}; bars without {}",
        fills.len(),
        summary(&mut took),
        summary(&mut firsts),
        summary(&mut with_order),
        summary(&mut without),
    );
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn market_data_out_of_reach_blocks_trading_and_says_why() {
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap_or_else(|e| panic!("{e}"))
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let extra =
        [("MARKET_DATA", "binance"), ("BINANCE_LOCAL_URL", url.as_str()), ("BINANCE_TIMEOUT_MS", "1000")];
    let app = spawn_with(dir.path(), &extra).await;
    let status = app.get("/api/status").await;
    assert_eq!((status["mode"].as_str(), status["market_data"].as_str()), (Some("paper"), Some("binance")));
    let reason = status["blocked_reason"].as_str().unwrap_or_else(|| panic!("blocked: {status}"));
    assert!(reason.contains("no Binance market data") && reason.contains(&url), "{reason}");
    // Up, serving, and trading nothing (not the replay either).
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(app.running.store.all_fills().unwrap_or_else(|e| panic!("{e}")).is_empty());
    assert_eq!(last_bar(dir.path(), BTC), None);
    app.stop().await;
}
