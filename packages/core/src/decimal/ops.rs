//! Comparison of decimals, exactly `rust_decimal`'s, with the money types' common case inline:
//! values of one sign at scales at most nine apart. Every order compares prices, quantities and
//! amounts a dozen times, and `rust_decimal`'s comparison (a call, its zero and sign cases, then
//! a rescaling loop) costs several times the integer comparison itself.

use std::cmp::Ordering;

use rust_decimal::Decimal;

use crate::pow10::POW10_U64;

/// `a.cmp(&b)`: the order of the values, whatever their scales. Decided on the magnitudes when
/// the signs agree and the scales are at most nine apart (a 96-bit magnitude times 10^9 stays
/// below 2^127); `rust_decimal` otherwise.
#[inline(always)]
pub fn cmp(a: Decimal, b: Decimal) -> Ordering {
    let (x, y) = (a.unpack(), b.unpack());
    if x.negative == y.negative {
        let (mx, my) = (magnitude(x.hi, x.mid, x.lo), magnitude(y.hi, y.mid, y.lo));
        let by_magnitude = if x.scale == y.scale {
            Some(mx.cmp(&my))
        } else if x.scale > y.scale && x.scale - y.scale <= 9 {
            Some(mx.cmp(&(my * u128::from(POW10_U64[(x.scale - y.scale) as usize]))))
        } else if y.scale > x.scale && y.scale - x.scale <= 9 {
            Some((mx * u128::from(POW10_U64[(y.scale - x.scale) as usize])).cmp(&my))
        } else {
            None
        };
        // Both negative: the larger magnitude is the smaller value (a negative zero included).
        if let Some(o) = by_magnitude {
            return if x.negative { o.reverse() } else { o };
        }
    }
    cmp_otherwise(a, b)
}

#[inline(always)]
fn magnitude(hi: u32, mid: u32, lo: u32) -> u128 {
    (u128::from(hi) << 64) | (u128::from(mid) << 32) | u128::from(lo)
}

/// The rest (signs that differ, scales far apart), out of line so that the common case stays
/// small enough to inline.
#[inline(never)]
fn cmp_otherwise(a: Decimal, b: Decimal) -> Ordering {
    a.cmp(&b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    fn edge_cases() -> Vec<Decimal> {
        vec![
            dec!(0),
            -dec!(0),
            dec!(0.000),
            -dec!(0.000),
            dec!(1),
            dec!(-1),
            dec!(1.5),
            dec!(-2.25),
            dec!(10000),
            dec!(9999.99999999),
            dec!(0.00000001),
            dec!(9223372036854775807),
            dec!(-9223372036854775808),
            dec!(18446744073709551615),
            dec!(-18446744073709551616),
            Decimal::MAX,
            Decimal::MIN,
            Decimal::from_parts(1, 0, 0, false, 28),
            Decimal::from_parts(u32::MAX, u32::MAX, 1, true, 10),
        ]
    }

    #[test]
    fn edge_cases_agree_with_rust_decimal() {
        for &a in &edge_cases() {
            for &b in &edge_cases() {
                assert_eq!(cmp(a, b), a.cmp(&b), "{a:?} cmp {b:?}");
            }
        }
    }

    fn any_decimal() -> impl Strategy<Value = Decimal> {
        (any::<u32>(), any::<u32>(), prop_oneof![Just(0u32), Just(1), any::<u32>()], any::<bool>(), 0u32..=28)
            .prop_map(|(lo, mid, hi, neg, scale)| Decimal::from_parts(lo, mid, hi, neg, scale))
    }

    /// Money-like: small mantissas at nearby scales, zeros of both signs among them.
    fn money() -> impl Strategy<Value = Decimal> {
        (-1_000_000_000_000i64..=1_000_000_000_000, 0u32..=12, any::<bool>()).prop_map(|(m, scale, flip)| {
            let d = Decimal::new(m, scale);
            if flip && m == 0 { -d } else { d }
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]

        #[test]
        fn any_pair_agrees_with_rust_decimal(a in any_decimal(), b in any_decimal()) {
            prop_assert_eq!(cmp(a, b), a.cmp(&b));
        }

        #[test]
        fn money_agrees_with_rust_decimal(a in money(), b in money()) {
            prop_assert_eq!(cmp(a, b), a.cmp(&b));
        }
    }
}
