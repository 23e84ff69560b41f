//! Backtests on the live engine. The bars come from a CSV file (streamed or loaded into compact
//! columns), a bundled sample or the synthetic generator; each one goes through the very
//! `Engine`, strategies, advisor, risk gates and paper exchange that trade live. This crate adds
//! only what a backtest needs around them: the feed, the fill conventions, the trade log, the
//! metrics, sweeps, walk-forward, and reports.

pub mod data;

mod config;
mod error;
mod float;
pub mod generate;
pub mod metrics;
pub mod report;
mod run;
pub mod sweep;
pub mod walk_forward;

pub use config::{BacktestConfig, FillAt, UnitSizing, no_limits};
pub use error::{BacktestError, Result};
pub use run::{
    Asking, Backtest, BacktestReport, Counts, EntryAdvice, ModelNote, ModelRun, OpenTrade, RulesOnly, Trade,
    run, run_bars, run_csv, run_csv_with_advice,
};
