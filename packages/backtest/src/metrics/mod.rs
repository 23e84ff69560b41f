//! Statistics of a finished backtest: the equity tracker fed bar by bar, the calendar rules, and
//! the figures themselves.

pub mod calendar;
mod extremes;
mod figures;
mod stats;
mod tracker;

pub use extremes::{CloseExtremes, ExtremesAt};
pub use figures::TradeFigures;
pub use stats::{MIN_PERIOD_RETURNS, Stats, StatsInput};
pub use tracker::{CurvePoint, Day, EquityTracker, TrackerSummary};
