//! `AnyStrategy`: every built-in strategy behind one enum, built from a name and `key=value`
//! parameters (the CLI's and the settings' form). An enum rather than a trait object keeps the
//! per-event call static and inlinable on the hot path.

use mirai_core::{Action, Candle, Signal};

use super::{
    Bollinger, Donchian, Macd, RsiReversion, SmaCross, Strategy, StrategyError, StrategySpec, bollinger,
    donchian, macd, rsi_reversion, sma_cross,
};

#[derive(Clone, Debug)]
pub enum AnyStrategy {
    SmaCross(SmaCross),
    RsiReversion(RsiReversion),
    Donchian(Donchian),
    Macd(Macd),
    Bollinger(Bollinger),
}

impl AnyStrategy {
    pub const NAMES: &'static [&'static str] =
        &[sma_cross::NAME, rsi_reversion::NAME, donchian::NAME, macd::NAME, bollinger::NAME];

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
            AnyStrategy::Donchian(s) => s.name(),
            AnyStrategy::Macd(s) => s.name(),
            AnyStrategy::Bollinger(s) => s.name(),
        }
    }

    fn warm_up_bars(&self) -> usize {
        match self {
            AnyStrategy::SmaCross(s) => s.warm_up_bars(),
            AnyStrategy::RsiReversion(s) => s.warm_up_bars(),
            AnyStrategy::Donchian(s) => s.warm_up_bars(),
            AnyStrategy::Macd(s) => s.warm_up_bars(),
            AnyStrategy::Bollinger(s) => s.warm_up_bars(),
        }
    }

    #[inline]
    fn on_candle(&mut self, candle: &Candle) -> Option<Signal> {
        match self {
            AnyStrategy::SmaCross(s) => s.on_candle(candle),
            AnyStrategy::RsiReversion(s) => s.on_candle(candle),
            AnyStrategy::Donchian(s) => s.on_candle(candle),
            AnyStrategy::Macd(s) => s.on_candle(candle),
            AnyStrategy::Bollinger(s) => s.on_candle(candle),
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
            AnyStrategy::Donchian(s) => s.on_candle_for(candle, wanted),
            AnyStrategy::Macd(s) => s.on_candle_for(candle, wanted),
            AnyStrategy::Bollinger(s) => s.on_candle_for(candle, wanted),
        }
    }

    /// Whether signals carry a reason in words (on by default). A caller that never reads reasons
    /// — a backtest, whose decisions are neither stored nor shown — turns them off; the signals
    /// are otherwise the same (same bars, actions, prices and strengths).
    pub fn set_reasons(&mut self, on: bool) {
        match self {
            AnyStrategy::SmaCross(s) => s.set_reasons(on),
            AnyStrategy::Donchian(s) => s.set_reasons(on),
            AnyStrategy::Macd(s) => s.set_reasons(on),
            AnyStrategy::Bollinger(s) => s.set_reasons(on),
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
        let e = AnyStrategy::from_spec("ichimoku", &[]).unwrap_err();
        assert!(e.to_string().contains("sma-cross, rsi-reversion, donchian, macd, bollinger"), "{e}");
        assert!(AnyStrategy::from_spec("sma-cross", &[("speed", "1")]).is_err());
        assert!(AnyStrategy::from_spec("rsi-reversion", &[("lower", "80")]).is_err());
        for name in ["donchian", "macd", "bollinger"] {
            assert_eq!(AnyStrategy::from_spec(name, &[]).unwrap().name(), name);
        }
        let e = AnyStrategy::from_spec("macd", &[("fast", "26"), ("slow", "12")]).unwrap_err();
        assert_eq!(e.to_string(), "macd parameter fast: fast (26) must be shorter than slow (12)");
        let e = AnyStrategy::from_spec("bollinger", &[("k", "0")]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "bollinger parameter k: 0 standard deviations: need above 0 and at most 10"
        );
        let e = AnyStrategy::from_spec("donchian", &[("entry", "1.5")]).unwrap_err();
        assert_eq!(e.to_string(), "donchian parameter entry: \"1.5\" is not a valid number");
        let e = AnyStrategy::from_spec("donchian", &[("period", "20")]).unwrap_err();
        assert_eq!(e.to_string(), "strategy donchian has no parameter \"period\"");
    }

    /// Walks with many signals: a random walk of closes, with highs and lows around them.
    fn walk(seed: u64, bars: usize) -> Vec<Candle> {
        use mirai_core::synthetic::RandomWalk;
        use mirai_core::{Decimal, Price, Symbol, Timestamp};
        RandomWalk::new(
            Symbol::new("BTCUSDT"),
            Price::new(Decimal::from(100)),
            Timestamp::from_millis(0),
            60_000,
            seed,
        )
        .take(bars)
        .collect()
    }

    /// The speed switches change nothing but what they say they do: `on_candle_for` gives the
    /// signals `on_candle` gives of the wanted action (the state moving on alike), and without
    /// reasons the signals are the same but for their words. For every strategy.
    #[test]
    fn the_fast_paths_give_the_plain_path_s_signals() {
        let specs: [(&str, &[(&str, &str)]); 5] = [
            ("sma-cross", &[("fast", "3"), ("slow", "8")]),
            ("rsi-reversion", &[("period", "5")]),
            ("donchian", &[("entry", "8"), ("exit", "4")]),
            ("macd", &[("fast", "3"), ("slow", "8"), ("signal", "4")]),
            ("bollinger", &[("period", "8"), ("k", "1.5")]),
        ];
        for (name, params) in specs {
            for seed in [1, 2, 3] {
                let candles = walk(seed, 3_000);
                let mut plain = AnyStrategy::from_spec(name, params).unwrap();
                let mut fast = plain.clone();
                let mut quiet = plain.clone();
                quiet.set_reasons(false);
                let (mut all, mut some, mut wordless) = (Vec::new(), Vec::new(), Vec::new());
                for (i, c) in candles.iter().enumerate() {
                    // Alternate what the caller wants, as a position opening and closing would.
                    let wanted = [Some(Action::Buy), Some(Action::Sell), None][(i / 50) % 3];
                    let p = plain.on_candle(c);
                    some.extend(fast.on_candle_for(c, wanted));
                    all.extend(p.filter(|s| Some(s.action) == wanted));
                    wordless.extend(quiet.on_candle(c));
                }
                assert_eq!(some, all, "{name} seed {seed}");
                let mut plain = AnyStrategy::from_spec(name, params).unwrap();
                let mut words: Vec<Signal> = candles.iter().filter_map(|c| plain.on_candle(c)).collect();
                assert!(words.len() > 20, "{name} seed {seed}: only {} signals", words.len());
                assert!(words.iter().all(|s| !s.reason.is_empty()), "{name}");
                // rsi-reversion's reasons are cheap and always written.
                if name != "rsi-reversion" {
                    assert!(wordless.iter().all(|s| s.reason.is_empty()), "{name}");
                }
                words.iter_mut().chain(wordless.iter_mut()).for_each(|s| s.reason.clear());
                assert_eq!(wordless, words, "{name} seed {seed}");
            }
        }
    }
}
