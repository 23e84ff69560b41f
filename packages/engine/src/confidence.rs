//! The rule-based advisor's confidence, `round4(0.5 + 0.5 × strength)`, computed in integers when
//! that gives bit for bit the `Decimal` the decimal formula gives (mantissa and scale alike, so a
//! stored or shown confidence reads the same). Every decision computes one; in `Decimal` it was a
//! multiply, an add, a rounding and two comparisons.

use mirai_core::perf::POW10_U64;
use mirai_core::{Confidence, Decimal};

/// The confidence the advisor gives a signal of `strength`.
#[inline]
pub(crate) fn from_strength(strength: Confidence) -> Confidence {
    fast(strength.get()).unwrap_or_else(|| in_decimal(strength.get()))
}

/// The formula as written, in `Decimal`: the reference, and the answer for unusual strengths.
#[cold]
pub(crate) fn in_decimal(strength: Decimal) -> Confidence {
    let half = Decimal::new(5, 1);
    Confidence::clamped((half + half * strength).round_dp(4))
}

/// For a strength `m × 10^-k` with `0 < m ≤ 10^k` and `k ≤ 17` (the strategies write 8 places):
/// `0.5 × s` is `5m` at scale `k + 1`, adding `0.5` gives `5·10^k + 5m` at that scale (at most
/// 1, so the clamp never bites), and rounding to 4 places divides by `10^(k - 3)`, halves to even,
/// or leaves the value as it is when `k + 1 ≤ 4`. All of it fits a `u64`.
#[inline]
fn fast(strength: Decimal) -> Option<Confidence> {
    let k = strength.scale();
    if k > 17 || strength.is_sign_negative() || strength.is_zero() {
        return None;
    }
    let m = u64::try_from(strength.mantissa()).ok()?;
    let one = POW10_U64[k as usize];
    if m > one {
        return None;
    }
    let sum = 5 * one + 5 * m;
    let (mantissa, scale) = if k < 4 {
        (sum, k + 1)
    } else {
        let div = POW10_U64[(k - 3) as usize];
        let (q, r) = (sum / div, sum % div);
        let half = div / 2;
        let up = r > half || (r == half && q % 2 == 1);
        (q + u64::from(up), 4)
    };
    Confidence::from_scaled(mantissa, scale)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    fn same(a: Confidence, b: Confidence) -> bool {
        a.get().mantissa() == b.get().mantissa() && a.get().scale() == b.get().scale()
    }

    #[test]
    fn integers_give_the_decimal_formula_exactly_on_ties_and_edges() {
        for s in [
            dec!(0),
            dec!(0.00000000),
            dec!(1),
            dec!(1.00000000),
            dec!(0.4),
            dec!(0.00010000),
            dec!(0.00030000),
            dec!(0.00050000),
            dec!(0.00070000),
            dec!(0.12345678),
            dec!(0.99999999),
            dec!(0.9999),
            dec!(0.000100000000000001),
            dec!(0.5),
        ] {
            let s = Confidence::clamped(s);
            assert!(same(from_strength(s), in_decimal(s.get())), "strength {s:?}");
        }
        assert_eq!(from_strength(Confidence::clamped(dec!(0.4))).get(), dec!(0.70));
    }

    proptest! {
        #[test]
        fn integers_give_the_decimal_formula_exactly(raw in any::<u64>(), k in 0u32..=20) {
            // Any mantissa from 0 to 10^k: every strength in [0, 1] at scale k.
            let m = i128::from(raw) % (10i128.pow(k) + 1);
            let s = Confidence::clamped(Decimal::from_i128_with_scale(m, k));
            prop_assert!(same(from_strength(s), in_decimal(s.get())), "strength {:?}", s);
        }

        #[test]
        fn eight_place_strengths_round_as_decimal_does(m in 0i64..=100_000_000) {
            let s = Confidence::clamped(Decimal::new(m, 8));
            prop_assert!(same(from_strength(s), in_decimal(s.get())), "strength {:?}", s);
        }
    }
}
