//! The shared sweep's tests: every combination's report against its own backtest (`run_bars`)
//! under both fills, both sizings, inner ranges, block edges and ties.

use mirai_core::synthetic::RandomWalk;
use mirai_core::{Candle, Decimal, Price, RiskLimits, Symbol, Timestamp};

use super::*;
use crate::config::UnitSizing;
use crate::run_bars;

fn walk(seed: u64, bars: usize) -> Bars {
    let symbol = Symbol::new("BTCUSDT");
    let w = RandomWalk::new(symbol, Price::new(Decimal::from(100)), Timestamp::from_millis(0), 60_000, seed);
    Bars::from_candles(w.take(bars)).unwrap_or_else(|e| panic!("{e}"))
}

/// Whole-number closes wandering over a few values: equal averages (ties) are common.
fn ties(bars: usize) -> Bars {
    let symbol = Symbol::new("BTCUSDT");
    let mut x: u64 = 7;
    let mut price = 20i64;
    let candles = (0..bars as i64).map(|i| {
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        price = (price + [-1, 0, 0, 1][(x >> 62) as usize]).clamp(15, 25);
        let p = Price::new(Decimal::from(price));
        let t = Timestamp::from_millis(1_704_067_200_000 + i * 3_600_000);
        Candle {
            symbol,
            open_time: t,
            close_time: t.plus_millis(3_599_999),
            open: p,
            high: p,
            low: p,
            close: p,
            volume: mirai_core::Qty::ZERO,
            closed: true,
        }
    });
    Bars::from_candles(candles).unwrap_or_else(|e| panic!("{e}"))
}

fn config(fast: usize, slow: usize, base: &BacktestConfig) -> BacktestConfig {
    crate::sweep::with_params(base, &[("fast".into(), fast.to_string()), ("slow".into(), slow.to_string())])
}

/// Every combination's whole report from the shared path equals `run_bars`' (stats, trades,
/// counts, curve), to the bit; and so do the statistics alone, as a sweep takes them (without
/// keeping the trades).
fn same_reports(bars: &Bars, range: Range<usize>, base: &BacktestConfig, slows: Range<usize>) -> usize {
    let configs: Vec<BacktestConfig> =
        slows.clone().flat_map(|s| (1..s).map(move |f| (f, s))).map(|(f, s)| config(f, s, base)).collect();
    let jobs: Vec<(&BacktestConfig, Windows)> = configs
        .iter()
        .map(|c| (c, Windows::of(c).unwrap_or_else(|| panic!("{c:?} is sma-cross without stops"))))
        .collect();
    let plan = Plan::new(bars, range.clone(), slows.end, base.fill).unwrap_or_else(|| panic!("plan"));
    let shared = plan.run_group(bars, &jobs);
    let stats = plan.run_group_stats(bars, &jobs);
    let mut trades = 0;
    for (((c, _), got), got_stats) in jobs.iter().zip(shared).zip(stats) {
        let got = got.unwrap_or_else(|| panic!("{} fell back", c.describe()));
        let got_stats = got_stats.unwrap_or_else(|| panic!("{} fell back", c.describe()));
        let want = run_bars(c, bars, range.clone());
        let want_stats = want.as_ref().map(|r| &r.stats);
        assert_eq!(format!("{got_stats:?}"), format!("{want_stats:?}"), "{}", c.describe());
        match (got, want) {
            (Ok(got), Ok(want)) => {
                assert_eq!(format!("{got:?}"), format!("{want:?}"), "{}", c.describe());
                trades += want.stats.trades as usize;
            }
            (got, want) => assert_eq!(format!("{got:?}"), format!("{want:?}"), "{}", c.describe()),
        }
    }
    trades
}

#[test]
fn shared_sweeps_give_every_combination_the_report_of_its_own_backtest() {
    let bars = walk(42, 4_000);
    let base = BacktestConfig::default();
    // Next-open (the default) with all the cash; a small account drains and is refused.
    assert!(same_reports(&bars, 0..bars.len(), &base, 2..12) > 1_000);
    let small = BacktestConfig { cash: Decimal::from(350), ..base.clone() };
    same_reports(&bars, 0..bars.len(), &small, 2..9);
    // On-close fills, a range that starts later.
    let close = BacktestConfig { fill: FillAt::Close, cash: Decimal::from(500), ..base.clone() };
    same_reports(&bars, 700..3_300, &close, 2..10);
    // Fractional sizing with slippage; a fraction of equity under the live limits.
    let fractional =
        BacktestConfig { sizing: UnitSizing::Fractional, slippage_bps: Decimal::from(5), ..base.clone() };
    same_reports(&bars, 0..bars.len(), &fractional, 3..8);
    let live = BacktestConfig {
        position_size: Some(Decimal::new(5, 1)),
        limits: RiskLimits::default(),
        ..base.clone()
    };
    same_reports(&bars, 0..bars.len(), &live, 3..8);
}

#[test]
fn ties_and_short_ranges_stay_exact() {
    let bars = ties(3_000);
    let base = BacktestConfig { cash: Decimal::from(100), ..BacktestConfig::default() };
    assert!(same_reports(&bars, 0..bars.len(), &base, 2..14) > 100);
    let close = BacktestConfig { fill: FillAt::Close, ..base.clone() };
    same_reports(&bars, 0..bars.len(), &close, 2..14);
    // Ranges shorter than the windows, of one bar, and ending where a signal waits.
    for range in [0..1, 5..9, 10..30, 2_990..3_000] {
        same_reports(&bars, range, &base, 2..12);
    }
}

#[test]
fn blocks_cut_anywhere() {
    // More bars than a block: the runs stop and resume at each block's end.
    let bars = walk(7, BLOCK * 2 + 321);
    let base = BacktestConfig { cash: Decimal::from(2_000), ..BacktestConfig::default() };
    same_reports(&bars, 0..bars.len(), &base, 2..6);
    same_reports(&bars, 17..bars.len() - 5, &BacktestConfig { fill: FillAt::Close, ..base }, 2..6);
}

#[test]
fn the_shared_path_is_taken_only_where_it_is_exact() {
    let base = BacktestConfig::default();
    assert_eq!(Windows::of(&config(5, 20, &base)), Some(Windows { fast: 5, slow: 20 }));
    let stops = BacktestConfig { stop_loss_pct: Some(Decimal::new(2, 2)), ..config(5, 20, &base) };
    assert_eq!(Windows::of(&stops), None, "stops watch every close");
    let rsi = BacktestConfig { strategy: "rsi-reversion".into(), ..base.clone() };
    assert_eq!(Windows::of(&rsi), None);
    let bars = walk(1, 100);
    assert!(Plan::new(&bars, 0..100, 20, FillAt::NextOpen).is_some());
    // Closes whose mantissas pass the bound for the longest window: not shared.
    assert!(Plan::new(&bars, 0..100, 1_000_000_000, FillAt::NextOpen).is_none());
    let mut zero = Bars::default();
    let c = bars.candle(0, Symbol::new("BTCUSDT"));
    zero.push(&Candle { close: Price::ZERO, ..c });
    assert!(Plan::new(&zero, 0..1, 2, FillAt::Close).is_none(), "a close of zero");
}
