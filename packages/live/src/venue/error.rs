//! `VenueError`: why a Binance venue could not be set up, and whether trying again may help.

use mirai_binance::BinanceError;
use mirai_core::Symbol;

#[derive(Debug, thiserror::Error)]
pub enum VenueError {
    /// Live trading was asked for without a recorded approval (or the approval could not be read).
    #[error("live trading refused: {0}")]
    LiveRefused(String),
    #[error("Binance settings: {0}")]
    Settings(String),
    #[error("Binance does not list {0} (or it is not trading)")]
    UnknownSymbol(Symbol),
    #[error("Binance: {0}")]
    Binance(#[from] BinanceError),
}

impl VenueError {
    /// Only an unreachable or throttled venue is worth retrying; refusals and bad settings are not.
    pub fn is_retryable(&self) -> bool {
        matches!(self, VenueError::Binance(e) if e.is_retryable())
    }
}
