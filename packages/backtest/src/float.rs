//! Exact values as `f64`, for statistics only (returns, drawdowns, Sharpe), never for money.
//!
//! Two roundings on purpose, both kept bit for bit since the figures they feed are compared
//! with earlier runs and with backtesting.py:
//! - [`decimal_to_f64`] gives exactly what `rust_decimal`'s `to_f64` gives (cash, holdings,
//!   P&L, ratios), written to be cheap on the common case;
//! - [`scaled_to_f64`] is a mantissa over a power of ten, the correctly rounded value when the
//!   mantissa is below 2^53 (prices, and numbers read from a data file); a price is converted
//!   on every bar held.

use mirai_core::perf::POW10_U64;
use mirai_core::{Decimal, Price};
use rust_decimal::prelude::ToPrimitive;

/// 10^0 to 10^28; each one exact in `f64` up to 10^22, and the nearest `f64` above.
pub(crate) const POW10_F64: [f64; 29] = {
    let mut t = [1f64; 29];
    let mut i = 1;
    while i < 29 {
        t[i] = t[i - 1] * 10.0;
        i += 1;
    }
    t
};

/// `mantissa / 10^scale`: one division of two `f64`s.
#[inline]
pub(crate) fn scaled_to_f64(mantissa: i64, scale: u32) -> f64 {
    mantissa as f64 / POW10_F64.get(scale as usize).copied().unwrap_or(f64::NAN)
}

/// A price as [`scaled_to_f64`] gives it, from the decimal's own words when the mantissa fits an
/// `i64` (always, for prices): no `i128` is built, and not the library call converting one.
#[inline]
pub(crate) fn price_to_f64(p: Price) -> f64 {
    let d: Decimal = p.get();
    let u = d.unpack();
    let magnitude = (u64::from(u.mid) << 32) | u64::from(u.lo);
    let m = match i64::try_from(magnitude) {
        Ok(m) if u.hi == 0 => m as f64,
        _ => wide_to_f64(d.mantissa().unsigned_abs()),
    };
    let m = if u.negative { -m } else { m };
    m / POW10_F64.get(u.scale as usize).copied().unwrap_or(f64::NAN)
}

/// Out of line, or the compiler runs the `i128` conversion (a library call) on every bar and
/// throws it away when the `i64` one applies.
#[cold]
#[inline(never)]
fn wide_to_f64(m: u128) -> f64 {
    m as f64
}

/// `d` as `f64`, bit for bit what `rust_decimal`'s `to_f64` gives: the same steps (integral part,
/// fraction over the power of ten, rounding at the scale) in `u64` instead of `u128`, whose
/// division and remainder are library calls. The cash and holding are converted after every fill.
#[inline]
pub(crate) fn decimal_to_f64(d: Decimal) -> f64 {
    let scale = d.scale() as usize;
    let (Ok(m), Some(&p)) = (u64::try_from(d.mantissa().unsigned_abs()), POW10_U64.get(scale)) else {
        return d.to_f64().unwrap_or(f64::NAN);
    };
    let neg = d.is_sign_negative();
    if scale == 0 {
        // `rust_decimal` converts the signed integer; a negative zero is plain zero there.
        let v = m as f64;
        return if neg && m != 0 { -v } else { v };
    }
    // Every power of ten up to 10^19 is exact in `f64`, so these equal its `u128 as f64` and
    // `10f64.powi(scale)`.
    let (p_f, round_to) = (p as f64, POW10_F64[scale]);
    let integral = (m / p) as f64;
    let frac = (m % p) as f64 / p_f;
    if frac == 0.0 {
        return if neg { -integral } else { integral };
    }
    let rounded = ((integral + frac) * round_to).round() / round_to;
    if neg { -rounded } else { rounded }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn decimals_convert_to_the_same_f64_as_rust_decimal_gives() {
        for d in [
            dec!(0),
            -dec!(0),
            dec!(-0.000),
            dec!(27.51539),
            dec!(-27.51539),
            dec!(0.1),
            dec!(10000),
            dec!(-3),
            dec!(18446744073709551615),
            dec!(18446744073709551616),
            dec!(0.0000000000000000001),
            dec!(1.8446744073709551615),
            Decimal::MAX,
            Decimal::MIN,
        ] {
            assert_eq!(decimal_to_f64(d).to_bits(), d.to_f64().unwrap().to_bits(), "{d:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn any_decimal_converts_as_rust_decimal_does(lo: u32, mid: u32, hi in 0u32..3, neg: bool, scale in 0u32..=28) {
            let d = Decimal::from_parts(lo, mid, hi, neg, scale);
            proptest::prop_assert_eq!(decimal_to_f64(d).to_bits(), d.to_f64().unwrap().to_bits(), "{:?}", d);
        }
    }

    #[test]
    fn prices_and_file_numbers_take_the_same_conversion() {
        for (m, scale) in [(2_751_539i64, 5u32), (3, 0), (1, 28), (123_456_789_012_345, 8)] {
            let d = Decimal::new(m, scale);
            assert_eq!(price_to_f64(Price::new(d)).to_bits(), scaled_to_f64(m, scale).to_bits(), "{d}");
        }
        assert_eq!(scaled_to_f64(2_751_539, 5).to_bits(), 27.51539f64.to_bits(), "the nearest f64");
        assert_eq!(scaled_to_f64(-2_751_539, 5).to_bits(), (-27.51539f64).to_bits());
        let wide = Decimal::from_i128_with_scale(10i128.pow(20) + 7, 2);
        assert_eq!(price_to_f64(Price::new(wide)).to_bits(), 1e18f64.to_bits(), "a mantissa beyond 64 bits");
    }
}
