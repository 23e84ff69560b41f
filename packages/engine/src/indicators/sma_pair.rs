//! `SmaPair`: a fast and a slow simple moving average of one series, sharing one window.
//!
//! A crossover strategy needs both averages of every close and their comparison. Two separate
//! [`Sma`]s keep two windows and check scales and overflow twice; the pair keeps the last `slow`
//! mantissas once, at one scale, as `i64`, and updates both sums from it: the value leaving the
//! fast window is the one written `fast` bars ago. Every value is checked once against a bound
//! (`i64::MAX / slow²`) under which no sum of `slow` of them, nor a sum times a period, can
//! overflow an `i64`, so neither the sums nor their comparison need checked or wide arithmetic.
//! Exactly the same sums as `Decimal` would give, far cheaper (docs/benchmarks.md). Anything
//! unusual — a value at a finer scale that does not fit, a value past the bound — moves the pair
//! to two plain [`Sma`]s, replaying the window, so results stay exact.

use std::cmp::Ordering;

use mirai_core::Decimal;

use super::Sma;
use super::fixed::{pow10, to_decimal};

#[derive(Clone, Debug)]
pub struct SmaPair {
    fast: usize,
    slow: usize,
    repr: Repr,
}

#[derive(Clone, Debug)]
enum Repr {
    /// `ring` holds the last `slow` mantissas at `scale` (zeros before it fills); `pos` is where
    /// the next one goes and `fast_pos` the one leaving the fast window. Every mantissa is below
    /// `bound` in magnitude, so each sum (of at most `slow` of them), every partial sum on the
    /// way, and each sum times either period fit an `i64`. `missing` counts the values still needed to fill the window.
    Shared {
        ring: Vec<i64>,
        pos: usize,
        fast_pos: usize,
        missing: usize,
        scale: u32,
        bound: u64,
        fast_sum: i64,
        slow_sum: i64,
    },
    /// The fallback: two independent averages.
    Apart { fast: Sma, slow: Sma },
}

impl SmaPair {
    /// Periods of at least 1; `fast` should be the shorter (strategies validate this).
    pub fn new(fast: usize, slow: usize) -> Self {
        let (fast, slow) = (fast.max(1), slow.max(1));
        let repr = if fast <= slow && u32::try_from(slow).is_ok() {
            Repr::Shared {
                ring: vec![0; slow],
                pos: 0,
                fast_pos: slow - fast,
                missing: slow,
                scale: 0,
                bound: (i64::MAX as u128 / (slow as u128 * slow as u128)) as u64,
                fast_sum: 0,
                slow_sum: 0,
            }
        } else {
            Repr::Apart { fast: Sma::new(fast), slow: Sma::new(slow) }
        };
        Self { fast, slow, repr }
    }

    pub fn fast_period(&self) -> usize {
        self.fast
    }

    pub fn slow_period(&self) -> usize {
        self.slow
    }

    #[inline(always)]
    pub fn update(&mut self, value: Decimal) {
        // The decimal's own words (no `i128` built and narrowed again): a mantissa within 64
        // bits at the window's scale and below the bound is the common case.
        let u = value.unpack();
        let magnitude = (u64::from(u.mid) << 32) | u64::from(u.lo);
        if let Repr::Shared { scale, bound, .. } = &self.repr
            && u.hi == 0
            && u.scale == *scale
            && magnitude < *bound
        {
            // Below the bound, so below `i64::MAX`: the cast is exact.
            let m = magnitude as i64;
            self.push_shared(if u.negative { -m } else { m });
            return;
        }
        self.update_rare(value);
    }

    /// Adds a mantissa at the window's scale and below its bound.
    #[inline(always)]
    fn push_shared(&mut self, m: i64) {
        let slow = self.slow;
        let Repr::Shared { ring, pos, fast_pos, missing, fast_sum, slow_sum, .. } = &mut self.repr else {
            return;
        };
        let (p, f) = (*pos, *fast_pos);
        let (Some(&old_slow), Some(&old_fast)) = (ring.get(p), ring.get(f)) else {
            return;
        };
        // Take out first, then add: each step stays a sum of at most `slow` bounded values.
        *fast_sum = *fast_sum - old_fast + m;
        *slow_sum = *slow_sum - old_slow + m;
        ring[p] = m;
        *pos = if p + 1 == slow { 0 } else { p + 1 };
        *fast_pos = if f + 1 == slow { 0 } else { f + 1 };
        *missing = missing.saturating_sub(1);
    }

    /// A value at another scale or past the bound, or the fallback already taken.
    #[cold]
    #[inline(never)]
    fn update_rare(&mut self, value: Decimal) {
        if matches!(self.repr, Repr::Shared { .. }) {
            if let Some(m) = self.fit_shared(value) {
                self.push_shared(m);
                return;
            }
            self.repr = self.apart();
        }
        if let Repr::Apart { fast, slow } = &mut self.repr {
            fast.update(value);
            slow.update(value);
        }
    }

    /// `value` as a mantissa at the window's scale and below its bound, moving the window to a
    /// finer scale first if the value needs one and everything still fits.
    fn fit_shared(&mut self, value: Decimal) -> Option<i64> {
        let Repr::Shared { ring, scale, bound, fast_sum, slow_sum, .. } = &mut self.repr else { return None };
        let fits = |m: i128| i64::try_from(m).ok().filter(|m| m.unsigned_abs() < *bound);
        if value.scale() > *scale {
            let f = pow10(value.scale() - *scale)?;
            let moved = ring.iter().map(|&m| fits(i128::from(m) * f)).collect::<Option<Vec<i64>>>()?;
            // Bounded values: the sums, scaled alike, fit too.
            let fs = i64::try_from(i128::from(*fast_sum) * f).ok()?;
            let ss = i64::try_from(i128::from(*slow_sum) * f).ok()?;
            (*fast_sum, *slow_sum, *ring, *scale) = (fs, ss, moved, value.scale());
        }
        fits(value.mantissa().checked_mul(pow10(*scale - value.scale())?)?)
    }

    /// The same state as two plain averages: the window replayed oldest first.
    fn apart(&self) -> Repr {
        let (mut fast, mut slow) = (Sma::new(self.fast), Sma::new(self.slow));
        match &self.repr {
            Repr::Apart { .. } => return self.repr.clone(),
            Repr::Shared { ring, pos, missing, scale, .. } => {
                let filled = self.slow - missing;
                for i in 0..filled {
                    let at = (pos + self.slow - filled + i) % self.slow;
                    // Every mantissa came from a `Decimal` (times a power of ten that fitted).
                    let v = to_decimal(i128::from(ring[at]), *scale).unwrap_or_default();
                    fast.update(v);
                    slow.update(v);
                }
            }
        }
        Repr::Apart { fast, slow }
    }

    /// Both windows are full.
    #[inline(always)]
    pub fn is_ready(&self) -> bool {
        match &self.repr {
            Repr::Shared { missing, .. } => *missing == 0,
            Repr::Apart { slow, .. } => slow.is_ready(),
        }
    }

    /// The fast average against the slow one, exactly (cross-multiplied, no division).
    #[inline(always)]
    pub fn cmp_means(&self) -> Ordering {
        match &self.repr {
            // Each sum is below `slow × bound`, so times a period (at most `slow`) it fits.
            Repr::Shared { fast_sum, slow_sum, .. } => {
                (fast_sum * self.slow as i64).cmp(&(slow_sum * self.fast as i64))
            }
            Repr::Apart { fast, slow } => fast.cmp_mean(slow),
        }
    }

    /// The fast and slow sums as integer mantissas at one scale, while they are in fixed point.
    pub fn fixed_sums(&self) -> Option<(i128, i128, u32)> {
        match &self.repr {
            Repr::Shared { fast_sum, slow_sum, scale, .. } => {
                Some((i128::from(*fast_sum), i128::from(*slow_sum), *scale))
            }
            Repr::Apart { fast, slow } => match (fast.fixed_sum(), slow.fixed_sum()) {
                (Some((f, a)), Some((s, b))) if a == b => Some((f, s, a)),
                _ => None,
            },
        }
    }

    /// The two averages once ready, as decimals (for text only: it divides).
    pub fn values(&self) -> (Option<Decimal>, Option<Decimal>) {
        match &self.repr {
            Repr::Shared { fast_sum, slow_sum, scale, .. } => {
                let mean = |sum: i64, period: usize| {
                    to_decimal(i128::from(sum), *scale)
                        .and_then(|s| s.checked_div(Decimal::from(period as u64)))
                };
                if self.is_ready() {
                    (mean(*fast_sum, self.fast), mean(*slow_sum, self.slow))
                } else {
                    (None, None)
                }
            }
            Repr::Apart { fast, slow } => (fast.value(), slow.value()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    fn both(pair: &SmaPair) -> (Sma, Sma) {
        let Repr::Apart { fast, slow } = pair.apart() else { unreachable!() };
        (fast, slow)
    }

    #[test]
    fn huge_and_tiny_values_fall_back_to_two_averages_and_stay_exact() {
        let mut pair = SmaPair::new(1, 2);
        let (mut f, mut s) = (Sma::new(1), Sma::new(2));
        for v in [dec!(0.0000000000000000000000000001), dec!(79228162514264337593543950), dec!(1)] {
            pair.update(v);
            f.update(v);
            s.update(v);
        }
        assert!(matches!(pair.repr, Repr::Apart { .. }), "10^56 at scale 28 does not fit");
        assert_eq!(pair.values(), (f.value(), s.value()));
        assert_eq!(pair.cmp_means(), f.cmp_mean(&s));
        assert_eq!(pair.cmp_means(), Ordering::Less);
    }

    proptest! {
        /// Whatever the scales of the inputs, the pair agrees with two plain averages: the same
        /// readiness, the same comparison, the same values.
        #[test]
        fn agrees_with_two_plain_averages(
            values in proptest::collection::vec(
                (prop_oneof![9 => -10_000_000_000i64..10_000_000_000, 1 => any::<i64>()], 0u32..9),
                1..80,
            ),
            fast in 1usize..8,
            extra in 1usize..8,
        ) {
            let slow = fast + extra;
            let mut pair = SmaPair::new(fast, slow);
            let (mut f, mut s) = (Sma::new(fast), Sma::new(slow));
            for (m, sc) in values {
                let v = Decimal::new(m, sc);
                pair.update(v);
                f.update(v);
                s.update(v);
                prop_assert_eq!(pair.is_ready(), s.is_ready());
                if s.is_ready() {
                    prop_assert_eq!(pair.cmp_means(), f.cmp_mean(&s));
                    prop_assert_eq!(pair.values(), (f.value(), s.value()));
                }
                let (pf, ps) = both(&pair);
                prop_assert_eq!((pf.sum(), ps.sum()), (f.sum(), s.sum()));
            }
        }
    }
}
