//! The built-in strategies described for people and tools (`mirai strategies`): each one's name,
//! what it does in a line, and its parameters with their defaults and the values accepted. The
//! rules themselves live with each strategy (its `check`); a test holds every default and range
//! here to them.

use serde::Serialize;

use super::{bollinger, donchian, macd, rsi_reversion, sma_cross};

#[derive(Clone, Copy, Debug, Serialize)]
pub struct StrategyInfo {
    pub name: &'static str,
    /// One line: when it buys and when it sells.
    pub description: &'static str,
    pub params: &'static [ParamInfo],
}

#[derive(Clone, Copy, Debug, Serialize)]
pub struct ParamInfo {
    pub name: &'static str,
    /// As it would be written on the command line.
    pub default: &'static str,
    /// The values accepted, in words.
    pub range: &'static str,
    pub description: &'static str,
}

/// Every built-in strategy, in the order `mirai strategies` lists them.
pub const CATALOG: &[StrategyInfo] = &[
    StrategyInfo {
        name: sma_cross::NAME,
        description: "Trend following: buy when the fast simple moving average crosses above the slow one, \
                      sell when it crosses below.",
        params: &[
            ParamInfo {
                name: "fast",
                default: "10",
                range: "1 to slow - 1",
                description: "bars in the fast average",
            },
            ParamInfo {
                name: "slow",
                default: "20",
                range: "fast + 1 to 1000000",
                description: "bars in the slow average",
            },
        ],
    },
    StrategyInfo {
        name: rsi_reversion::NAME,
        description: "Mean reversion: buy when Wilder's RSI climbs back above the oversold line, sell when it \
                      falls back below the overbought line.",
        params: &[
            ParamInfo { name: "period", default: "14", range: "2 to 999999", description: "bars in the RSI" },
            ParamInfo {
                name: "lower",
                default: "30",
                range: "above 0, below upper",
                description: "the oversold line",
            },
            ParamInfo {
                name: "upper",
                default: "70",
                range: "above lower, below 100",
                description: "the overbought line",
            },
        ],
    },
    StrategyInfo {
        name: donchian::NAME,
        description: "Turtle breakout: buy when the close breaks above the highest high of the previous `entry` \
                      bars, sell when it breaks below the lowest low of the previous `exit` bars.",
        params: &[
            ParamInfo {
                name: "entry",
                default: "20",
                range: "1 to 1000000",
                description: "bars in the entry channel (highest high)",
            },
            ParamInfo {
                name: "exit",
                default: "10",
                range: "1 to 1000000",
                description: "bars in the exit channel (lowest low)",
            },
        ],
    },
    StrategyInfo {
        name: macd::NAME,
        description: "Momentum: buy when the MACD line, EMA(fast) - EMA(slow), crosses above its signal line \
                      (an EMA of it), sell when it crosses below.",
        params: &[
            ParamInfo {
                name: "fast",
                default: "12",
                range: "1 to slow - 1",
                description: "bars in the fast EMA",
            },
            ParamInfo {
                name: "slow",
                default: "26",
                range: "fast + 1 to 1000000",
                description: "bars in the slow EMA",
            },
            ParamInfo {
                name: "signal",
                default: "9",
                range: "2 to 1000000",
                description: "bars in the signal line's EMA",
            },
        ],
    },
    StrategyInfo {
        name: bollinger::NAME,
        description: "Mean reversion: buy when the close crosses below the lower Bollinger band (SMA - k sigma), \
                      sell when it crosses back above the middle band (the SMA).",
        params: &[
            ParamInfo {
                name: "period",
                default: "20",
                range: "2 to 1000000",
                description: "closes in the average and the standard deviation",
            },
            ParamInfo {
                name: "k",
                default: "2",
                range: "above 0, at most 10, at most 4 decimals",
                description: "band width in population standard deviations",
            },
        ],
    },
];

/// The entry for `name`, if it is a built-in strategy.
pub fn info(name: &str) -> Option<&'static StrategyInfo> {
    CATALOG.iter().find(|s| s.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strategies::{AnyStrategy, MAX_WINDOW, StrategySpec};

    #[test]
    fn every_strategy_is_listed_once_in_the_order_of_its_names() {
        let names: Vec<&str> = CATALOG.iter().map(|s| s.name).collect();
        assert_eq!(names, AnyStrategy::NAMES);
    }

    #[test]
    fn the_listed_defaults_are_the_defaults() {
        for s in CATALOG {
            let listed: Vec<(&str, &str)> = s.params.iter().map(|p| (p.name, p.default)).collect();
            assert_eq!(StrategySpec::parse(s.name, &listed), StrategySpec::parse(s.name, &[]), "{}", s.name);
            assert!(StrategySpec::parse(s.name, &[]).is_ok(), "{}", s.name);
        }
    }

    #[test]
    fn the_listed_ranges_are_the_rules() {
        // (strategy, parameter, the last value accepted, the first refused) at each end a range
        // names, with the other parameters at their defaults.
        let (max, past) = (MAX_WINDOW.to_string(), (MAX_WINDOW + 1).to_string());
        let (max, past) = (max.as_str(), past.as_str());
        let edges: &[(&str, &str, &str, &str)] = &[
            ("sma-cross", "fast", "1", "0"),
            ("sma-cross", "fast", "19", "20"),
            ("sma-cross", "slow", "11", "10"),
            ("rsi-reversion", "period", "2", "1"),
            ("rsi-reversion", "period", "999999", "1000000"),
            ("rsi-reversion", "lower", "0.01", "0"),
            ("rsi-reversion", "upper", "99.99", "100"),
            ("donchian", "entry", "1", "0"),
            ("donchian", "exit", "1", "0"),
            ("macd", "fast", "1", "0"),
            ("macd", "fast", "25", "26"),
            ("macd", "signal", "2", "1"),
            ("bollinger", "period", "2", "1"),
            ("bollinger", "k", "0.0001", "0"),
            ("bollinger", "k", "10", "10.0001"),
            ("bollinger", "k", "2.5555", "2.55555"),
        ];
        for &(name, param, ok, refused) in edges {
            assert!(StrategySpec::parse(name, &[(param, ok)]).is_ok(), "{name} {param}={ok}");
            assert!(StrategySpec::parse(name, &[(param, refused)]).is_err(), "{name} {param}={refused}");
        }
        for (name, param) in
            [("sma-cross", "slow"), ("donchian", "entry"), ("donchian", "exit"), ("bollinger", "period")]
        {
            assert!(StrategySpec::parse(name, &[(param, max)]).is_ok(), "{name} {param}={max}");
            assert!(StrategySpec::parse(name, &[(param, past)]).is_err(), "{name} {param}={past}");
            let range = info(name).and_then(|s| s.params.iter().find(|p| p.name == param)).map(|p| p.range);
            assert!(range.is_some_and(|r| r.ends_with(max)), "{name} {param}: {range:?}");
        }
        for param in ["slow", "signal"] {
            assert!(StrategySpec::parse("macd", &[(param, max)]).is_ok(), "macd {param}={max}");
            assert!(StrategySpec::parse("macd", &[(param, past)]).is_err(), "macd {param}={past}");
        }
    }
}
