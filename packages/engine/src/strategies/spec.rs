//! `StrategySpec`: a built-in strategy's name and parameters, parsed and checked without building
//! it, so a caller can hold its windows against the data it has (and refuse) before any indicator
//! allocates its buffer. `AnyStrategy::from_spec` is `parse` then `build`.

use std::str::FromStr;

use mirai_core::Decimal;

use super::{
    AnyStrategy, Bollinger, Donchian, Macd, RsiReversion, SmaCross, StrategyError, bollinger, donchian, macd,
    rsi_reversion, sma_cross,
};

/// The longest indicator window any strategy may ask for, in bars. An SMA keeps its window in
/// memory (8 bytes a bar), so this bounds a strategy's state at 8 MB; a million bars is almost two
/// years of one-minute candles, longer than any window a trader sets.
pub const MAX_WINDOW: usize = 1_000_000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StrategySpec {
    SmaCross { fast: usize, slow: usize },
    RsiReversion { period: u32, lower: Decimal, upper: Decimal },
    Donchian { entry: usize, exit: usize },
    Macd { fast: u32, slow: u32, signal: u32 },
    Bollinger { period: usize, k: Decimal },
}

impl StrategySpec {
    /// `parse("sma-cross", &[("fast", "10"), ("slow", "20")])`; unset parameters take their
    /// defaults (sma-cross 10/20; rsi-reversion period 14, lower 30, upper 70; donchian entry 20,
    /// exit 10; macd 12/26/9; bollinger period 20, k 2: the catalogue lists them). Every rule the
    /// strategy's constructor has is checked here.
    pub fn parse(name: &str, params: &[(&str, &str)]) -> Result<Self, StrategyError> {
        match name {
            sma_cross::NAME => {
                let (mut fast, mut slow) = (10usize, 20usize);
                for (k, v) in params {
                    match *k {
                        "fast" => fast = number(sma_cross::NAME, "fast", v)?,
                        "slow" => slow = number(sma_cross::NAME, "slow", v)?,
                        other => return Err(unknown_param(sma_cross::NAME, other)),
                    }
                }
                sma_cross::check(fast, slow)?;
                Ok(Self::SmaCross { fast, slow })
            }
            rsi_reversion::NAME => {
                let (mut period, mut lower, mut upper) = (14u32, Decimal::from(30), Decimal::from(70));
                for (k, v) in params {
                    match *k {
                        "period" => period = number(rsi_reversion::NAME, "period", v)?,
                        "lower" => lower = number(rsi_reversion::NAME, "lower", v)?,
                        "upper" => upper = number(rsi_reversion::NAME, "upper", v)?,
                        other => return Err(unknown_param(rsi_reversion::NAME, other)),
                    }
                }
                rsi_reversion::check(period, lower, upper)?;
                Ok(Self::RsiReversion { period, lower, upper })
            }
            donchian::NAME => {
                let (mut entry, mut exit) = (donchian::DEFAULT_ENTRY, donchian::DEFAULT_EXIT);
                for (k, v) in params {
                    match *k {
                        "entry" => entry = number(donchian::NAME, "entry", v)?,
                        "exit" => exit = number(donchian::NAME, "exit", v)?,
                        other => return Err(unknown_param(donchian::NAME, other)),
                    }
                }
                donchian::check(entry, exit)?;
                Ok(Self::Donchian { entry, exit })
            }
            macd::NAME => {
                let (mut fast, mut slow, mut signal) =
                    (macd::DEFAULT_FAST, macd::DEFAULT_SLOW, macd::DEFAULT_SIGNAL);
                for (k, v) in params {
                    match *k {
                        "fast" => fast = number(macd::NAME, "fast", v)?,
                        "slow" => slow = number(macd::NAME, "slow", v)?,
                        "signal" => signal = number(macd::NAME, "signal", v)?,
                        other => return Err(unknown_param(macd::NAME, other)),
                    }
                }
                macd::check(fast, slow, signal)?;
                Ok(Self::Macd { fast, slow, signal })
            }
            bollinger::NAME => {
                let (mut period, mut k) = (bollinger::DEFAULT_PERIOD, bollinger::DEFAULT_K);
                for (key, v) in params {
                    match *key {
                        "period" => period = number(bollinger::NAME, "period", v)?,
                        "k" => k = number(bollinger::NAME, "k", v)?,
                        other => return Err(unknown_param(bollinger::NAME, other)),
                    }
                }
                bollinger::check(period, k)?;
                Ok(Self::Bollinger { period, k })
            }
            other => Err(StrategyError::Unknown(other.to_owned())),
        }
    }

    /// The strategy's name, as [`StrategySpec::parse`] takes it.
    pub fn name(&self) -> &'static str {
        match self {
            StrategySpec::SmaCross { .. } => sma_cross::NAME,
            StrategySpec::RsiReversion { .. } => rsi_reversion::NAME,
            StrategySpec::Donchian { .. } => donchian::NAME,
            StrategySpec::Macd { .. } => macd::NAME,
            StrategySpec::Bollinger { .. } => bollinger::NAME,
        }
    }

    /// Every parameter with its value, as [`StrategySpec::parse`] takes them back: `parse(name(),
    /// params())` is this spec again. For settings that hand a strategy on as text (a backtest
    /// trading as the worker does).
    pub fn params(&self) -> Vec<(&'static str, String)> {
        match self {
            StrategySpec::SmaCross { fast, slow } => {
                vec![("fast", fast.to_string()), ("slow", slow.to_string())]
            }
            StrategySpec::RsiReversion { period, lower, upper } => vec![
                ("period", period.to_string()),
                ("lower", lower.to_string()),
                ("upper", upper.to_string()),
            ],
            StrategySpec::Donchian { entry, exit } => {
                vec![("entry", entry.to_string()), ("exit", exit.to_string())]
            }
            StrategySpec::Macd { fast, slow, signal } => {
                vec![("fast", fast.to_string()), ("slow", slow.to_string()), ("signal", signal.to_string())]
            }
            StrategySpec::Bollinger { period, k } => {
                vec![("period", period.to_string()), ("k", k.to_string())]
            }
        }
    }

    /// The parameter that sets the longest window, and that window in bars: the strategy says
    /// nothing before it has seen this many.
    pub fn longest_window(&self) -> (&'static str, usize) {
        match self {
            StrategySpec::SmaCross { slow, .. } => ("slow", *slow),
            // Wilder's RSI needs `period` changes, so one bar more.
            StrategySpec::RsiReversion { period, .. } => ("period", *period as usize + 1),
            // The channels are of the bars before the current one.
            StrategySpec::Donchian { entry, exit } if entry >= exit => ("entry", entry + 1),
            StrategySpec::Donchian { exit, .. } => ("exit", exit + 1),
            // The signal line's first value needs `signal` MACD values, the first of which needs
            // `slow` closes.
            StrategySpec::Macd { slow, signal, .. } => ("slow", (slow + signal) as usize - 1),
            StrategySpec::Bollinger { period, .. } => ("period", *period),
        }
    }

    /// What the strategy's indicators allocate, counted in bars of an SMA window (16 bytes each),
    /// for memory budgets that count the strategy that way: an SMA pair keeps one window of
    /// `slow`, the bands one of `period` closes (16 bytes each), Donchian's two deques at most
    /// `entry` and `exit` entries of 24 bytes; the RSI and the EMAs keep none.
    pub fn state_window(&self) -> usize {
        match *self {
            StrategySpec::SmaCross { slow, .. } => slow,
            StrategySpec::RsiReversion { .. } | StrategySpec::Macd { .. } => 0,
            StrategySpec::Donchian { entry, exit } => (3 * (entry + exit)).div_ceil(2),
            StrategySpec::Bollinger { period, .. } => period,
        }
    }

    /// The strategy itself; its indicators allocate at most [`MAX_WINDOW`] values. A spec is
    /// checked when parsed, so building cannot fail.
    pub fn build(&self) -> AnyStrategy {
        match *self {
            StrategySpec::SmaCross { fast, slow } => AnyStrategy::SmaCross(SmaCross::checked(fast, slow)),
            StrategySpec::RsiReversion { period, lower, upper } => {
                AnyStrategy::RsiReversion(RsiReversion::checked(period, lower, upper))
            }
            StrategySpec::Donchian { entry, exit } => AnyStrategy::Donchian(Donchian::checked(entry, exit)),
            StrategySpec::Macd { fast, slow, signal } => AnyStrategy::Macd(Macd::checked(fast, slow, signal)),
            StrategySpec::Bollinger { period, k } => AnyStrategy::Bollinger(Bollinger::checked(period, k)),
        }
    }
}

fn number<T: FromStr>(strategy: &'static str, param: &'static str, v: &str) -> Result<T, StrategyError> {
    v.trim().parse().map_err(|_| StrategyError::BadParam {
        strategy,
        param,
        why: format!("{v:?} is not a valid number"),
    })
}

fn unknown_param(strategy: &'static str, param: &str) -> StrategyError {
    StrategyError::UnknownParam { strategy, param: param.into() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_beyond_the_cap_are_refused_before_anything_is_built() {
        let e = StrategySpec::parse("sma-cross", &[("fast", "1"), ("slow", "1000000000000")]).unwrap_err();
        assert!(matches!(e, StrategyError::BadParam { param: "slow", .. }), "{e}");
        assert!(e.to_string().contains("at most 1000000"), "{e}");
        let e = StrategySpec::parse("rsi-reversion", &[("period", "4000000000")]).unwrap_err();
        assert!(matches!(e, StrategyError::BadParam { param: "period", .. }), "{e}");
        // The cap itself is allowed.
        let at_cap = MAX_WINDOW.to_string();
        let spec = StrategySpec::parse("sma-cross", &[("slow", at_cap.as_str())]).unwrap();
        assert_eq!(spec.longest_window(), ("slow", MAX_WINDOW));
    }

    #[test]
    fn a_spec_parses_back_from_its_name_and_params() {
        for (name, params) in [
            ("sma-cross", vec![("fast", "3"), ("slow", "7")]),
            ("rsi-reversion", vec![("period", "5"), ("lower", "25.5"), ("upper", "80")]),
            ("donchian", vec![("entry", "55"), ("exit", "20")]),
            ("macd", vec![("fast", "3"), ("slow", "6"), ("signal", "4")]),
            ("bollinger", vec![("period", "30"), ("k", "2.25")]),
        ] {
            let spec = StrategySpec::parse(name, &params).unwrap();
            assert_eq!(spec.name(), name);
            let text = spec.params();
            let pairs: Vec<(&str, &str)> = text.iter().map(|(k, v)| (*k, v.as_str())).collect();
            assert_eq!(pairs, params, "{name}: every parameter, as given");
            assert_eq!(StrategySpec::parse(spec.name(), &pairs).unwrap(), spec, "{name}");
        }
    }

    #[test]
    fn the_longest_window_is_the_bars_before_the_first_signal() {
        use crate::strategies::Strategy;
        for (name, params) in [
            ("sma-cross", vec![("fast", "3"), ("slow", "7")]),
            ("rsi-reversion", vec![("period", "5")]),
            ("donchian", vec![("entry", "5"), ("exit", "3")]),
            ("donchian", vec![("entry", "3"), ("exit", "5")]),
            ("macd", vec![("fast", "3"), ("slow", "6"), ("signal", "4")]),
            ("bollinger", vec![("period", "5")]),
        ] {
            let spec = StrategySpec::parse(name, &params).unwrap();
            let strategy = spec.build();
            assert_eq!(spec.longest_window().1, strategy.warm_up_bars() + 1, "{name}");
        }
    }
}
