//! A backtest trades as the worker does: the worker runs on the replay with a strategy file
//! (STRATEGY_FILE), the bars it traded on are taken from its ledger, and `mirai backtest --config`
//! with the same settings on those bars gives the same fills, fill by fill (time, side, quantity,
//! price, fee, even the order and trade ids), and the same refusals by gate.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use mirai_core::{Decimal, Fill, Symbol, Timestamp};
use mirai_store_local::LocalStore;
use serde_json::Value;

use crate::helpers::*;

/// Active enough to meet most gates within a few thousand one-minute bars: short averages, a
/// large position, a tight daily loss, few trades a day, a low confidence floor.
const STRATEGIES: &str = r#"
[symbols.BTCUSDT]
strategy = "sma-cross"
params = { fast = 2, slow = 5 }

[risk]
position_size_pct = 50
max_order_notional = 15000
max_position_pct = 60
max_exposure_pct = 60
max_daily_loss_pct = 1
max_trades_per_day = 12
max_consecutive_losses = 2
cooldown_minutes = 90
min_confidence = 0.6
"#;

/// Bars the worker trades before it is stopped.
const BARS: usize = 3_000;

fn all_candles(store: &LocalStore) -> Vec<mirai_core::CandleRecord> {
    store
        .candles(
            Some(Symbol::new("BTCUSDT")),
            Timestamp::from_millis(i64::MIN),
            Timestamp::from_millis(i64::MAX),
        )
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The bars as `mirai data download` writes them (times in epoch milliseconds).
fn write_bars(path: &Path, bars: &[mirai_core::CandleRecord]) {
    let mut csv = String::from("open_time,open,high,low,close,volume,close_time\n");
    for b in bars {
        csv.push_str(&format!(
            "{},{},{},{},{},{},{}\n",
            b.open_time.millis(),
            b.open,
            b.high,
            b.low,
            b.close,
            b.volume,
            b.close_time.millis()
        ));
    }
    std::fs::write(path, csv).unwrap_or_else(|e| panic!("{e}"));
}

/// One fill as compared: time, side, quantity, price, fee, client order id, trade id.
type Row = (i64, String, Decimal, Decimal, Decimal, String, String);

fn row(f: &Fill) -> Row {
    (
        f.ts.millis(),
        f.side.to_string(),
        f.qty.get(),
        f.price.get(),
        f.fee.get(),
        f.client_order_id.to_string(),
        f.trade_id.to_string(),
    )
}

/// The rows of `mirai backtest --fills`.
fn read_fills(path: &Path) -> Vec<Row> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{e}"));
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("time,time_ms,symbol,side,qty,price,fee,client_order_id,trade_id"));
    let dec = |s: &str| s.parse::<Decimal>().unwrap_or_else(|e| panic!("{s}: {e}"));
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            assert_eq!(f.len(), 9, "{l}");
            assert_eq!(f[2], "BTCUSDT", "{l}");
            let ms: i64 = f[1].parse().unwrap_or_else(|e| panic!("{l}: {e}"));
            assert_eq!(Timestamp::from_millis(ms).to_string(), f[0], "{l}");
            (ms, f[3].to_owned(), dec(f[4]), dec(f[5]), dec(f[6]), f[7].to_owned(), f[8].to_owned())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backtest_on_the_bars_the_worker_traded_gives_the_workers_fills() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let strategies = dir.path().join("strategies.toml");
    std::fs::write(&strategies, STRATEGIES).unwrap_or_else(|e| panic!("{e}"));
    let data = dir.path().join("data");
    let file = strategies.to_str().unwrap_or_else(|| panic!("a UTF-8 path"));
    let extra = [
        ("SYMBOLS", "BTCUSDT"),
        ("STRATEGY_FILE", file),
        ("REPLAY_SEED", "7"),
        ("REPLAY_BARS_PER_SECOND", "1000"),
        ("FEE_PCT", "0.075"),
        ("SLIPPAGE_BPS", "3"),
        ("STARTING_CASH", "25000"),
        // No news: a backtest has no news feed for the embargo gate.
        ("NEWS_SAMPLE", "false"),
    ];

    // The worker, on paper with the replay, until it has traded BARS bars.
    let app = spawn_with(&data, &extra).await;
    let store = app.running.store.clone();
    let deadline = Instant::now() + Duration::from_secs(120);
    while all_candles(&store).len() < BARS {
        assert!(Instant::now() < deadline, "only {} bars after 120 s", all_candles(&store).len());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.stop().await;
    let bars = all_candles(&store);
    let worker: Vec<Row> = store.all_fills().unwrap_or_else(|e| panic!("{e}")).iter().map(row).collect();
    let mut gates: BTreeMap<String, u64> = BTreeMap::new();
    for e in store.risk_events(1_000_000).unwrap_or_else(|e| panic!("{e}")) {
        *gates.entry(e.gate).or_default() += 1;
    }
    let bars_csv = dir.path().join("BTCUSDT-1m.csv");
    write_bars(&bars_csv, &bars);

    // The backtest on those bars, with the worker's settings (its environment, the same file).
    let fills_csv = dir.path().join("fills.csv");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mirai"))
        .args(["backtest", "--data"])
        .arg(&bars_csv)
        .args(["--config", file, "--fills"])
        .arg(&fills_csv)
        .arg("--json")
        .env_clear()
        .envs(env(&data, &extra))
        .current_dir(dir.path())
        .output()
        .unwrap_or_else(|e| panic!("mirai runs: {e}"));
    assert!(out.status.success(), "{:?}: {}", out.status, String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    let backtest = read_fills(&fills_csv);

    // Enough happened to mean something: round trips, and refusals by several gates.
    assert!(worker.len() >= 10, "the worker filled only {} orders in {} bars", worker.len(), bars.len());
    assert!(gates.len() >= 3, "gates met: {gates:?}");
    for (i, (w, b)) in worker.iter().zip(&backtest).enumerate() {
        assert_eq!(w, b, "fill {i} of {} (worker, backtest)", worker.len());
    }
    assert_eq!(worker.len(), backtest.len(), "as many fills");
    // The same refusals, gate by gate (exchange rejections are the worker's gate "exchange").
    let mut refused: BTreeMap<String, u64> =
        serde_json::from_value(report["counts"]["refused"].clone()).unwrap_or_else(|e| panic!("{e}"));
    let rejected: BTreeMap<String, u64> =
        serde_json::from_value(report["counts"]["rejected"].clone()).unwrap_or_else(|e| panic!("{e}"));
    if !rejected.is_empty() {
        refused.insert("exchange".into(), rejected.values().sum());
    }
    assert_eq!(refused, gates, "refusals by gate (backtest, worker)");
    // And the report says what it traded with.
    assert_eq!(report["config"]["strategy"], "sma-cross");
    assert_eq!(report["config"]["fill"], "close");
    let size = report["config"]["position_size"].as_str().map(str::parse::<Decimal>);
    assert_eq!(size.and_then(Result::ok), Some(Decimal::new(5, 1)), "{}", report["config"]);
}
