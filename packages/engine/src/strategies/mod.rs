//! Strategies: turn closed candles into signals. They know nothing of positions or money; the
//! engine decides whether a signal becomes a decision.

mod any;
mod error;
mod rsi_reversion;
mod sma_cross;

pub use any::AnyStrategy;
pub use error::StrategyError;
pub use rsi_reversion::RsiReversion;
pub use sma_cross::SmaCross;

use mirai_core::{Candle, Signal};

pub trait Strategy {
    fn name(&self) -> &'static str;
    /// Feeds one closed candle; returns a signal when the strategy's condition fires on it.
    fn on_candle(&mut self, candle: &Candle) -> Option<Signal>;
    /// How many bars pass before the strategy's indicators first have a value (19 for an SMA of
    /// 20): a backtest measures buy-and-hold from there, as backtesting.py does.
    fn warm_up_bars(&self) -> usize {
        0
    }
}
