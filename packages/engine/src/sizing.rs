//! `Sizing`: how much a buy decision commits. Quantities are rounded down to the symbol's step so
//! orders pass LOT_SIZE, and never spend more cash than there is once the fee is paid.

use mirai_core::{Amount, Decimal, Price, Qty, SymbolRules};

use crate::indicators::fixed::pow10;

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
        self.buy_qty_at_cost(cash, equity, price, Decimal::ONE + fee_rate, rules)
    }

    /// As [`Sizing::buy_qty`] with the cost of a unit of price given as `1 + fee_rate`, which the
    /// engine works out once instead of on every buy.
    #[inline]
    pub fn buy_qty_at_cost(
        &self,
        cash: Amount,
        equity: Amount,
        price: Price,
        cost_factor: Decimal,
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
        let whole = *self == (Sizing::AllCash { whole_units: true });
        // Not one whole unit affordable: answered by a comparison, not a division, and in
        // integers when they are exact (a drained account meets this on every buy signal for the
        // rest of a backtest).
        if whole && below_cost(budget.get(), price.get(), cost_factor) == Some(true) {
            return Qty::ZERO;
        }
        let per_unit = price.get() * cost_factor;
        if whole && budget.get() < per_unit {
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

/// Whether `budget < price × factor`, decided in integers when that product is exactly what
/// `Decimal` multiplication gives (it fits 96 bits at a scale of at most 28); `None` otherwise.
#[inline]
fn below_cost(budget: Decimal, price: Decimal, factor: Decimal) -> Option<bool> {
    if budget.is_sign_negative() || price.is_sign_negative() || factor.is_sign_negative() {
        return None;
    }
    let cost = price.mantissa().checked_mul(factor.mantissa())?;
    let cost_scale = price.scale() + factor.scale();
    if cost >= 1i128 << 96 || cost_scale > 28 {
        return None;
    }
    let (b, b_scale) = (budget.mantissa(), budget.scale());
    Some(if b_scale <= cost_scale {
        b.checked_mul(pow10(cost_scale - b_scale)?)? < cost
    } else {
        b < cost.checked_mul(pow10(b_scale - cost_scale)?)?
    })
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

    proptest::proptest! {
        /// The integer comparison agrees with the decimal one wherever it answers.
        #[test]
        fn below_cost_agrees_with_decimal(b in 0i64..=i64::MAX, bs in 0u32..=28, p in 0i64..=i64::MAX, ps in 0u32..=20, f in 0i64..=10_000_000, fs in 0u32..=10) {
            let (budget, price, factor) = (Decimal::new(b, bs), Decimal::new(p, ps), Decimal::new(f, fs));
            if let Some(below) = below_cost(budget, price, factor) {
                proptest::prop_assert_eq!(below, budget < price * factor);
            }
        }
    }

    #[test]
    fn below_cost_answers_the_common_case_and_ties() {
        assert_eq!(below_cost(dec!(27.51539), dec!(100.5), dec!(1.001)), Some(true));
        assert_eq!(below_cost(dec!(100.6005), dec!(100.5), dec!(1.001)), Some(false), "equal is not below");
        assert_eq!(below_cost(dec!(100.600499999), dec!(100.5), dec!(1.001)), Some(true));
        assert_eq!(below_cost(dec!(-1), dec!(100.5), dec!(1.001)), None);
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
