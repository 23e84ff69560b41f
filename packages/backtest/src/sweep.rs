//! Parameter sweeps: every combination of a grid (`fast=5..50:5`, `slow=10,20,50`) backtested in
//! parallel with rayon over one in-memory series, then ranked by a chosen statistic. Where the
//! strategy's indicators can be shared across the combinations (`sma-cross`), they are, and each
//! engine is shown only the bars where something can happen (`shared`).

use std::fmt;
use std::ops::Range;
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};

use mirai_core::Decimal;
use rayon::prelude::*;
use serde::Serialize;

mod columns;
mod cross;
mod shared;

use shared::{Plan, Windows};

use crate::data::Bars;
use crate::error::{BacktestError, Result};
use crate::metrics::Stats;
use crate::{BacktestConfig, run_bars};

/// The most combinations one sweep may ask for.
pub const MAX_COMBINATIONS: usize = 100_000;

/// Values for each parameter; the sweep tries their cartesian product.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grid {
    axes: Vec<(String, Vec<String>)>,
}

impl Grid {
    /// Parses `name=start..end:step` (end included, step 1 when omitted) or `name=a,b,c`.
    pub fn parse(specs: &[String]) -> Result<Self, String> {
        let mut axes: Vec<(String, Vec<String>)> = Vec::new();
        for spec in specs {
            let (name, values) =
                spec.split_once('=').ok_or_else(|| format!("grid {spec:?} is not name=values"))?;
            let name = name.trim();
            if name.is_empty() {
                return Err(format!("grid {spec:?} has no parameter name"));
            }
            if axes.iter().any(|(n, _)| n == name) {
                return Err(format!("grid names {name} twice"));
            }
            axes.push((
                name.to_owned(),
                values_of(values.trim()).map_err(|e| format!("grid {spec:?}: {e}"))?,
            ));
        }
        if axes.is_empty() {
            return Err("a sweep needs at least one --grid".into());
        }
        let grid = Self { axes };
        if grid.len() > MAX_COMBINATIONS {
            return Err(format!("the grid has {} combinations; at most {MAX_COMBINATIONS}", grid.len()));
        }
        Ok(grid)
    }

    pub fn len(&self) -> usize {
        self.axes.iter().map(|(_, v)| v.len()).fold(1usize, usize::saturating_mul)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every combination, the first axis varying slowest.
    pub fn combinations(&self) -> Vec<Vec<(String, String)>> {
        let mut out: Vec<Vec<(String, String)>> = vec![Vec::new()];
        for (name, values) in &self.axes {
            out = out
                .into_iter()
                .flat_map(|prefix| {
                    values.iter().map(move |v| {
                        let mut p = prefix.clone();
                        p.push((name.clone(), v.clone()));
                        p
                    })
                })
                .collect();
        }
        out
    }
}

fn values_of(text: &str) -> Result<Vec<String>, String> {
    let Some((from, rest)) = text.split_once("..") else {
        let list: Vec<String> =
            text.split(',').map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()).collect();
        return if list.is_empty() { Err("no values".into()) } else { Ok(list) };
    };
    let (to, step) = rest.split_once(':').unwrap_or((rest, "1"));
    let num = |s: &str| Decimal::from_str(s.trim()).map_err(|_| format!("{s:?} is not a number"));
    let (from, to, step) = (num(from)?, num(to)?, num(step)?);
    if step <= Decimal::ZERO {
        return Err("the step must be positive".into());
    }
    if to < from {
        return Err(format!("the range {from}..{to} is empty"));
    }
    let count = ((to - from) / step).floor() + Decimal::ONE;
    if count > Decimal::from(MAX_COMBINATIONS) {
        return Err(format!("{count} values; at most {MAX_COMBINATIONS}"));
    }
    let mut out = Vec::new();
    let mut v = from;
    while v <= to {
        out.push(v.normalize().to_string());
        v += step;
    }
    Ok(out)
}

/// The statistic sweeps rank by, highest first.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    #[default]
    Sharpe,
    Return,
    Sortino,
    Calmar,
    Sqn,
    ProfitFactor,
    WinRate,
    /// The shallowest maximum drawdown ranks first.
    Drawdown,
}

impl Metric {
    pub const NAMES: &'static [&'static str] =
        &["sharpe", "return", "sortino", "calmar", "sqn", "profit-factor", "win-rate", "drawdown"];

    /// The statistic's value, `None` where it is undefined (n/a: a Sharpe without volatility, a
    /// win rate without trades, …).
    pub fn of(self, s: &Stats) -> Option<f64> {
        let value = match self {
            Metric::Sharpe => s.sharpe,
            Metric::Return => Some(s.return_pct),
            Metric::Sortino => s.sortino,
            Metric::Calmar => s.calmar,
            Metric::Sqn => Some(s.sqn),
            Metric::ProfitFactor => Some(s.profit_factor),
            Metric::WinRate => Some(s.win_rate_pct),
            Metric::Drawdown => Some(s.max_drawdown_pct),
        };
        value.filter(|v| v.is_finite())
    }
}

impl FromStr for Metric {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s.trim() {
            "sharpe" => Metric::Sharpe,
            "return" => Metric::Return,
            "sortino" => Metric::Sortino,
            "calmar" => Metric::Calmar,
            "sqn" => Metric::Sqn,
            "profit-factor" => Metric::ProfitFactor,
            "win-rate" => Metric::WinRate,
            "drawdown" => Metric::Drawdown,
            other => return Err(format!("unknown metric {other:?} (known: {})", Metric::NAMES.join(", "))),
        })
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = [
            Metric::Sharpe,
            Metric::Return,
            Metric::Sortino,
            Metric::Calmar,
            Metric::Sqn,
            Metric::ProfitFactor,
            Metric::WinRate,
            Metric::Drawdown,
        ]
        .iter()
        .position(|m| m == self)
        .unwrap_or(0);
        f.write_str(Metric::NAMES[i])
    }
}

/// One combination's result.
#[derive(Clone, Debug, Serialize)]
pub struct SweepRow {
    pub params: Vec<(String, String)>,
    pub stats: Stats,
}

/// Backtests every valid combination of `grid` (parameters in `config.params` not on the grid
/// keep their value) over `bars[range]`, in parallel. Combinations the strategy refuses (a fast
/// average not shorter than the slow one) are skipped; `progress` gets the count done so far.
pub fn sweep(
    config: &BacktestConfig,
    grid: &Grid,
    bars: &Bars,
    range: Range<usize>,
    progress: impl Fn(usize) + Sync,
) -> Result<Vec<SweepRow>> {
    let configs: Vec<BacktestConfig> = grid
        .combinations()
        .into_iter()
        .map(|combo| with_params(config, &combo))
        .filter(|c| c.validate().is_ok())
        .collect();
    if configs.is_empty() {
        // Say why, with the first combination's own error.
        let first = grid.combinations().into_iter().next().unwrap_or_default();
        with_params(config, &first).validate()?;
        return Err(BacktestError::Config(vec!["no valid combination in the grid".into()]));
    }
    // Shared indicator columns when every combination can use them (see `shared`).
    let windows: Option<Vec<Windows>> = configs.iter().map(Windows::of).collect();
    let plan = windows
        .as_ref()
        .and_then(|w| Plan::new(bars, range.clone(), w.iter().map(|w| w.slow).max()?, config.fill));
    let done = AtomicUsize::new(0);
    if let (Some(plan), Some(windows)) = (&plan, &windows) {
        // Groups that go through the series together, of even sizes, and at least four a thread
        // so that no thread is left with much more than the others at the end (75 combinations
        // in groups of 16 on two threads split 43 to 32).
        let threads = rayon::current_num_threads().max(1);
        let count = configs.len().div_ceil((configs.len() / (4 * threads)).clamp(1, GROUP));
        let size = configs.len().div_ceil(count);
        let jobs: Vec<(&BacktestConfig, Windows)> = configs.iter().zip(windows.iter().copied()).collect();
        let groups: Vec<Vec<Result<SweepRow>>> = jobs
            .par_chunks(size)
            .map(|group| {
                let stats = plan.run_group_stats(bars, group);
                group
                    .iter()
                    .zip(stats)
                    .map(|((c, _), s)| {
                        let s = s.unwrap_or_else(|| run_bars(c, bars, range.clone()).map(|r| r.stats));
                        progress(done.fetch_add(1, Ordering::Relaxed) + 1);
                        s.map(|stats| SweepRow { params: c.params.clone(), stats })
                    })
                    .collect()
            })
            .collect();
        return groups.into_iter().flatten().collect();
    }
    configs
        .par_iter()
        .map(|c| {
            let s = run_bars(c, bars, range.clone()).map(|r| r.stats);
            progress(done.fetch_add(1, Ordering::Relaxed) + 1);
            s.map(|stats| SweepRow { params: c.params.clone(), stats })
        })
        .collect()
}

/// The most combinations that go through the series together in a shared sweep: each keeps its
/// own engine, equity tracker and its trades' figures meanwhile (24 bytes a trade: some 0.1 MB
/// by the end of a million bars of frequent trading). 4 to 32 measured alike.
const GROUP: usize = 16;

/// `config` with the grid's values in place of its own.
pub fn with_params(config: &BacktestConfig, combo: &[(String, String)]) -> BacktestConfig {
    let mut c = config.clone();
    for (k, v) in combo {
        match c.params.iter_mut().find(|(n, _)| n == k) {
            Some(slot) => slot.1 = v.clone(),
            None => c.params.push((k.clone(), v.clone())),
        }
    }
    c
}

/// Sorts best first by `metric`; rows where it is n/a rank last, in grid order.
pub fn rank(rows: &mut [SweepRow], metric: Metric) {
    rows.sort_by(|a, b| match (metric.of(&a.stats), metric.of(&b.stats)) {
        (Some(x), Some(y)) => y.total_cmp(&x),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(specs: &[&str]) -> Result<Grid, String> {
        Grid::parse(&specs.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn ranges_and_lists() {
        let g = grid(&["fast=5..50:5", "slow=10,20"]).unwrap();
        assert_eq!(g.len(), 20);
        let combos = g.combinations();
        assert_eq!(combos[0], vec![("fast".to_string(), "5".to_string()), ("slow".into(), "10".into())]);
        assert_eq!(combos[19][0].1, "50");
        assert_eq!(grid(&["lower=25..35:2.5"]).unwrap().combinations().len(), 5);
        assert_eq!(grid(&["x=1..3"]).unwrap().len(), 3);
    }

    #[test]
    fn bad_grids_are_explained() {
        for (spec, want) in [
            ("fast", "not name=values"),
            ("fast=5..1", "empty"),
            ("fast=1..5:0", "step must be positive"),
            ("fast=a..b", "not a number"),
            ("fast=", "no values"),
            ("=1,2", "no parameter name"),
        ] {
            let e = grid(&[spec]).unwrap_err();
            assert!(e.contains(want), "{spec}: {e}");
        }
        assert!(grid(&["a=1..1000", "b=1..1000"]).unwrap_err().contains("at most"));
        assert!(grid(&["a=1", "a=2"]).unwrap_err().contains("twice"));
        assert!(grid(&[]).is_err());
    }
}
