//! `Bands`: Bollinger bands over the last `period` values — middle = their simple average, bands
//! = middle ± k·σ, σ their population standard deviation (divided by `period`, not `period − 1`)
//! — and where the newest value sits against them.
//!
//! No square root enters a decision. With `n` values, `S = Σx`, `Q = Σx²` and `V = n·Q − S²`
//! (`= n²σ²`, never negative), a value `x` is below the lower band exactly when
//! `d = S − n·x > 0` and `d² > k²·V`, and above the middle exactly when `d < 0`. The sums are
//! kept as integers (the values' mantissas at one scale, as [`super::Sma`] keeps them), so these
//! comparisons are exact: a close on the band is on it, not a rounding error either side of it,
//! and every machine answers alike. `rust_decimal`'s `sqrt` was not used: it is not needed for a
//! decision, and it panics when its Newton iteration cycles at the last digit (rust-decimal issue
//! #721, still so in 1.43). σ itself, for the reason's words and the signal's strength only, is
//! an integer square root (`u128::isqrt`, exact floor) of the same integers.
//!
//! The sums are of deviations from a reference value (the first one seen, then the newest one
//! whenever they are rebuilt), which keeps them small for prices that move little relative to
//! their level; `V` and `d` do not depend on the reference. Should any sum or product still not
//! fit an `i128` (values of 18 significant digits at very different scales, or windows of
//! hundreds of thousands of such values), that bar has no reading (no signal), and the sums are
//! rebuilt from the window — at most once per `period` bars, so the cost stays O(1) a bar.

use mirai_core::Decimal;

use super::fixed::{at_scale, pow10, to_decimal};

/// Where a value sits against the bands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Zone {
    /// Strictly below the lower band.
    Below,
    /// On or above the lower band, on or below the middle.
    Inside,
    /// Strictly above the middle.
    Above,
}

#[derive(Clone, Debug)]
pub struct Bands {
    period: usize,
    /// `k` as `k_mantissa × 10^-k_scale`; `k_mantissa²` and `10^k_scale` once.
    k: Decimal,
    k_squared: i128,
    k_unit: i128,
    /// The last `period` values (zeros before the window fills), `next` the slot of the next.
    ring: Vec<Decimal>,
    next: usize,
    filled: usize,
    /// The sums, valid when `valid`: `Σ (m − reference)` and `Σ (m − reference)²` over the window,
    /// every `m` a value's mantissa at `scale`, which is at least every window value's scale.
    scale: u32,
    reference: i128,
    sum: i128,
    sum_sq: i128,
    valid: bool,
    /// Updates since the sums were last rebuilt from the window.
    since_rebuild: usize,
}

impl Bands {
    /// `period` of at least 2 and `k` above 0 with few decimals (strategies validate theirs).
    pub fn new(period: usize, k: Decimal) -> Self {
        let period = period.max(1);
        let k = k.normalize();
        let k_squared = k.mantissa().checked_mul(k.mantissa()).unwrap_or(i128::MAX);
        let k_unit = pow10(k.scale()).unwrap_or(i128::MAX);
        Self {
            period,
            k,
            k_squared,
            k_unit,
            ring: vec![Decimal::ZERO; period],
            next: 0,
            filled: 0,
            scale: 0,
            reference: 0,
            sum: 0,
            sum_sq: 0,
            valid: true,
            since_rebuild: period,
        }
    }

    pub fn period(&self) -> usize {
        self.period
    }

    pub fn k(&self) -> Decimal {
        self.k
    }

    /// Adds a value; where it sits against the bands of the last `period` values, itself
    /// included, once there are `period` of them.
    #[inline]
    pub fn update(&mut self, value: Decimal) -> Option<Zone> {
        if self.filled == 0 {
            // The first value is the reference: its deviation, and so every sum, starts at 0.
            (self.scale, self.reference) = (value.scale(), value.mantissa());
        }
        let slot = self.next;
        let old = (self.filled == self.period).then(|| self.ring[slot]);
        self.ring[slot] = value;
        self.next = if slot + 1 == self.period { 0 } else { slot + 1 };
        self.filled += usize::from(self.filled < self.period);
        self.since_rebuild = self.since_rebuild.saturating_add(1);
        if self.valid && !self.roll(value, old) {
            self.valid = false;
        }
        if !self.valid {
            self.rebuild_if_due();
        }
        if !self.valid || self.filled < self.period {
            return None;
        }
        self.zone(value)
    }

    /// The sums moved by one value in and one out; false (sums untouched) if anything overflows.
    #[inline]
    fn roll(&mut self, value: Decimal, old: Option<Decimal>) -> bool {
        if value.scale() > self.scale && !self.rescale(value.scale()) {
            return false;
        }
        let Some(e) = self.deviation(value) else { return false };
        let (Some(mut sum), Some(mut sum_sq)) =
            (self.sum.checked_add(e), e.checked_mul(e).and_then(|sq| self.sum_sq.checked_add(sq)))
        else {
            return false;
        };
        if let Some(old) = old {
            let Some(o) = self.deviation(old) else { return false };
            match (sum.checked_sub(o), o.checked_mul(o).and_then(|sq| sum_sq.checked_sub(sq))) {
                (Some(s), Some(q)) => (sum, sum_sq) = (s, q),
                _ => return false,
            }
        }
        (self.sum, self.sum_sq) = (sum, sum_sq);
        true
    }

    /// `value`'s mantissa at the window's scale, less the reference.
    #[inline(always)]
    fn deviation(&self, value: Decimal) -> Option<i128> {
        let m = if value.scale() == self.scale { value.mantissa() } else { at_scale(value, self.scale)? };
        m.checked_sub(self.reference)
    }

    /// Moves the sums to the finer scale `to`; false (untouched) if they would not fit.
    #[cold]
    fn rescale(&mut self, to: u32) -> bool {
        let Some(f) = to.checked_sub(self.scale).and_then(pow10) else { return false };
        let moved = (
            self.reference.checked_mul(f),
            self.sum.checked_mul(f),
            f.checked_mul(f).and_then(|f2| self.sum_sq.checked_mul(f2)),
        );
        let (Some(reference), Some(sum), Some(sum_sq)) = moved else { return false };
        (self.reference, self.sum, self.sum_sq, self.scale) = (reference, sum, sum_sq, to);
        true
    }

    /// Recomputes the sums from the window, at most once per `period` updates.
    #[cold]
    #[inline(never)]
    fn rebuild_if_due(&mut self) {
        if self.since_rebuild < self.period {
            return;
        }
        self.since_rebuild = 0;
        let window = &self.ring[..self.filled];
        let newest = self.ring[if self.next == 0 { self.period - 1 } else { self.next - 1 }];
        let scale = window.iter().map(|v| v.scale()).max().unwrap_or(0);
        let sums = at_scale(newest, scale).and_then(|reference| {
            window.iter().try_fold((reference, 0i128, 0i128), |(r, s, q), v| {
                let e = at_scale(*v, scale)?.checked_sub(r)?;
                Some((r, s.checked_add(e)?, q.checked_add(e.checked_mul(e)?)?))
            })
        });
        if let Some((reference, sum, sum_sq)) = sums {
            (self.scale, self.reference, self.sum, self.sum_sq, self.valid) =
                (scale, reference, sum, sum_sq, true);
        }
    }

    /// Where `value` (the newest in a full window) sits; `None` if a product overflows.
    #[inline]
    fn zone(&self, value: Decimal) -> Option<Zone> {
        let n = self.period as i128;
        // d = S − n·x: n times the distance of the middle above the value.
        let d = self.sum.checked_sub(self.deviation(value)?.checked_mul(n)?)?;
        if d <= 0 {
            return Some(if d < 0 { Zone::Above } else { Zone::Inside });
        }
        // Below the lower band: d > k·√V, i.e. (d·10^ks)² > k_mantissa²·V.
        let scaled = d.checked_mul(self.k_unit)?;
        let lhs = scaled.checked_mul(scaled)?;
        let rhs = self.spread()?.checked_mul(self.k_squared)?;
        Some(if lhs > rhs { Zone::Below } else { Zone::Inside })
    }

    /// `V = n·Q − S²` (n² times the variance, in units of `10^-2·scale`).
    #[inline]
    fn spread(&self) -> Option<i128> {
        (self.period as i128).checked_mul(self.sum_sq)?.checked_sub(self.sum.checked_mul(self.sum)?)
    }

    fn ready(&self) -> bool {
        self.valid && self.filled == self.period
    }

    /// The middle band (the average), exactly where `Decimal` can hold it.
    pub fn middle(&self) -> Option<Decimal> {
        if !self.ready() {
            return None;
        }
        let n = self.period as i128;
        let total = n.checked_mul(self.reference)?.checked_add(self.sum)?;
        to_decimal(total, self.scale)?.checked_div(Decimal::from(self.period as u64))
    }

    /// The population variance, σ², exactly where `Decimal` can hold it.
    pub fn variance(&self) -> Option<Decimal> {
        if !self.ready() {
            return None;
        }
        let n2 = Decimal::from(self.period as u64).checked_mul(Decimal::from(self.period as u64))?;
        to_decimal(self.spread()?, self.scale.checked_mul(2)?)?.checked_div(n2)
    }

    /// σ rounded down to `dp` decimals (at most 18), from an exact integer square root:
    /// `floor(σ × 10^dp) = isqrt(V × 10^(2·dp)) / (n × 10^scale)`. Fewer decimals when the
    /// product would overflow.
    pub fn std_dev(&self, dp: u32) -> Option<Decimal> {
        if !self.ready() {
            return None;
        }
        let v = u128::try_from(self.spread()?).ok()?;
        let den = pow10(self.scale)?.checked_mul(self.period as i128)?;
        (0..=dp.min(18)).rev().find_map(|p| {
            let root = v.checked_mul(u128::try_from(pow10(2 * p)?).ok()?)?.isqrt();
            let floor = i128::try_from(root).ok()? / den;
            Decimal::try_from_i128_with_scale(floor, p).ok()
        })
    }

    /// The lower band, middle − k·σ, with σ as [`Bands::std_dev`] gives it (rounded down to `dp`
    /// decimals): for words and strengths, never for a decision.
    pub fn lower(&self, dp: u32) -> Option<Decimal> {
        self.middle()?.checked_sub(self.k.checked_mul(self.std_dev(dp)?)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    fn zones(period: usize, k: Decimal, values: &[Decimal]) -> Vec<Option<Zone>> {
        let mut b = Bands::new(period, k);
        values.iter().map(|v| b.update(*v)).collect()
    }

    #[test]
    fn hand_computed_bands() {
        let mut b = Bands::new(4, dec!(1));
        for v in [dec!(10), dec!(10), dec!(12)] {
            assert_eq!(b.update(v), None);
        }
        // [10 10 12 12]: mean 11; deviations −1 −1 1 1; σ² = 4/4 = 1, σ = 1; bands 10 and 12.
        assert_eq!(b.update(dec!(12)), Some(Zone::Above));
        assert_eq!((b.middle(), b.variance(), b.std_dev(8)), (Some(dec!(11)), Some(dec!(1)), Some(dec!(1))));
        // [10 12 12 8]: mean 10.5; deviations −0.5 1.5 1.5 −2.5; squares 0.25 + 2.25 + 2.25 + 6.25
        // = 11; σ² = 2.75, σ = 1.658312395…; lower 8.841687…: 8 is below it.
        assert_eq!(b.update(dec!(8)), Some(Zone::Below));
        assert_eq!((b.middle(), b.variance()), (Some(dec!(10.5)), Some(dec!(2.75))));
        assert_eq!(b.std_dev(8), Some(dec!(1.65831239)));
        assert_eq!(b.lower(8), Some(dec!(8.84168761)));
        // [12 12 8 9]: mean 10.25; deviations 1.75 1.75 −2.25 −1.25; squares 3.0625 + 3.0625 +
        // 5.0625 + 1.5625 = 12.75; σ² = 3.1875, σ = 1.785357…; lower 8.4646…: 9 is inside.
        assert_eq!(b.update(dec!(9)), Some(Zone::Inside));
        assert_eq!((b.middle(), b.variance()), (Some(dec!(10.25)), Some(dec!(3.1875))));
        assert_eq!(b.std_dev(6), Some(dec!(1.785357)));
        // [12 8 9 11]: mean 10; squares 4 + 4 + 1 + 1 = 10; σ² = 2.5: 11 is above the middle.
        assert_eq!(b.update(dec!(11)), Some(Zone::Above));
        assert_eq!((b.middle(), b.variance()), (Some(dec!(10)), Some(dec!(2.5))));
    }

    #[test]
    fn a_value_on_a_band_is_on_it() {
        // Two values a > b: mean (a + b)/2, σ = (a − b)/2, so with k = 1 the lower band is b
        // itself — exactly, not a rounding error either side of it.
        assert_eq!(zones(2, dec!(1), &[dec!(10.01), dec!(9.97)]), [None, Some(Zone::Inside)]);
        // With k = 0.5 the band is halfway up: 9.97 is below it.
        assert_eq!(zones(2, dec!(0.5), &[dec!(10.01), dec!(9.97)]), [None, Some(Zone::Below)]);
        // On the middle is inside; a flat window has σ = 0 and every value on the middle.
        assert_eq!(zones(3, dec!(2), &[dec!(5), dec!(5), dec!(5)]), [None, None, Some(Zone::Inside)]);
    }

    #[test]
    fn values_past_an_i128_give_no_reading_then_recover() {
        let tiny = dec!(0.0000000000000000000000000001);
        let big = dec!(79228162514264337593543950);
        // 10^26 at scale 28 needs 10^54: no reading while it is in the window.
        let z = zones(2, dec!(2), &[dec!(1), big, tiny, dec!(1), dec!(2), dec!(1.5), dec!(3)]);
        assert_eq!(z[1..3], [None, None]);
        // Once it has left (and a rebuild was due), the bands read again: [2 1.5] then [1.5 3].
        assert_eq!(z[5..], [Some(Zone::Inside), Some(Zone::Above)]);
    }

    /// The same zones from plain `Decimal` arithmetic on the window, squared as the indicator
    /// compares them.
    fn reference(window: &[Decimal], k: Decimal) -> Zone {
        let n = Decimal::from(window.len() as u64);
        let s: Decimal = window.iter().sum();
        let q: Decimal = window.iter().map(|v| v * v).sum();
        let x = *window.last().unwrap_or(&Decimal::ZERO);
        let d = s - n * x;
        if d < Decimal::ZERO {
            Zone::Above
        } else if d > Decimal::ZERO && d * d > k * k * (n * q - s * s) {
            Zone::Below
        } else {
            Zone::Inside
        }
    }

    proptest! {
        /// Whatever the scales, the running integer sums give the zones a direct computation over
        /// the window gives, and the mean and variance it gives.
        #[test]
        fn agrees_with_a_direct_computation(
            values in proptest::collection::vec((1i64..2_000_000, 0u32..5), 1..80),
            period in 2usize..9,
            k in prop_oneof![Just(dec!(2)), Just(dec!(1)), Just(dec!(0.5)), Just(dec!(2.25))],
        ) {
            let mut b = Bands::new(period, k);
            let mut seen: Vec<Decimal> = Vec::new();
            for (m, s) in values {
                let v = Decimal::new(m, s);
                seen.push(v);
                let z = b.update(v);
                if seen.len() < period {
                    prop_assert_eq!(z, None);
                    continue;
                }
                let window = &seen[seen.len() - period..];
                prop_assert_eq!(z, Some(reference(window, k)));
                let n = Decimal::from(period as u64);
                let mean = window.iter().sum::<Decimal>() / n;
                prop_assert_eq!(b.middle().map(|m| m.round_dp(20)), Some(mean.round_dp(20)));
                let var = window.iter().map(|v| (v - mean) * (v - mean)).sum::<Decimal>() / n;
                prop_assert_eq!(b.variance().map(|v| v.round_dp(12)), Some(var.round_dp(12)));
            }
        }
    }
}
