//! `Sma`: the simple moving average over a fixed window, kept as an exact running sum.
//!
//! The window and the sum are integer mantissas at the finest scale seen so far (prices of two or
//! eight decimals keep one scale for ever), so an update is an integer add and subtract rather
//! than two `Decimal` operations that each rescale. This is the hot path of every backtest. Should
//! a value ever not fit (more than 38 digits at that scale), the average continues in `Decimal`,
//! still exactly.

use std::cmp::Ordering;

use mirai_core::Decimal;

use super::fixed::{at_scale, pow10, to_decimal};

#[derive(Clone, Debug)]
pub struct Sma {
    period: usize,
    next: usize,
    filled: usize,
    repr: Repr,
}

#[derive(Clone, Debug)]
enum Repr {
    /// Mantissas at `scale`; `sum` is exactly the sum of `window`.
    Fixed { scale: u32, window: Vec<i128>, sum: i128 },
    /// The fallback once a value does not fit an `i128` at the common scale.
    Exact { window: Vec<Decimal>, sum: Decimal },
}

impl Sma {
    /// `period` must be at least 1 (strategies validate their parameters before building one).
    pub fn new(period: usize) -> Self {
        let period = period.max(1);
        Self { period, next: 0, filled: 0, repr: Repr::Fixed { scale: 0, window: vec![0; period], sum: 0 } }
    }

    pub fn period(&self) -> usize {
        self.period
    }

    #[inline]
    pub fn update(&mut self, value: Decimal) {
        let slot = self.next;
        self.next = if slot + 1 == self.period { 0 } else { slot + 1 };
        self.filled += usize::from(self.filled < self.period);
        // The common case inline: a value at the window's scale, sums in range.
        if let Repr::Fixed { scale, window, sum } = &mut self.repr
            && value.scale() == *scale
            && let Some(old) = window.get_mut(slot)
        {
            let m = value.mantissa();
            if let Some(s) = sum.checked_add(m).and_then(|s| s.checked_sub(*old)) {
                *sum = s;
                *old = m;
                return;
            }
        }
        self.update_rare(slot, value);
    }

    /// A value at another scale, an overflow, or the `Decimal` fallback.
    #[cold]
    #[inline(never)]
    fn update_rare(&mut self, slot: usize, value: Decimal) {
        if let Repr::Fixed { scale, window, sum } = &mut self.repr {
            let fitted = match at_scale(value, *scale) {
                Some(m) => Some(m),
                None => rescale(scale, window, sum, value.scale()).then(|| at_scale(value, *scale)).flatten(),
            };
            if let Some(m) = fitted
                && let Some(s) = m.checked_sub(window[slot]).and_then(|d| sum.checked_add(d))
            {
                *sum = s;
                window[slot] = m;
                return;
            }
            self.repr = self.to_exact();
        }
        if let Repr::Exact { window, sum } = &mut self.repr {
            *sum += value - std::mem::replace(&mut window[slot], value);
        }
    }

    /// The same window in `Decimal`. Every mantissa came from a `Decimal`, so each converts back.
    fn to_exact(&self) -> Repr {
        match &self.repr {
            Repr::Fixed { scale, window, .. } => {
                let window: Vec<Decimal> =
                    window.iter().map(|&m| to_decimal(m, *scale).unwrap_or_default()).collect();
                let sum = window.iter().copied().sum();
                Repr::Exact { window, sum }
            }
            exact @ Repr::Exact { .. } => exact.clone(),
        }
    }

    #[inline]
    pub fn is_ready(&self) -> bool {
        self.filled == self.period
    }

    /// The running sum of the window; comparing `sum_a * period_b` with `sum_b * period_a` compares
    /// two averages exactly without dividing (see [`Sma::cmp_mean`]).
    pub fn sum(&self) -> Decimal {
        match &self.repr {
            Repr::Fixed { scale, sum, .. } => to_decimal(*sum, *scale).unwrap_or(Decimal::MAX),
            Repr::Exact { sum, .. } => *sum,
        }
    }

    /// The sum as an integer mantissa and its scale, while the window is in fixed point.
    pub fn fixed_sum(&self) -> Option<(i128, u32)> {
        match &self.repr {
            Repr::Fixed { scale, sum, .. } => Some((*sum, *scale)),
            Repr::Exact { .. } => None,
        }
    }

    pub fn value(&self) -> Option<Decimal> {
        self.is_ready().then(|| self.sum() / Decimal::from(self.period as u64))
    }

    /// Compares this average with `other`'s exactly, by cross-multiplying the sums by the periods.
    #[inline]
    pub fn cmp_mean(&self, other: &Sma) -> Ordering {
        // Below 2^95 times a period below 2^32 no product can overflow, so the multiplications
        // need no overflow check (an i128 `checked_mul` is a library call).
        const SAFE: u128 = 1 << 95;
        if let (Repr::Fixed { scale: sa, sum: a, .. }, Repr::Fixed { scale: sb, sum: b, .. }) =
            (&self.repr, &other.repr)
            && sa == sb
            && a.unsigned_abs() < SAFE
            && b.unsigned_abs() < SAFE
            && let (Ok(pa), Ok(pb)) = (u32::try_from(self.period), u32::try_from(other.period))
        {
            return (a * i128::from(pb)).cmp(&(b * i128::from(pa)));
        }
        let lhs = self.sum() * Decimal::from(other.period as u64);
        let rhs = other.sum() * Decimal::from(self.period as u64);
        lhs.cmp(&rhs)
    }
}

/// Moves the window to the finer scale `to`; false (window untouched) if that would overflow.
#[cold]
fn rescale(scale: &mut u32, window: &mut [i128], sum: &mut i128, to: u32) -> bool {
    let Some(f) = to.checked_sub(*scale).and_then(pow10) else { return false };
    let Some(new_sum) = sum.checked_mul(f) else { return false };
    if window.iter().any(|m| m.checked_mul(f).is_none()) {
        return false;
    }
    window.iter_mut().for_each(|m| *m *= f);
    *sum = new_sum;
    *scale = to;
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    #[test]
    fn rolls_exactly() {
        let mut s = Sma::new(3);
        for v in [dec!(1), dec!(2)] {
            s.update(v);
        }
        assert_eq!(s.value(), None);
        s.update(dec!(3.3));
        assert_eq!(s.value(), Some(dec!(2.1)));
        s.update(dec!(0.1));
        assert_eq!(s.sum(), dec!(5.4));
        assert_eq!(s.value(), Some(dec!(1.8)));
    }

    #[test]
    fn huge_values_fall_back_to_decimal_without_losing_exactness() {
        let mut s = Sma::new(2);
        s.update(dec!(0.0000000000000000000000000001));
        // At scale 28 this needs 10^56: far past an i128, so the window moves to Decimal.
        s.update(dec!(79228162514264337593543950));
        assert_eq!(s.sum(), dec!(79228162514264337593543950.000));
        s.update(dec!(1));
        assert_eq!(s.sum(), dec!(79228162514264337593543951));
        let mut small = Sma::new(2);
        small.update(dec!(1));
        small.update(dec!(1));
        assert_eq!(s.cmp_mean(&small), Ordering::Greater);
    }

    proptest! {
        /// Whatever the scales of the inputs, the fixed-point sum equals the plain Decimal sum of
        /// the last `period` values, and averages compare exactly as Decimal averages do.
        #[test]
        fn fixed_point_matches_decimal(
            values in proptest::collection::vec((1i64..10_000_000_000, 0u32..9), 1..80),
            period in 1usize..12,
        ) {
            let mut sma = Sma::new(period);
            let mut other = Sma::new(period + 1);
            let mut seen: Vec<Decimal> = Vec::new();
            for (m, s) in values {
                let v = Decimal::new(m, s);
                sma.update(v);
                other.update(v);
                seen.push(v);
                let tail: Decimal = seen.iter().rev().take(period).copied().sum();
                prop_assert_eq!(sma.sum(), tail);
                if sma.is_ready() && other.is_ready() {
                    let tail2: Decimal = seen.iter().rev().take(period + 1).copied().sum();
                    let want = (tail * Decimal::from(period as u64 + 1)).cmp(&(tail2 * Decimal::from(period as u64)));
                    prop_assert_eq!(sma.cmp_mean(&other), want);
                }
            }
        }
    }
}
