//! `StrategySpec`: a built-in strategy's name and parameters, parsed and checked without building
//! it, so a caller can hold its windows against the data it has (and refuse) before any indicator
//! allocates its buffer. `AnyStrategy::from_spec` is `parse` then `build`.

use std::str::FromStr;

use mirai_core::Decimal;

use super::{AnyStrategy, RsiReversion, SmaCross, StrategyError, rsi_reversion, sma_cross};

/// The longest indicator window any strategy may ask for, in bars. An SMA keeps its window in
/// memory (8 bytes a bar), so this bounds a strategy's state at 8 MB; a million bars is almost two
/// years of one-minute candles, longer than any window a trader sets.
pub const MAX_WINDOW: usize = 1_000_000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StrategySpec {
    SmaCross { fast: usize, slow: usize },
    RsiReversion { period: u32, lower: Decimal, upper: Decimal },
}

impl StrategySpec {
    /// `parse("sma-cross", &[("fast", "10"), ("slow", "20")])`; unset parameters take their
    /// defaults (sma-cross 10/20; rsi-reversion period 14, lower 30, upper 70). Every rule the
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
            other => Err(StrategyError::Unknown(other.to_owned())),
        }
    }

    /// The parameter that sets the longest window, and that window in bars: the strategy says
    /// nothing before it has seen this many.
    pub fn longest_window(&self) -> (&'static str, usize) {
        match self {
            StrategySpec::SmaCross { slow, .. } => ("slow", *slow),
            // Wilder's RSI needs `period` changes, so one bar more.
            StrategySpec::RsiReversion { period, .. } => ("period", *period as usize + 1),
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
    fn the_longest_window_is_the_bars_before_the_first_signal() {
        use crate::strategies::Strategy;
        for (name, params) in
            [("sma-cross", vec![("fast", "3"), ("slow", "7")]), ("rsi-reversion", vec![("period", "5")])]
        {
            let spec = StrategySpec::parse(name, &params).unwrap();
            let strategy = spec.build();
            assert_eq!(spec.longest_window().1, strategy.warm_up_bars() + 1, "{name}");
        }
    }
}
