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
        // The common whole-unit buy in integers: `rust_decimal`'s division is the costliest step
        // of a decision, and its floored quotient is known exactly whenever the fast path answers
        // (not one unit affordable, as a drained account meets on every buy signal for the rest
        // of a backtest, by a comparison of the same integers).
        if whole && let Some(units) = whole_units(budget.get(), price.get(), cost_factor) {
            return if units == 0 { Qty::ZERO } else { Qty::new(Decimal::from(units)) };
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

/// `floor(budget / (price × factor))` as `(budget / (price * factor)).floor()` gives it in
/// `Decimal`, computed in `i128`; `None` (use `Decimal`) when an input is negative, when the
/// product is not exactly what `Decimal` multiplication gives, on any overflow, or when the
/// quotient is so close below a whole number (one and more) that `Decimal`'s division, which
/// keeps 28 digits and rounds the last, could round it up to that number. Below one unit the
/// answer is zero by the comparison alone, as the `Decimal` path's own `budget < per_unit`.
#[inline]
fn whole_units(budget: Decimal, price: Decimal, factor: Decimal) -> Option<u64> {
    if budget.is_sign_negative() || price.is_sign_negative() || factor.is_sign_negative() {
        return None;
    }
    let cost = price.mantissa().checked_mul(factor.mantissa())?;
    let cost_scale = price.scale() + factor.scale();
    if cost == 0 || cost >= 1i128 << 96 || cost_scale > 28 {
        return None;
    }
    // budget / cost-per-unit = (b × 10^-bs) / (cost × 10^-cs) = (b × 10^cs) / (cost × 10^bs).
    let (b, b_scale) = (budget.mantissa(), budget.scale());
    let (n, d) = if b_scale <= cost_scale {
        (b.checked_mul(pow10(cost_scale - b_scale)?)?, cost)
    } else {
        (b, cost.checked_mul(pow10(b_scale - cost_scale)?)?)
    };
    // Not one unit: exact by the comparison alone, however near the next unit the quotient is.
    if n < d {
        return Some(0);
    }
    let (q, r) = (n / d, n % d);
    // Below 10^18 the decimal quotient keeps at least ten decimals (10^28 < 2^96), so it is
    // rounded by at most 10^-10; a fraction at most 1 - 10^-9 (ten times that step, a margin
    // that costs nothing: such budgets are rare) cannot round up to the next whole number, so
    // the floors agree. Anything closer is left to `Decimal`.
    if q >= 1_000_000_000_000_000_000 || (r != 0 && (d - r).checked_mul(1_000_000_000)? < d) {
        return None;
    }
    u64::try_from(q).ok()
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
        /// "Not one unit" in integers agrees with the decimal comparison wherever it answers.
        #[test]
        fn below_cost_agrees_with_decimal(b in 0i64..=i64::MAX, bs in 0u32..=28, p in 0i64..=i64::MAX, ps in 0u32..=20, f in 0i64..=10_000_000, fs in 0u32..=10) {
            let (budget, price, factor) = (Decimal::new(b, bs), Decimal::new(p, ps), Decimal::new(f, fs));
            if let Some(units) = whole_units(budget, price, factor) {
                proptest::prop_assert_eq!(units == 0, budget < price * factor);
            }
        }
    }

    /// The sizing's whole-unit answer by the `Decimal` path alone, as it was before the integer
    /// fast path.
    fn whole_units_by_decimal(budget: Decimal, price: Decimal, factor: Decimal) -> Decimal {
        let per_unit = price * factor;
        if budget < per_unit {
            return Decimal::ZERO;
        }
        (budget / per_unit).max(Decimal::ZERO).floor()
    }

    /// Wherever the integer path answers, its quantity is the `Decimal` path's, byte for byte
    /// (value and scale).
    fn check_whole_units(
        budget: Decimal,
        price: Decimal,
        factor: Decimal,
    ) -> Result<(), proptest::test_runner::TestCaseError> {
        if let Some(units) = whole_units(budget, price, factor) {
            let fast = Decimal::from(units);
            let slow = whole_units_by_decimal(budget, price, factor);
            proptest::prop_assert_eq!(
                fast.serialize(),
                slow.serialize(),
                "{} / ({} * {}): {} against {}",
                budget,
                price,
                factor,
                fast,
                slow
            );
        }
        Ok(())
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(20_000))]

        /// Wide ranges of mantissas and scales.
        #[test]
        fn whole_units_agree_with_decimal(b in 0i64..=i64::MAX, bs in 0u32..=28, p in 1i64..=i64::MAX, ps in 0u32..=28, f in 1i64..=i64::MAX, fs in 0u32..=28) {
            check_whole_units(Decimal::new(b, bs), Decimal::new(p, ps), Decimal::new(f, fs))?;
        }

        /// Trading-like inputs: cash in cents to 1e12 at scales 0 to 12, prices with up to 8
        /// decimals, a fee factor just above one.
        #[test]
        fn whole_units_agree_with_decimal_near_trading(b in 1i64..=1_000_000_000_000_000, bs in 0u32..=12, p in 1i64..=10_000_000_000_000, ps in 0u32..=8, f in 0i64..=100_000, fs in 3u32..=8) {
            let factor = Decimal::ONE + Decimal::new(f, fs);
            check_whole_units(Decimal::new(b, bs), Decimal::new(p, ps), factor)?;
        }

        /// Budgets a hair either side of a whole number of units (and exactly on one), where a
        /// rounded quotient could land on the next unit.
        #[test]
        fn whole_units_agree_with_decimal_at_whole_numbers(k in 1i64..=1_000_000_000_000, p in 1i64..=10_000_000_000, ps in 0u32..=8, f in 0i64..=100_000, fs in 3u32..=8, extra in 0u32..=28, delta in -3i64..=3) {
            let factor = Decimal::ONE + Decimal::new(f, fs);
            let price = Decimal::new(p, ps);
            let Some(exact) = Decimal::from(k).checked_mul(price * factor) else { return Ok(()) };
            let Some(tiny) = Decimal::try_new(delta, extra).ok() else { return Ok(()) };
            let Some(budget) = exact.checked_add(tiny) else { return Ok(()) };
            check_whole_units(budget, price, factor)?;
        }
    }

    #[test]
    fn whole_units_edges() {
        let one = Decimal::ONE;
        // Exactly whole, a hair below (not one unit: zero by the comparison, however near), and
        // the 96-bit and scale limits.
        assert_eq!(whole_units(dec!(100.6005), dec!(100.5), dec!(1.001)), Some(1));
        assert_eq!(whole_units(dec!(100.6004999999999999999), dec!(100.5), dec!(1.001)), Some(0));
        // A hair below two units is still left to `Decimal`.
        assert_eq!(whole_units(dec!(201.2009999999999999999), dec!(100.5), dec!(1.001)), None);
        assert_eq!(whole_units(dec!(100.60049), dec!(100.5), dec!(1.001)), Some(0));
        assert_eq!(whole_units(dec!(10000), dec!(300), dec!(1.001)), Some(33));
        assert_eq!(whole_units(Decimal::MAX, one, one), None, "quotient of 10^18 and more");
        assert_eq!(whole_units(Decimal::MAX, Decimal::MAX, one), Some(1));
        assert_eq!(whole_units(Decimal::MAX, Decimal::MAX, dec!(1.1)), None, "product wider than 96 bits");
        // 1.99999999999999999999999999996…: `Decimal` rounds the quotient to 2, so its floor is
        // 2 where the exact one is 1; the fast path leaves it alone.
        let (b, p) = (dec!(5.9999999999999999999999999999), dec!(3));
        assert_eq!(whole_units_by_decimal(b, p, one), dec!(2));
        assert_eq!(whole_units(b, p, one), None);
        assert_eq!(whole_units(dec!(-1), one, one), None);
        assert_eq!(whole_units(one, Decimal::new(1, 28), Decimal::new(1, 1)), None, "scale 29");
        for (b, p, f) in [
            (dec!(100.6005), dec!(100.5), dec!(1.001)),
            (dec!(100.6004999999999999999), dec!(100.5), dec!(1.001)),
            (Decimal::MAX, Decimal::MAX, one),
            (Decimal::new(1, 28), Decimal::new(3, 28), one),
            (dec!(999999999999999999.9999999999), one, one),
            (dec!(0.0000000000000000000000000001), Decimal::new(1, 28), one),
        ] {
            check_whole_units(b, p, f).unwrap_or_else(|e| panic!("{e}"));
        }
    }

    #[test]
    fn below_cost_answers_the_common_case_and_ties() {
        assert_eq!(whole_units(dec!(27.51539), dec!(100.5), dec!(1.001)), Some(0));
        assert_eq!(whole_units(dec!(100.6005), dec!(100.5), dec!(1.001)), Some(1), "equal is not below");
        // A hair below one unit: zero, answered in integers however near the quotient is to one.
        assert_eq!(whole_units(dec!(100.600499999), dec!(100.5), dec!(1.001)), Some(0));
        assert_eq!(whole_units(dec!(-1), dec!(100.5), dec!(1.001)), None);
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
