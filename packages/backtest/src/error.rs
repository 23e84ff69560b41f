//! `BacktestError`: why a backtest could not run. Each variant is worded for the person who
//! typed the command or sent the request.

use mirai_engine::StrategyError;

use crate::data::DataError;

#[derive(Debug, thiserror::Error)]
pub enum BacktestError {
    /// Every problem with the settings, one per entry.
    #[error("invalid backtest settings: {}", .0.join("; "))]
    Config(Vec<String>),
    #[error("{0}")]
    Strategy(#[from] StrategyError),
    #[error("{0}")]
    Data(#[from] DataError),
    #[error("no bars to test")]
    NoBars,
    /// The external advisor could not answer about an entry ([`crate::Backtest::with_advice`]);
    /// the message names the decision (symbol, signal and bar time) and why.
    #[error("{0}")]
    Advice(String),
    #[error("cannot write {path}: {source}")]
    Write { path: String, source: std::io::Error },
}

pub type Result<T, E = BacktestError> = std::result::Result<T, E>;
