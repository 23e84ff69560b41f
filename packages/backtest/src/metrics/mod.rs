//! Statistics of a finished backtest: the equity tracker fed bar by bar, the calendar rules, and
//! the figures themselves.

pub mod calendar;
mod figures;
mod stats;
mod tracker;

pub use figures::TradeFigures;
pub use stats::{MIN_PERIOD_RETURNS, Stats, StatsInput};
pub use tracker::{CurvePoint, Day, EquityTracker, TrackerSummary};
