//! `BacktestConfig`: what to test and how trades are simulated — cash, fee per side, slippage,
//! when market orders fill, how orders are sized, the risk limits and the advisor's stops.

use std::fmt;
use std::str::FromStr;

use mirai_core::{Asset, Decimal, LotSize, MAX_STARTING_CASH, Qty, RiskLimits, Symbol, SymbolRules};
use mirai_engine::{AnyStrategy, RuleBasedAdvisor};
use serde::{Deserialize, Serialize};

use crate::error::BacktestError;

/// When a market order from a signal on a bar's close fills.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FillAt {
    /// At the next bar's open, sized at that price (backtesting.py's and vectorbt's default).
    #[default]
    NextOpen,
    /// At the signal bar's close (backtesting.py's `trade_on_close=True`; how the worker trades).
    Close,
}

/// How much a buy takes: all the cash, in whole units or in the exchange's lot steps.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UnitSizing {
    /// floor(cash / (price × (1 + costs))) units, as backtesting.py sizes.
    #[default]
    Whole,
    /// As many lot steps (`step`) as the cash buys after costs.
    Fractional,
}

macro_rules! kebab_enum {
    ($t:ty, $what:literal, $($v:ident = $s:literal),+) => {
        impl FromStr for $t {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s.trim() {
                    $($s => Ok(Self::$v),)+
                    other => Err(format!(concat!("unknown ", $what, " {:?} (expected {})"), other, [$($s),+].join(" or "))),
                }
            }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(match self { $(Self::$v => $s,)+ })
            }
        }
    };
}
kebab_enum!(FillAt, "fill", NextOpen = "next-open", Close = "close");
kebab_enum!(UnitSizing, "sizing", Whole = "whole", Fractional = "fractional");

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BacktestConfig {
    /// The symbol the bars are treated as; its quote asset holds the cash.
    pub symbol: Symbol,
    pub strategy: String,
    pub params: Vec<(String, String)>,
    pub cash: Decimal,
    /// Commission per side as a fraction of notional (0.001 = 0.1 %).
    pub fee_rate: Decimal,
    /// How far a fill moves against the taker, in basis points.
    pub slippage_bps: Decimal,
    pub fill: FillAt,
    pub sizing: UnitSizing,
    /// The lot step for fractional sizing (Binance's finest, 0.00000001, by default).
    pub step: Decimal,
    /// The risk gates' limits. [`no_limits`] by default, to compare with engines that have none;
    /// the live limits apply exactly as live when given.
    pub limits: RiskLimits,
    pub stop_loss_pct: Option<Decimal>,
    pub take_profit_pct: Option<Decimal>,
    /// `Some(f)`: each buy commits this fraction of equity (capped by the cash), as the worker
    /// sizes (`Sizing::FractionOfEquity`, `POSITION_SIZE_PCT`), rounded down to the lot step and
    /// sized with the fee alone, as the worker sizes; `sizing` then does not apply. `None`: all
    /// the cash (`sizing`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position_size: Option<Decimal>,
    /// The exchange's filters for the symbol (the worker's for the replayed market, say: tick,
    /// lot step, minimum notional), in place of [`BacktestConfig::rules`]'s lot step alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbol_rules: Option<SymbolRules>,
    /// Keep every fill in [`crate::BacktestReport::fills`] (`mirai backtest --fills`), to compare
    /// with the worker's fill by fill. Off by default: a long run's fills are not kept.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub keep_fills: bool,
}

impl Default for BacktestConfig {
    fn default() -> Self {
        Self {
            symbol: Symbol::new("BTCUSDT"),
            strategy: "sma-cross".into(),
            params: Vec::new(),
            cash: Decimal::from(10_000),
            fee_rate: Decimal::new(1, 3),
            slippage_bps: Decimal::ZERO,
            fill: FillAt::NextOpen,
            sizing: UnitSizing::Whole,
            step: Decimal::new(1, 8),
            limits: no_limits(),
            stop_loss_pct: None,
            take_profit_pct: None,
            position_size: None,
            symbol_rules: None,
            keep_fills: false,
        }
    }
}

/// Limits that never bind but the kill switch's. `RiskLimits::unrestricted()` sets the
/// percentages to `Decimal::MAX`, and the gate's `equity × pct` then overflows and panics on the
/// first buy; a million times equity is as unlimited and stays in range.
pub fn no_limits() -> RiskLimits {
    let huge = Decimal::from(1_000_000);
    RiskLimits {
        max_position_pct: huge,
        max_total_exposure_pct: huge,
        max_daily_loss_pct: huge,
        ..RiskLimits::unrestricted()
    }
}

const QUOTES: [&str; 9] = ["FDUSD", "USDT", "USDC", "BUSD", "USD", "EUR", "BTC", "ETH", "BNB"];

impl BacktestConfig {
    /// Checks everything at once and builds the strategy.
    pub fn validate(&self) -> Result<AnyStrategy, BacktestError> {
        let mut problems = Vec::new();
        if self.cash <= Decimal::ZERO || self.cash > Decimal::from(MAX_STARTING_CASH) {
            problems.push(format!("cash {} must be above 0 and at most {MAX_STARTING_CASH}", self.cash));
        }
        if self.fee_rate < Decimal::ZERO || self.fee_rate >= Decimal::new(1, 1) {
            problems.push(format!("fee {} must be at least 0 and below 0.1 (10 %)", self.fee_rate));
        }
        if self.slippage_bps < Decimal::ZERO || self.slippage_bps > Decimal::from(1_000) {
            problems.push(format!("slippage {} bps must be between 0 and 1000", self.slippage_bps));
        }
        if self.step <= Decimal::ZERO {
            problems.push(format!("step {} must be positive", self.step));
        }
        for (name, pct) in [("stop-loss", self.stop_loss_pct), ("take-profit", self.take_profit_pct)] {
            if let Some(p) = pct
                && (p <= Decimal::ZERO || p >= Decimal::ONE)
            {
                problems.push(format!("{name} {p} must be a fraction between 0 and 1"));
            }
        }
        if let Some(f) = self.position_size
            && (f <= Decimal::ZERO || f > Decimal::ONE)
        {
            problems.push(format!("position size {f} must be a fraction above 0 and at most 1"));
        }
        if let Some(r) = &self.symbol_rules
            && r.symbol != self.symbol
        {
            problems.push(format!("the symbol rules are {}'s, not {}'s", r.symbol, self.symbol));
        }
        if let Err(errs) = self.limits.validate() {
            problems.extend(errs);
        }
        let pairs: Vec<(&str, &str)> = self.params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let strategy = AnyStrategy::from_spec(&self.strategy, &pairs);
        if let Err(e) = &strategy {
            problems.push(e.to_string());
        }
        if !problems.is_empty() {
            return Err(BacktestError::Config(problems));
        }
        Ok(strategy?)
    }

    /// The base and quote assets of the symbol: `BTCUSDT` is BTC and USDT; a symbol with no
    /// known quote suffix (`GOOG`) is its own base, quoted in USD.
    pub fn assets(&self) -> (Asset, Asset) {
        let s = self.symbol.as_str();
        for q in QUOTES {
            if let Some(base) = s.strip_suffix(q)
                && !base.is_empty()
                && let (Ok(b), Ok(q)) = (Asset::new_checked(base), Asset::new_checked(q))
            {
                return (b, q);
            }
        }
        let base = Asset::new_checked(&s[..s.len().min(Asset::MAX_LEN)]).unwrap_or(Asset::new("BASE"));
        let quote = if base.as_str() == "USD" { Asset::new("USDT") } else { Asset::new("USD") };
        (base, quote)
    }

    /// The exchange's rules for the symbol: [`BacktestConfig::symbol_rules`] when given, else
    /// the lot step of fractional sizing (or of a position size), no other filter (the reference
    /// engines apply none).
    pub fn rules(&self) -> SymbolRules {
        if let Some(rules) = &self.symbol_rules {
            return rules.clone();
        }
        let (base, quote) = self.assets();
        // Whole units need no LOT_SIZE: the sizing floors them and a whole holding sells whole.
        let lot = match (self.sizing, self.position_size) {
            (UnitSizing::Whole, None) => None,
            (UnitSizing::Fractional, _) | (_, Some(_)) => Some(LotSize {
                min_qty: Qty::ZERO,
                max_qty: Qty::ZERO,
                step_size: Qty::new_checked(self.step).unwrap_or_default(),
            }),
        };
        SymbolRules {
            symbol: self.symbol,
            base,
            quote,
            price_filter: None,
            lot_size: lot,
            market_lot_size: None,
            notional: None,
        }
    }

    /// The cost rate a buy is sized with: fee and slippage together, so an all-cash buy always
    /// fits the cash the exchange will ask for. With a position size, the fee alone, as the
    /// worker sizes (its buys leave the rest of the cash for the slippage).
    pub fn sizing_cost_rate(&self) -> Decimal {
        if self.position_size.is_some() {
            return self.fee_rate;
        }
        let slip = self.slippage_bps / Decimal::from(10_000);
        self.fee_rate + slip + self.fee_rate * slip
    }

    /// The advisor of a backtest: the configured stops, and no rationale text (a backtest's
    /// decisions are counted, never stored or shown; confidence and stops do not depend on it).
    pub fn advisor(&self) -> RuleBasedAdvisor {
        RuleBasedAdvisor {
            stop_loss_pct: self.stop_loss_pct,
            take_profit_pct: self.take_profit_pct,
            explain: false,
        }
    }

    /// How buys are sized, for tables and reports: `whole units`, `fractional units`, or
    /// `10 % of equity a buy`.
    pub fn sizing_text(&self) -> String {
        match self.position_size {
            Some(f) => format!("{} % of equity a buy", (f * Decimal::ONE_HUNDRED).normalize()),
            None => format!("{} units", self.sizing),
        }
    }

    /// `strategy fast=10 slow=20`, for tables and reports.
    pub fn describe(&self) -> String {
        let mut s = self.strategy.clone();
        for (k, v) in &self.params {
            s.push_str(&format!(" {k}={v}"));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_is_reported_at_once() {
        let c = BacktestConfig {
            cash: Decimal::ZERO,
            fee_rate: Decimal::ONE,
            slippage_bps: Decimal::from(-1),
            params: vec![("fast".into(), "30".into()), ("slow".into(), "20".into())],
            stop_loss_pct: Some(Decimal::from(2)),
            ..BacktestConfig::default()
        };
        let BacktestError::Config(problems) = c.validate().unwrap_err() else { panic!("not a config error") };
        assert_eq!(problems.len(), 5, "{problems:?}");
        assert!(problems.iter().any(|p| p.contains("must be shorter")), "{problems:?}");
        assert!(BacktestConfig::default().validate().is_ok());
    }

    #[test]
    fn assets_come_from_the_symbol() {
        let with = |s: &str| BacktestConfig { symbol: Symbol::new(s), ..BacktestConfig::default() }.assets();
        assert_eq!(with("BTCUSDT"), (Asset::new("BTC"), Asset::new("USDT")));
        assert_eq!(with("ETHBTC"), (Asset::new("ETH"), Asset::new("BTC")));
        assert_eq!(with("GOOG"), (Asset::new("GOOG"), Asset::new("USD")));
        assert_eq!(with("USD"), (Asset::new("USD"), Asset::new("USDT")));
        assert_eq!("next-open".parse::<FillAt>(), Ok(FillAt::NextOpen));
        assert!("open".parse::<FillAt>().unwrap_err().contains("next-open or close"));
    }
}
