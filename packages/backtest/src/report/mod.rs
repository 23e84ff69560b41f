//! What a finished backtest is written as: a stats table for people, one JSON object for
//! programs, the trade list as CSV, and a self-contained HTML page with charts.

mod csv;
mod format;
mod html;
mod json;
mod model;
mod svg;
mod table;

pub use csv::{write_fills_csv, write_trades_csv};
pub use format::{duration, number, ratio};
pub use html::html_report;
pub use json::report_json;
pub use model::{model_rows, model_warning};
pub use table::{stats_rows, stats_table};
