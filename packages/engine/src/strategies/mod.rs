//! Strategies: turn closed candles into signals. They know nothing of positions or money; the
//! engine decides whether a signal becomes a decision.

mod any;
mod error;
mod rsi_reversion;
mod sma_cross;
mod spec;

pub use any::AnyStrategy;
pub use error::StrategyError;
pub use rsi_reversion::RsiReversion;
pub use sma_cross::SmaCross;
pub use spec::{MAX_WINDOW, StrategySpec};

use mirai_core::{Action, Candle, Signal};

pub trait Strategy {
    fn name(&self) -> &'static str;
    /// Feeds one closed candle; returns a signal when the strategy's condition fires on it.
    fn on_candle(&mut self, candle: &Candle) -> Option<Signal>;
    /// As [`Strategy::on_candle`], for a caller that can act only on a signal of `wanted` (none:
    /// on no signal at all, e.g. while an order is open). The strategy's state moves on exactly as
    /// with `on_candle`; only the signals the caller would drop are not built, which saves writing
    /// their reasons (most crosses of a flat, drained or busy account are dropped).
    #[inline]
    fn on_candle_for(&mut self, candle: &Candle, wanted: Option<Action>) -> Option<Signal> {
        self.on_candle(candle).filter(|s| Some(s.action) == wanted)
    }
    /// Whether signals carry a reason in words (on by default). A caller that never reads
    /// reasons — a backtest, whose decisions are neither stored nor shown — turns them off; the
    /// signals are otherwise the same (same bars, actions, prices and strengths). Strategies whose
    /// reasons are cheap may ignore this.
    fn set_reasons(&mut self, _on: bool) {}
    /// How many bars pass before the strategy's indicators first have a value (19 for an SMA of
    /// 20): a backtest measures buy-and-hold from there, as backtesting.py does.
    fn warm_up_bars(&self) -> usize {
        0
    }
}
