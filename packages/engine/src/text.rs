//! Fast text for rationales: decimals written digit by digit into a `String` the caller sized.
//! Every decision carries a written reason, and a backtest takes tens of thousands of decisions;
//! `format!` with `Decimal`'s `Display` (and a `round_dp` per number) was half the cost of one.

use std::fmt::Write as _;

use mirai_core::Decimal;

/// Writes `mantissa × 10^-scale` with exactly `scale` decimals, as `Decimal`'s `Display` does.
/// A magnitude that fits 64 bits (every price and ratio in practice) is written from a stack
/// buffer in two slices; each 128-bit division by ten is a library call, which made this the
/// largest cost of a rationale.
pub(crate) fn push_fixed(out: &mut String, mantissa: i128, scale: u32) {
    let scale = scale as usize;
    let Ok(n) = u64::try_from(mantissa.unsigned_abs()) else {
        return push_fixed_wide(out, mantissa, scale);
    };
    if scale >= 20 {
        return push_fixed_wide(out, mantissa, scale);
    }
    let mut buf = itoa::Buffer::new();
    let digits = buf.format(n).as_bytes();
    // At least one whole digit: zeros in front when the scale asks for more decimals than there
    // are digits (`0.05`, not `.5`).
    let zeros = (scale + 1).saturating_sub(digits.len());
    let whole = digits.len() + zeros - scale;
    if mantissa < 0 {
        out.push('-');
    }
    out.reserve(whole + scale + 1);
    let padded = std::iter::repeat_n(b'0', zeros).chain(digits.iter().copied());
    for (i, d) in padded.enumerate() {
        if i == whole {
            out.push('.');
        }
        out.push(char::from(d));
    }
}

/// [`push_fixed`] for magnitudes beyond 64 bits, digit by digit in 128 bits.
#[cold]
fn push_fixed_wide(out: &mut String, mantissa: i128, scale: usize) {
    if mantissa < 0 {
        out.push('-');
    }
    let mut digits = Vec::with_capacity(40);
    let mut n = mantissa.unsigned_abs();
    while n > 0 || digits.len() <= scale {
        digits.push(b'0' + (n % 10) as u8);
        n /= 10;
    }
    for (i, d) in digits.iter().enumerate().rev() {
        out.push(char::from(*d));
        if i == scale && scale > 0 {
            out.push('.');
        }
    }
}

/// A decimal as its `Display` writes it.
pub(crate) fn push_decimal(out: &mut String, d: Decimal) {
    push_fixed(out, d.mantissa(), d.scale());
}

/// A decimal rounded half-to-even to at most `dp` decimals, as `round_dp(dp)` then `Display`.
pub(crate) fn push_rounded(out: &mut String, d: Decimal, dp: u32) {
    let scale = d.scale();
    if scale <= dp {
        return push_decimal(out, d);
    }
    push_fixed(out, div_round_even(d.mantissa(), 10i128.pow(scale - dp)), dp);
}

/// A decimal without trailing zeros, as the money types display.
pub(crate) fn push_normalized(out: &mut String, d: Decimal) {
    push_decimal(out, d.normalize());
}

/// `num / den` rounded half-to-even to `dp` decimals, for display. `den` must be positive.
pub(crate) fn push_ratio(out: &mut String, num: i128, den: i128, dp: u32) {
    let scaled = num.checked_mul(10i128.pow(dp));
    match scaled {
        Some(s) => push_fixed(out, div_round_even(s, den), dp),
        // Beyond 38 digits: display only, so an approximation will do.
        None => {
            let _ = write!(out, "{:.*}", dp as usize, num as f64 / den as f64);
        }
    }
}

/// `num / den` rounded half to even; `den` positive.
fn div_round_even(num: i128, den: i128) -> i128 {
    // 64-bit division where the operands fit: a 128-bit one is a library call.
    let (q, r) = match (i64::try_from(num), i64::try_from(den)) {
        (Ok(n), Ok(d)) => (i128::from(n.div_euclid(d)), i128::from(n.rem_euclid(d))),
        _ => (num.div_euclid(den), num.rem_euclid(den)),
    };
    match (2 * r).cmp(&den) {
        std::cmp::Ordering::Greater => q + 1,
        std::cmp::Ordering::Equal if q % 2 != 0 => q + 1,
        _ => q,
    }
}

pub(crate) fn push_u64(out: &mut String, n: u64) {
    push_fixed(out, i128::from(n), 0);
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn text(f: impl FnOnce(&mut String)) -> String {
        let mut s = String::new();
        f(&mut s);
        s
    }

    #[test]
    fn writes_what_display_writes() {
        for d in [
            dec!(0),
            dec!(0.00),
            dec!(1),
            dec!(-1.5),
            dec!(100.10),
            dec!(0.0001),
            dec!(123456789.987654321),
            Decimal::MAX,
            Decimal::MIN,
            dec!(-0.05),
            Decimal::from_i128_with_scale(i128::from(u64::MAX), 19),
            Decimal::from_i128_with_scale(-i128::from(u64::MAX), 0),
            Decimal::from_i128_with_scale(i128::from(u64::MAX) + 1, 28),
            Decimal::from_i128_with_scale(7, 28),
            Decimal::from_i128_with_scale(-7, 20),
        ] {
            assert_eq!(text(|s| push_decimal(s, d)), d.to_string());
        }
        assert_eq!(text(|s| push_normalized(s, dec!(100.100))), "100.1");
        assert_eq!(text(|s| push_u64(s, 0)), "0");
        assert_eq!(text(|s| push_u64(s, u64::MAX)), u64::MAX.to_string());
    }

    #[test]
    fn ratios_round_half_to_even() {
        assert_eq!(text(|s| push_ratio(s, 2025, 20, 4)), "101.2500");
        assert_eq!(text(|s| push_ratio(s, 1, 3, 4)), "0.3333");
        assert_eq!(text(|s| push_ratio(s, 5, 2, 0)), "2");
        assert_eq!(text(|s| push_ratio(s, 7, 2, 0)), "4");
        assert_eq!(text(|s| push_ratio(s, 15, 10_000, 3)), "0.002");
        assert_eq!(text(|s| push_ratio(s, 25, 10_000, 3)), "0.002");
        assert_eq!(text(|s| push_ratio(s, 26, 10_000, 3)), "0.003");
        for (d, dp) in [
            (dec!(0.12345), 4),
            (dec!(0.12355), 4),
            (dec!(1.5), 0),
            (dec!(2.5), 0),
            (dec!(0.7), 3),
            (dec!(0.99999999), 3),
        ] {
            assert_eq!(text(|s| push_rounded(s, d, dp)), d.round_dp(dp).to_string(), "{d} to {dp}");
        }
    }
}
