//! `AnyStrategy`: every built-in strategy behind one enum, built from a name and `key=value`
//! parameters (the CLI's and the settings' form). An enum rather than a trait object keeps the
//! per-event call static and inlinable on the hot path.

use mirai_core::{Action, Candle, Signal};

use super::{RsiReversion, SmaCross, Strategy, StrategyError, StrategySpec, rsi_reversion, sma_cross};

#[derive(Clone, Debug)]
pub enum AnyStrategy {
    SmaCross(SmaCross),
    RsiReversion(RsiReversion),
}

impl AnyStrategy {
    pub const NAMES: &'static [&'static str] = &[sma_cross::NAME, rsi_reversion::NAME];

    /// `from_spec("sma-cross", &[("fast", "10"), ("slow", "20")])`: [`StrategySpec::parse`] then
    /// [`StrategySpec::build`].
    pub fn from_spec(name: &str, params: &[(&str, &str)]) -> Result<Self, StrategyError> {
        Ok(StrategySpec::parse(name, params)?.build())
    }
}

impl Strategy for AnyStrategy {
    fn name(&self) -> &'static str {
        match self {
            AnyStrategy::SmaCross(s) => s.name(),
            AnyStrategy::RsiReversion(s) => s.name(),
        }
    }

    fn warm_up_bars(&self) -> usize {
        match self {
            AnyStrategy::SmaCross(s) => s.warm_up_bars(),
            AnyStrategy::RsiReversion(s) => s.warm_up_bars(),
        }
    }

    #[inline]
    fn on_candle(&mut self, candle: &Candle) -> Option<Signal> {
        match self {
            AnyStrategy::SmaCross(s) => s.on_candle(candle),
            AnyStrategy::RsiReversion(s) => s.on_candle(candle),
        }
    }
}

/// The engine's speed switches, kept here rather than on the [`Strategy`] trait: a strategy with a
/// faster way implements them on itself and is dispatched to here; any other gets the plain
/// fallback, so a strategy author needs only the trait.
impl AnyStrategy {
    /// As [`Strategy::on_candle`], for a caller that can act only on a signal of `wanted` (none:
    /// on no signal at all, e.g. while an order is open). The strategy's state moves on exactly
    /// as with `on_candle`; only the signals the caller would drop are not built, which saves
    /// writing their reasons (most crosses of a flat, drained or busy account are dropped).
    #[inline(always)]
    pub fn on_candle_for(&mut self, candle: &Candle, wanted: Option<Action>) -> Option<Signal> {
        match self {
            AnyStrategy::SmaCross(s) => s.on_candle_for(candle, wanted),
            AnyStrategy::RsiReversion(s) => s.on_candle(candle).filter(|sig| Some(sig.action) == wanted),
        }
    }

    /// Whether signals carry a reason in words (on by default). A caller that never reads reasons
    /// — a backtest, whose decisions are neither stored nor shown — turns them off; the signals
    /// are otherwise the same (same bars, actions, prices and strengths).
    pub fn set_reasons(&mut self, on: bool) {
        match self {
            AnyStrategy::SmaCross(s) => s.set_reasons(on),
            // Its reasons are cheap; it always writes them.
            AnyStrategy::RsiReversion(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_are_parsed_and_bad_ones_explained() {
        assert_eq!(
            AnyStrategy::from_spec("sma-cross", &[("fast", "5"), ("slow", "20")]).unwrap().name(),
            "sma-cross"
        );
        assert_eq!(AnyStrategy::from_spec("rsi-reversion", &[]).unwrap().name(), "rsi-reversion");
        let e = AnyStrategy::from_spec("sma-cross", &[("fast", "30"), ("slow", "20")]).unwrap_err();
        assert!(e.to_string().contains("must be shorter"), "{e}");
        let e = AnyStrategy::from_spec("sma-cross", &[("fast", "x")]).unwrap_err();
        assert!(e.to_string().contains("not a valid number"), "{e}");
        let e = AnyStrategy::from_spec("macd", &[]).unwrap_err();
        assert!(e.to_string().contains("sma-cross, rsi-reversion"), "{e}");
        assert!(AnyStrategy::from_spec("sma-cross", &[("speed", "1")]).is_err());
        assert!(AnyStrategy::from_spec("rsi-reversion", &[("lower", "80")]).is_err());
    }
}
