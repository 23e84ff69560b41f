//! Strategies: turn closed candles into signals. They know nothing of positions or money; the
//! engine decides whether a signal becomes a decision.

mod any;
mod bollinger;
mod catalog;
mod donchian;
mod error;
mod macd;
mod rsi_reversion;
mod sma_cross;
mod spec;
mod strength;

pub use any::AnyStrategy;
pub use bollinger::Bollinger;
pub use catalog::{CATALOG, ParamInfo, StrategyInfo, info};
pub use donchian::Donchian;
pub use error::StrategyError;
pub use macd::Macd;
pub use rsi_reversion::RsiReversion;
pub use sma_cross::SmaCross;
pub use spec::{MAX_WINDOW, StrategySpec};

use mirai_core::{Candle, Signal};

/// What a strategy is: a name, a signal from a closed candle, and how many bars it needs first.
/// The engine's speed switches (skipping signals it would drop, leaving out the reason's words in
/// backtests) are not part of it: they are [`AnyStrategy`]'s, with a plain fallback for any
/// strategy that does not have a faster way.
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
