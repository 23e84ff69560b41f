//! Sweeps and walk-forward on GOOG: every valid combination runs once and agrees with a single
//! backtest of it; walk-forward reports only out-of-sample windows that tile the data after the
//! first in-sample window.

use mirai_backtest::sweep::{Grid, Metric, rank, sweep};
use mirai_backtest::walk_forward::{WalkForward, walk_forward};
use mirai_backtest::{FillAt, run_bars};

use crate::support::{goog, reference};

fn grid(specs: &[&str]) -> Grid {
    Grid::parse(&specs.iter().map(|s| s.to_string()).collect::<Vec<_>>()).expect("valid grid")
}

#[test]
fn a_sweep_runs_every_valid_combination_and_agrees_with_single_runs() {
    let bars = goog();
    let config = reference(FillAt::NextOpen);
    // fast=20 with slow=20 is invalid for the strategy and is skipped.
    let g = grid(&["fast=5,10,20", "slow=20,30"]);
    let mut rows = sweep(&config, &g, &bars, 0..bars.len(), |_| {}).unwrap();
    assert_eq!(rows.len(), 5);
    rank(&mut rows, Metric::Return);
    assert!(rows.windows(2).all(|w| w[0].stats.return_pct >= w[1].stats.return_pct));
    let row = rows
        .iter()
        .find(|r| r.params == vec![("fast".into(), "10".into()), ("slow".into(), "20".into())])
        .unwrap();
    let single = run_bars(&config, &bars, 0..bars.len()).unwrap();
    assert_eq!(serde_json::to_value(&row.stats).unwrap(), serde_json::to_value(&single.stats).unwrap());
}

#[test]
fn walk_forward_reports_out_of_sample_windows_only() {
    let bars = goog();
    let wf = WalkForward { train: 750, test: 250, step: 0, metric: Metric::Sharpe };
    let report = walk_forward(
        &reference(FillAt::NextOpen),
        &grid(&["fast=5,10", "slow=20,40"]),
        &bars,
        &wf,
        |_, _| {},
    )
    .unwrap();
    // (2148 - 750) / 250 = 5 whole out-of-sample windows.
    assert_eq!(report.windows.len(), 5);
    for (i, w) in report.windows.iter().enumerate() {
        assert_eq!(w.test, (750 + 250 * i, 1000 + 250 * i));
        assert_eq!(w.train, (250 * i, 750 + 250 * i));
        assert_eq!(w.out_of_sample.bars, 250, "only the out-of-sample bars are traded");
        assert!(["5", "10"].contains(&w.params[0].1.as_str()));
    }
    let chained = report.windows.iter().fold(1.0, |acc, w| acc * (1.0 + w.out_of_sample.return_pct / 100.0));
    assert!(((chained - 1.0) * 100.0 - report.compounded_return_pct).abs() < 1e-9);
    let e = walk_forward(
        &reference(FillAt::NextOpen),
        &grid(&["fast=5"]),
        &bars,
        &WalkForward { train: 3000, ..wf },
        |_, _| {},
    );
    assert!(e.unwrap_err().to_string().contains("fewer than one in-sample window"));
}

#[test]
fn a_loaded_series_and_candles_stepped_one_by_one_give_the_same_report() {
    // `run_bars` (the bench, the sweep) reuses one event and skips the symbol checks; `run` steps
    // candles through the public, checking path. Both must give the same report to the byte.
    let bars = goog();
    for fill in [FillAt::NextOpen, FillAt::Close] {
        let config = reference(fill);
        let loaded = run_bars(&config, &bars, 0..bars.len()).unwrap();
        let stepped = mirai_backtest::run(&config, bars.candles(config.symbol, 0..bars.len())).unwrap();
        assert!(loaded.stats.trades > 40);
        assert_eq!(serde_json::to_string(&stepped).unwrap(), serde_json::to_string(&loaded).unwrap());
    }
}

#[test]
fn a_sweep_ranks_combinations_without_the_statistic_last() {
    let bars = goog();
    // SMA(10/2147) is ready on the last bar only: it never trades, its equity is flat, and its
    // Sharpe, Sortino and Calmar are n/a.
    let g = grid(&["fast=5,10,15", "slow=20,2147"]);
    let mut rows = sweep(&reference(FillAt::NextOpen), &g, &bars, 0..bars.len(), |_| {}).unwrap();
    assert_eq!(rows.len(), 6);
    let flat = |r: &mirai_backtest::sweep::SweepRow| r.params[1].1 == "2147";
    for r in rows.iter().filter(|r| flat(r)) {
        assert_eq!((r.stats.trades, r.stats.open_trades), (0, 0));
        assert_eq!((r.stats.sharpe, r.stats.sortino, r.stats.calmar), (None, None, None));
    }
    // One more without a Sharpe, in the middle of the grid.
    rows[1].stats.sharpe = None;
    for metric in [Metric::Sharpe, Metric::Sortino, Metric::Calmar] {
        let mut ranked = rows.clone();
        rank(&mut ranked, metric);
        let defined = ranked.iter().take_while(|r| metric.of(&r.stats).is_some()).count();
        assert!(defined >= 2, "{metric}");
        assert!(ranked[defined..].iter().all(|r| metric.of(&r.stats).is_none()), "{metric}: n/a last");
        let values: Vec<f64> = ranked[..defined].iter().filter_map(|r| metric.of(&r.stats)).collect();
        assert!(values.windows(2).all(|w| w[0] >= w[1]), "{metric}: best first {values:?}");
        assert!(ranked[defined..].iter().any(flat), "{metric}");
    }
    let mut ranked = rows.clone();
    rank(&mut ranked, Metric::Sharpe);
    assert_eq!(ranked.len() - 3, ranked.iter().take_while(|r| r.stats.sharpe.is_some()).count());
    // Among the n/a rows the grid order is kept.
    let last: Vec<_> = ranked[3..].iter().map(|r| r.params.clone()).collect();
    let in_grid: Vec<_> =
        rows.iter().filter(|r| r.stats.sharpe.is_none()).map(|r| r.params.clone()).collect();
    assert_eq!(last, in_grid);
}

#[test]
fn walk_forward_says_how_many_windows_had_no_trade() {
    // GOOG until bar 1400, then the price stands still: the out-of-sample windows from bar 1500
    // on see no cross, so no trade, and their Sharpe is n/a.
    let goog = goog();
    let symbol = reference(FillAt::NextOpen).symbol;
    let mut candles: Vec<mirai_core::Candle> = goog.candles(symbol, 0..goog.len()).collect();
    let still = candles[1399].close;
    for c in &mut candles[1400..] {
        (c.open, c.high, c.low, c.close) = (still, still, still, still);
    }
    let bars = mirai_backtest::data::Bars::from_candles(candles).unwrap();
    let wf = WalkForward { train: 750, test: 250, step: 0, metric: Metric::Sharpe };
    let report = walk_forward(
        &reference(FillAt::NextOpen),
        &grid(&["fast=5,10", "slow=20,40"]),
        &bars,
        &wf,
        |_, _| {},
    )
    .unwrap();
    assert_eq!(report.windows.len(), 5);
    for w in &report.windows[3..] {
        assert_eq!((w.out_of_sample.trades, w.out_of_sample.open_trades), (0, 0), "window {}", w.index);
        assert_eq!(w.out_of_sample.sharpe, None);
    }
    assert!(report.windows[..3].iter().all(|w| w.out_of_sample.trades > 0));
    assert_eq!(report.windows_without_trades, 2);
    assert_eq!(
        report.sharpe_windows,
        report.windows.iter().filter(|w| w.out_of_sample.sharpe.is_some()).count()
    );
    assert!(report.sharpe_windows <= 3);
    let summary = report.summary();
    assert!(summary.contains("\n2 of 5 windows had no trade."), "{summary}");
    assert!(summary.contains(&format!("({} of 5 windows have one)", report.sharpe_windows)), "{summary}");
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["windows_without_trades"], 2);
    assert!(json["windows"][4]["out_of_sample"]["sharpe"].is_null());
}

#[test]
fn walk_forward_says_when_no_combination_had_an_in_sample_score() {
    // Fifteen daily bars in sample: 14 returns, too few for a Sharpe ratio.
    let bars = goog();
    let wf = WalkForward { train: 15, test: 500, step: 0, metric: Metric::Sharpe };
    let report = walk_forward(
        &reference(FillAt::NextOpen),
        &grid(&["fast=5,10", "slow=12,14"]),
        &bars,
        &wf,
        |_, _| {},
    )
    .unwrap();
    assert_eq!(report.windows.len(), 4);
    assert_eq!(report.windows_without_score, 4);
    for w in &report.windows {
        assert_eq!(w.in_sample_score, None);
        assert_eq!(
            w.params,
            vec![("fast".into(), "5".into()), ("slow".into(), "12".into())],
            "the grid's first"
        );
    }
    let summary = report.summary();
    assert!(
        summary.contains(
            "\nIn 4 of 4 windows no combination had an in-sample sharpe (n/a: it needs 20 period returns"
        ),
        "{summary}"
    );
}
