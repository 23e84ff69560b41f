//! `PaperConfig`: fees, slippage, the symbols traded and the opening balances, validated at once.

use std::collections::BTreeSet;

use mirai_core::{Asset, Decimal, SymbolRules};
use thiserror::Error;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaperConfig {
    /// Charged on every fill, maker or taker, in the quote asset (0.001 = 0.1 %, Binance's base
    /// spot rate).
    pub fee_rate: Decimal,
    /// How far a taker's price moves against it, in basis points of the reference price.
    pub slippage_bps: Decimal,
    /// The symbols that can be traded; any other answers -1121 like Binance.
    pub rules: Vec<SymbolRules>,
    /// Free balances at start.
    pub balances: Vec<(Asset, Decimal)>,
}

impl Default for PaperConfig {
    fn default() -> Self {
        Self {
            fee_rate: Decimal::new(1, 3),
            slippage_bps: Decimal::ZERO,
            rules: Vec::new(),
            balances: Vec::new(),
        }
    }
}

/// Every problem found in a [`PaperConfig`], reported together.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("invalid paper exchange config: {}", .problems.join("; "))]
pub struct ConfigError {
    pub problems: Vec<String>,
}

impl PaperConfig {
    pub fn validate(&self) -> Result<(), ConfigError> {
        let mut problems = Vec::new();
        // A rate of 1 or more would make a seller pay to sell; a negative one pays traders.
        if self.fee_rate < Decimal::ZERO || self.fee_rate >= Decimal::ONE {
            problems.push(format!("fee_rate {} must be in [0, 1)", self.fee_rate));
        }
        if self.slippage_bps < Decimal::ZERO || self.slippage_bps >= Decimal::from(10_000) {
            problems.push(format!("slippage_bps {} must be in [0, 10000)", self.slippage_bps));
        }
        let mut symbols = BTreeSet::new();
        for r in &self.rules {
            if !symbols.insert(r.symbol) {
                problems.push(format!("symbol {} has rules twice", r.symbol));
            }
            if r.base == r.quote {
                problems.push(format!("symbol {} has the same base and quote", r.symbol));
            }
        }
        let mut assets = BTreeSet::new();
        for (asset, amount) in &self.balances {
            if !assets.insert(*asset) {
                problems.push(format!("asset {asset} has an opening balance twice"));
            }
            if amount.is_sign_negative() && !amount.is_zero() {
                problems.push(format!("opening balance of {asset} is negative ({amount})"));
            }
        }
        if problems.is_empty() { Ok(()) } else { Err(ConfigError { problems }) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mirai_core::Symbol;

    #[test]
    fn every_problem_is_reported_at_once() {
        let rules = SymbolRules {
            symbol: Symbol::new("BTCBTC"),
            base: Asset::new("BTC"),
            quote: Asset::new("BTC"),
            price_filter: None,
            lot_size: None,
            market_lot_size: None,
            notional: None,
        };
        let cfg = PaperConfig {
            fee_rate: Decimal::ONE,
            slippage_bps: Decimal::NEGATIVE_ONE,
            rules: vec![rules.clone(), rules],
            balances: vec![(Asset::new("USDT"), Decimal::NEGATIVE_ONE)],
        };
        let err = cfg.validate().err().map(|e| e.problems.len());
        assert_eq!(err, Some(6));
        assert_eq!(PaperConfig::default().validate(), Ok(()));
    }
}
