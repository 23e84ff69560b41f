//! Walk-forward analysis: optimise on a rolling in-sample window, then trade the chosen
//! parameters on the out-of-sample window that follows, and report the out-of-sample results
//! only — the overfitting guard: a grid's best in-sample line says little, its out-of-sample
//! record says what the method would have earned.
//!
//! Each out-of-sample window starts flat with the configured cash, its strategy warmed on the
//! bars just before it (without trading), and ends with any position still open valued at the
//! last close, as a single backtest does.
//!
//! A window's Sharpe is n/a when it is undefined (too few daily returns, no volatility: see
//! `metrics::MIN_PERIOD_RETURNS`); the mean Sharpe is over the windows that have one, and the
//! summary says how many windows had no trade at all.

use std::ops::Range;

use serde::Serialize;

use mirai_engine::Strategy as _;

use crate::data::Bars;
use crate::error::{BacktestError, Result};
use crate::metrics::{MIN_PERIOD_RETURNS, Stats};
use crate::report::{number, ratio};
use crate::sweep::{Grid, Metric, rank, sweep, with_params};
use crate::{Backtest, BacktestConfig};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WalkForward {
    /// Bars in each in-sample (optimisation) window.
    pub train: usize,
    /// Bars in each out-of-sample (evaluation) window.
    pub test: usize,
    /// Bars between window starts; the test length when zero (windows tile the data).
    pub step: usize,
    pub metric: Metric,
}

#[derive(Clone, Debug, Serialize)]
pub struct WindowResult {
    pub index: usize,
    pub train: (usize, usize),
    pub test: (usize, usize),
    pub params: Vec<(String, String)>,
    /// The winning combination's in-sample value of the ranking metric; `None` (n/a) when no
    /// combination had one, in which case the grid's first combination was traded.
    pub in_sample_score: Option<f64>,
    pub out_of_sample: Stats,
}

#[derive(Clone, Debug, Serialize)]
pub struct WalkForwardReport {
    pub metric: Metric,
    pub windows: Vec<WindowResult>,
    /// Out-of-sample returns chained window after window, in percent.
    pub compounded_return_pct: f64,
    pub mean_return_pct: f64,
    /// The mean out-of-sample Sharpe over the windows that have one; `None` when none does.
    pub mean_sharpe: Option<f64>,
    /// How many windows have an out-of-sample Sharpe (the mean's sample).
    pub sharpe_windows: usize,
    pub profitable_windows: usize,
    /// Out-of-sample windows in which nothing was traded: no closed trade and none left open.
    pub windows_without_trades: usize,
    /// Windows in which no combination had an in-sample score, so the grid's first was traded.
    pub windows_without_score: usize,
    pub trades: u64,
    pub worst_drawdown_pct: f64,
}

impl WalkForwardReport {
    /// The summary under the table: the out-of-sample totals, how many windows had no trade, and
    /// (when it happened) how many windows were chosen without an in-sample score.
    pub fn summary(&self) -> String {
        let n = self.windows.len();
        let sharpe = match self.mean_sharpe {
            Some(mean) if self.sharpe_windows < n => {
                format!("{} ({} of {n} windows have one)", ratio(Some(mean), 3), self.sharpe_windows)
            }
            mean => ratio(mean, 3),
        };
        let mut out = format!(
            "Out of sample: compounded return {} %, mean return per window {} %, mean Sharpe {sharpe}, \
             {} of {n} windows profitable, {} trades, worst drawdown {} %.\n\
             {} of {n} windows had no trade.",
            number(self.compounded_return_pct, 2),
            number(self.mean_return_pct, 2),
            self.profitable_windows,
            self.trades,
            number(self.worst_drawdown_pct, 2),
            self.windows_without_trades,
        );
        if self.windows_without_score > 0 {
            let why = match self.metric {
                Metric::Sharpe | Metric::Sortino | Metric::Calmar => format!(
                    ": it needs {MIN_PERIOD_RETURNS} period returns (over {MIN_PERIOD_RETURNS} days of \
                     intraday bars), and volatility, a losing day or a drawdown"
                ),
                _ => String::new(),
            };
            out.push_str(&format!(
                "\nIn {} of {n} windows no combination had an in-sample {} (n/a{why}), so the grid's \
                 first combination was traded.",
                self.windows_without_score, self.metric
            ));
        }
        out
    }
}

impl WalkForward {
    /// The (train, test) ranges over `n` bars.
    pub fn windows(&self, n: usize) -> Vec<(Range<usize>, Range<usize>)> {
        let step = if self.step == 0 { self.test } else { self.step };
        let mut out = Vec::new();
        let mut start = 0;
        while start + self.train + self.test <= n {
            let split = start + self.train;
            out.push((start..split, split..split + self.test));
            start += step;
        }
        out
    }
}

/// Runs the analysis; `progress` gets (window done, windows).
pub fn walk_forward(
    config: &BacktestConfig,
    grid: &Grid,
    bars: &Bars,
    wf: &WalkForward,
    progress: impl Fn(usize, usize) + Sync,
) -> Result<WalkForwardReport> {
    if wf.train == 0 || wf.test == 0 {
        return Err(BacktestError::Config(vec!["--train and --test must be at least 1 bar".into()]));
    }
    let windows = wf.windows(bars.len());
    if windows.is_empty() {
        return Err(BacktestError::Config(vec![format!(
            "{} bars are fewer than one in-sample window ({}) plus one out-of-sample window ({})",
            bars.len(),
            wf.train,
            wf.test
        )]));
    }
    let mut results = Vec::with_capacity(windows.len());
    for (index, (train, test)) in windows.iter().cloned().enumerate() {
        let mut rows = sweep(config, grid, bars, train.clone(), |_| {})?;
        rank(&mut rows, wf.metric);
        let Some(best) = rows.into_iter().next() else { continue };
        let chosen = with_params(config, &best.params);
        let strategy = chosen.validate()?;
        // The strategy must have seen enough bars to signal on the window's first one.
        let warm = strategy.warm_up_bars() + 1;
        let mut bt = Backtest::with_strategy(&chosen, strategy)?;
        for c in bars.candles(config.symbol, test.start.saturating_sub(warm)..test.start) {
            bt.warm_up(&c);
        }
        for c in bars.candles(config.symbol, test.clone()) {
            bt.step(&c);
        }
        let report = bt.finish()?;
        results.push(WindowResult {
            index,
            train: (train.start, train.end),
            test: (test.start, test.end),
            params: best.params,
            in_sample_score: wf.metric.of(&best.stats),
            out_of_sample: report.stats,
        });
        progress(index + 1, windows.len());
    }
    Ok(summarise(wf.metric, results))
}

fn summarise(metric: Metric, windows: Vec<WindowResult>) -> WalkForwardReport {
    let n = windows.len().max(1) as f64;
    let returns: Vec<f64> = windows.iter().map(|w| w.out_of_sample.return_pct).collect();
    let compounded = returns.iter().fold(1.0, |acc, r| acc * (1.0 + r / 100.0)) - 1.0;
    let sharpes: Vec<f64> = windows.iter().filter_map(|w| w.out_of_sample.sharpe).collect();
    WalkForwardReport {
        metric,
        compounded_return_pct: compounded * 100.0,
        mean_return_pct: returns.iter().sum::<f64>() / n,
        mean_sharpe: (!sharpes.is_empty()).then(|| sharpes.iter().sum::<f64>() / sharpes.len() as f64),
        sharpe_windows: sharpes.len(),
        profitable_windows: returns.iter().filter(|r| **r > 0.0).count(),
        windows_without_trades: windows
            .iter()
            .filter(|w| w.out_of_sample.trades == 0 && w.out_of_sample.open_trades == 0)
            .count(),
        windows_without_score: windows.iter().filter(|w| w.in_sample_score.is_none()).count(),
        trades: windows.iter().map(|w| w.out_of_sample.trades).sum(),
        worst_drawdown_pct: windows.iter().map(|w| w.out_of_sample.max_drawdown_pct).fold(0.0, f64::min),
        windows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_roll_by_the_test_length_and_never_overlap_their_test() {
        let wf = WalkForward { train: 100, test: 20, step: 0, metric: Metric::Sharpe };
        let w = wf.windows(185);
        assert_eq!(w.len(), 4);
        assert_eq!(w[0], (0..100, 100..120));
        assert_eq!(w[3], (60..160, 160..180));
        for pair in w.windows(2) {
            assert_eq!(pair[0].1.end, pair[1].1.start, "out-of-sample windows tile the data");
        }
        assert!(WalkForward { step: 50, ..wf }.windows(185).iter().all(|(tr, te)| tr.end == te.start));
        assert!(wf.windows(119).is_empty());
    }
}
