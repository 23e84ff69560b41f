//! Running a backtest: the bar loop around the live engine and paper exchange, the trade log,
//! and the report it produces.

mod advice;
mod csv;
mod report;
mod runner;
pub(crate) mod trades;

pub use advice::{Asking, EntryAdvice, RulesOnly, run_csv_with_advice};
pub use csv::run_csv;
pub use report::{BacktestReport, Counts, ModelNote, ModelRun};
pub use runner::{Backtest, run, run_bars};
pub use trades::{OpenTrade, Trade};
