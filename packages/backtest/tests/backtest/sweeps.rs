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
