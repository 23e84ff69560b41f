//! Exact integer fixed-point for indicators: a decimal `m × 10^-s` held as an `i128` mantissa at
//! a scale the indicator chooses. Integer adds and multiplies are far cheaper than
//! `rust_decimal`'s (which rescale on every operation), and they stay exact: every conversion is
//! checked, and a caller that meets an overflow falls back to `Decimal`.

use mirai_core::Decimal;
use mirai_core::perf::POW10_I128;

pub(crate) fn pow10(exp: u32) -> Option<i128> {
    POW10_I128.get(exp as usize).copied()
}

/// `value` as a mantissa at `scale` (which must be at least the value's own scale).
#[inline]
pub(crate) fn at_scale(value: Decimal, scale: u32) -> Option<i128> {
    value.mantissa().checked_mul(pow10(scale.checked_sub(value.scale())?)?)
}

/// `mantissa × 10^-scale` as a `Decimal`, dropping trailing zeros when the mantissa is wider than
/// `Decimal`'s 96 bits. `None` when the value itself does not fit.
pub(crate) fn to_decimal(mut mantissa: i128, mut scale: u32) -> Option<Decimal> {
    loop {
        if let Ok(d) = Decimal::try_from_i128_with_scale(mantissa, scale) {
            return Some(d);
        }
        if scale == 0 || mantissa % 10 != 0 {
            return None;
        }
        mantissa /= 10;
        scale -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn conversions_are_exact_and_overflow_is_reported() {
        assert_eq!(at_scale(dec!(1.5), 3), Some(1500));
        assert_eq!(at_scale(dec!(1.505), 2), None, "a finer value cannot be lowered");
        assert_eq!(to_decimal(1500, 3), Some(dec!(1.5)));
        assert_eq!(to_decimal(-25, 1), Some(dec!(-2.5)));
        // 10^30 at scale 10 is 10^20: wider than 96 bits as a mantissa, fine once trimmed.
        assert_eq!(to_decimal(POW10_I128[30], 10), Some(dec!(100000000000000000000)));
        assert_eq!(to_decimal(POW10_I128[30] + 1, 0), None);
        assert_eq!(at_scale(Decimal::MAX, 28), None);
    }
}
