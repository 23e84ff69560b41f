//! `Ema`: the exponential moving average, seeded as TA-Lib's `EMA` and StockCharts seed it: its
//! first value is the simple average of the first `period` inputs; from then on each input moves
//! it by `alpha = 2 / (period + 1)`:
//!
//! `ema_t = ema_(t-1) + alpha × (x_t − ema_(t-1)) = (2 × x_t + (period − 1) × ema_(t-1)) / (period + 1)`.
//!
//! In `Decimal`, as [`super::Rsi`] is. An EMA's exact value is a fraction with `(period + 1)^t`
//! below it, which no finite decimal holds in general, so the second form is used: one division
//! a step, hence one rounding a step, to `Decimal`'s 28 significant digits, by `rust_decimal`'s
//! integer arithmetic — the same digits on every machine. Whenever `alpha` and the inputs make
//! the result a short decimal (periods 1, 3, 4, 7, 9, 19, 24, … on prices of few decimals), it is
//! exact. Arithmetic past `Decimal`'s range (a price near 10^22 with a long period) does not
//! panic: the average starts over, seeding again from the next input.

use mirai_core::Decimal;

#[derive(Clone, Debug)]
pub struct Ema {
    period: u32,
    /// Inputs summed toward the seed, while there is no value yet.
    seeded: u32,
    sum: Decimal,
    value: Option<Decimal>,
    /// `period − 1` and `period + 1`, once.
    keep: Decimal,
    den: Decimal,
}

impl Ema {
    /// `period` of at least 1 (strategies validate their parameters before building one).
    pub fn new(period: u32) -> Self {
        let period = period.max(1);
        Self {
            period,
            seeded: 0,
            sum: Decimal::ZERO,
            value: None,
            keep: Decimal::from(period - 1),
            den: Decimal::from(period) + Decimal::ONE,
        }
    }

    pub fn period(&self) -> u32 {
        self.period
    }

    #[inline]
    pub fn update(&mut self, x: Decimal) {
        let next = match self.value {
            Some(e) => e
                .checked_mul(self.keep)
                .and_then(|k| x.checked_add(x)?.checked_add(k))
                .and_then(|n| n.checked_div(self.den)),
            None => return self.seed(x),
        };
        if next.is_none() {
            self.reset();
        }
        self.value = next;
    }

    /// One more input toward the seed: the mean of the first `period`.
    #[cold]
    fn seed(&mut self, x: Decimal) {
        let Some(sum) = self.sum.checked_add(x) else { return self.reset() };
        self.sum = sum;
        self.seeded += 1;
        if self.seeded == self.period {
            self.value = sum.checked_div(Decimal::from(self.period));
            if self.value.is_none() {
                self.reset();
            }
        }
    }

    /// Forgets everything: the next `period` inputs seed it again.
    pub fn reset(&mut self) {
        self.seeded = 0;
        self.sum = Decimal::ZERO;
        self.value = None;
    }

    /// The average, once `period` inputs have been seen.
    #[inline]
    pub fn value(&self) -> Option<Decimal> {
        self.value
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn seeded_with_the_simple_average_then_alpha_two_over_n_plus_one() {
        let mut e = Ema::new(3);
        let mut seen = Vec::new();
        for v in [dec!(1), dec!(2), dec!(3), dec!(4), dec!(8)] {
            e.update(v);
            seen.push(e.value());
        }
        // Seed (1 + 2 + 3) / 3 = 2 on the third input; alpha = 2/4: (2×4 + 2×2) / 4 = 3, then
        // (2×8 + 2×3) / 4 = 5.5.
        assert_eq!(seen, [None, None, Some(dec!(2)), Some(dec!(3)), Some(dec!(5.5))]);
    }

    #[test]
    fn a_period_of_twelve_rounds_once_a_step_to_28_digits() {
        // alpha = 2/13: closes 1..=13, seed (1 + … + 12) / 12 = 6.5, then (2×13 + 11×6.5) / 13
        // = 97.5 / 13 = 7.5 exactly; then (2×10 + 11×7.5) / 13 = 102.5 / 13 = 7.884615384615…
        let mut e = Ema::new(12);
        for v in 1..=13 {
            e.update(Decimal::from(v));
        }
        assert_eq!(e.value(), Some(dec!(7.5)));
        e.update(dec!(10));
        assert_eq!(e.value(), Some(dec!(7.8846153846153846153846153846)));
        // The next step starts from that rounded value: (2×10 + 11 × 7.88461538…46) / 13.
        e.update(dec!(10));
        assert_eq!(e.value().map(|v| v.round_dp(20)), Some(dec!(8.21005917159763313609)));
    }

    #[test]
    fn overflow_starts_the_average_over_instead_of_panicking() {
        let mut e = Ema::new(2);
        e.update(Decimal::MAX);
        e.update(Decimal::MAX);
        assert_eq!(e.value(), None, "the seed's sum overflowed: seeding again");
        e.update(dec!(1));
        e.update(dec!(3));
        assert_eq!(e.value(), Some(dec!(2)));
        e.update(Decimal::MAX);
        assert_eq!(e.value(), None, "2 × MAX overflowed: seeding again");
        e.update(dec!(1));
        e.update(dec!(5));
        assert_eq!(e.value(), Some(dec!(3)));
    }
}
