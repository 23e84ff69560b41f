//! `Sizing`: how much a buy decision commits. Quantities are rounded down to the symbol's step so
//! orders pass LOT_SIZE, and never spend more cash than there is once the fee is paid.

use mirai_core::{Amount, Decimal, Price, Qty, SymbolRules};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sizing {
    /// Commit this fraction of equity (capped by available cash).
    FractionOfEquity(Decimal),
    /// Spend all available cash; with `whole_units`, buy a whole number of units the way
    /// backtesting.py does: floor(cash / (price × (1 + fee))).
    AllCash { whole_units: bool },
}

impl Default for Sizing {
    fn default() -> Self {
        Sizing::FractionOfEquity(Decimal::new(10, 2))
    }
}

impl Sizing {
    /// The fraction of equity the sizing aims for, as recorded on the decision.
    pub fn fraction(&self) -> Decimal {
        match self {
            Sizing::FractionOfEquity(f) => *f,
            Sizing::AllCash { .. } => Decimal::ONE,
        }
    }

    pub fn buy_qty(
        &self,
        cash: Amount,
        equity: Amount,
        price: Price,
        fee_rate: Decimal,
        rules: Option<&SymbolRules>,
    ) -> Qty {
        // `cash <= 0` by its sign, without a decimal comparison (zero includes `-0`).
        if price.is_zero() || cash.get().is_zero() || cash.get().is_sign_negative() {
            return Qty::ZERO;
        }
        let budget = match self {
            Sizing::FractionOfEquity(f) => equity.scale(*f).min(cash),
            Sizing::AllCash { .. } => cash,
        };
        let per_unit = price.get() * (Decimal::ONE + fee_rate);
        if *self == (Sizing::AllCash { whole_units: true }) && budget.get() < per_unit {
            // Not one whole unit affordable: answered by a comparison, not a division (a drained
            // account meets this on every buy signal for the rest of a backtest).
            return Qty::ZERO;
        }
        let raw = (budget.get() / per_unit).max(Decimal::ZERO);
        match (self, rules) {
            (Sizing::AllCash { whole_units: true }, _) => Qty::new(raw.floor()),
            (_, Some(r)) => r.round_qty_down(Qty::new(raw), true),
            // No exchange rules known: Binance's finest base precision.
            (_, None) => Qty::new(raw.trunc_with_scale(8)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn whole_units_match_backtesting_py() {
        let q = Sizing::AllCash { whole_units: true }.buy_qty(
            Amount::new(dec!(10000)),
            Amount::new(dec!(10000)),
            Price::new(dec!(300)),
            dec!(0.001),
            None,
        );
        // 10000 / (300 × 1.001) = 33.30…
        assert_eq!(q.get(), dec!(33));
    }

    #[test]
    fn fraction_of_equity_is_capped_by_cash_and_fee() {
        let s = Sizing::FractionOfEquity(dec!(0.1));
        let q = s.buy_qty(
            Amount::new(dec!(500)),
            Amount::new(dec!(10000)),
            Price::new(dec!(100)),
            dec!(0.001),
            None,
        );
        assert!(q.get() * dec!(100) * dec!(1.001) <= dec!(500));
        assert_eq!(q.get(), dec!(4.99500499));
        let q = s.buy_qty(
            Amount::new(dec!(10000)),
            Amount::new(dec!(10000)),
            Price::new(dec!(100)),
            dec!(0),
            None,
        );
        assert_eq!(q.get(), dec!(10));
    }
}
