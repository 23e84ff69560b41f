//! `Fixed`: a decimal read from CSV text as an exact integer mantissa and a scale, parsed by hand
//! because a million-bar file holds six million numbers and `Decimal::from_str` would be most of
//! the load time.

use std::cmp::Ordering;

use mirai_core::Decimal;
use mirai_core::perf::{POW10_I64, POW10_I128};

/// `mantissa × 10^-scale`, exactly as written (trailing zeros kept: "0.10" has scale 2).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Fixed {
    pub mantissa: i64,
    pub scale: u32,
}

/// The finest scale a `Decimal` takes.
pub const MAX_SCALE: u32 = 28;
/// 10^18: mantissas stay below it (at most 18 significant digits, which an `i64` always holds).
const LIMIT: u64 = 1_000_000_000_000_000_000;

/// Why a field is not a number we can hold exactly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumberError {
    NotANumber,
    /// More than 18 significant digits, or a scale beyond 28.
    TooPrecise,
}

impl Fixed {
    pub const ZERO: Self = Self { mantissa: 0, scale: 0 };

    /// Parses `[+-]digits[.digits][(e|E)[+-]digits]`.
    #[inline]
    pub fn parse(text: &[u8]) -> Result<Self, NumberError> {
        let (negative, rest) = match text.first() {
            Some(b'-') => (true, &text[1..]),
            Some(b'+') => (false, &text[1..]),
            _ => (false, text),
        };
        let mut mantissa: u64 = 0;
        let mut i = 0;
        // Whole digits, then fraction digits: two tight loops rather than one with a match.
        while let Some(d) = rest.get(i).map(|b| b.wrapping_sub(b'0')).filter(|d| *d <= 9) {
            mantissa = mantissa * 10 + u64::from(d);
            if mantissa >= LIMIT {
                return Err(NumberError::TooPrecise);
            }
            i += 1;
        }
        let mut digits = i;
        let mut scale = 0i64;
        if rest.get(i) == Some(&b'.') {
            i += 1;
            while let Some(d) = rest.get(i).map(|b| b.wrapping_sub(b'0')).filter(|d| *d <= 9) {
                mantissa = mantissa * 10 + u64::from(d);
                if mantissa >= LIMIT {
                    return Err(NumberError::TooPrecise);
                }
                scale += 1;
                i += 1;
            }
            digits += scale as usize;
        }
        if digits == 0 {
            return Err(NumberError::NotANumber);
        }
        match rest.get(i) {
            None => {}
            Some(b'e' | b'E') => scale -= parse_exponent(&rest[i + 1..])?,
            Some(_) => return Err(NumberError::NotANumber),
        }
        if scale < 0 {
            let up = usize::try_from(-scale).map_err(|_| NumberError::TooPrecise)?;
            let f = POW10_I64.get(up).ok_or(NumberError::TooPrecise)?;
            mantissa =
                mantissa.checked_mul(*f as u64).filter(|m| *m < LIMIT).ok_or(NumberError::TooPrecise)?;
            scale = 0;
        }
        let scale = u32::try_from(scale).map_err(|_| NumberError::TooPrecise)?;
        if scale > MAX_SCALE {
            return Err(NumberError::TooPrecise);
        }
        // Below 10^18, so it fits an i64.
        let m = mantissa as i64;
        Ok(Self { mantissa: if negative { -m } else { m }, scale })
    }

    #[inline]
    pub fn to_decimal(self) -> Decimal {
        // The parts `Decimal::new` would build, built inline: its call was a third of a loaded
        // bar's trip into `Bars`.
        let m = self.mantissa.unsigned_abs();
        Decimal::from_parts(m as u32, (m >> 32) as u32, 0, self.mantissa < 0, self.scale)
    }

    /// For statistics only (returns, drawdowns), never for money.
    pub fn to_f64(self) -> f64 {
        crate::float::scaled_to_f64(self.mantissa, self.scale)
    }

    pub fn is_positive(self) -> bool {
        self.mantissa > 0
    }

    pub fn is_negative(self) -> bool {
        self.mantissa < 0
    }

    /// The mantissa at a finer `scale`, if it fits an `i64`.
    #[inline]
    pub fn at_scale(self, scale: u32) -> Option<i64> {
        let up = scale.checked_sub(self.scale)?;
        self.mantissa.checked_mul(*POW10_I64.get(up as usize)?)
    }

    /// Exact comparison across scales.
    #[inline]
    pub fn cmp_value(self, other: Self) -> Ordering {
        if self.scale == other.scale {
            return self.mantissa.cmp(&other.mantissa);
        }
        let scale = self.scale.max(other.scale);
        // Both below 10^18 and scales at most 28 apart: the widened values fit an i128.
        let widen = |f: Fixed| i128::from(f.mantissa) * POW10_I128[(scale - f.scale) as usize];
        widen(self).cmp(&widen(other))
    }
}

impl std::fmt::Display for Fixed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.to_decimal(), f)
    }
}

fn parse_exponent(text: &[u8]) -> Result<i64, NumberError> {
    let (negative, digits) = match text.first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() || digits.len() > 3 || !digits.iter().all(u8::is_ascii_digit) {
        return Err(NumberError::NotANumber);
    }
    let v = digits.iter().fold(0i64, |acc, d| acc * 10 + i64::from(d - b'0'));
    Ok(if negative { -v } else { v })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    fn p(s: &str) -> Result<Decimal, NumberError> {
        Fixed::parse(s.as_bytes()).map(Fixed::to_decimal)
    }

    #[test]
    fn parses_what_csv_files_hold() {
        assert_eq!(p("100.34"), Ok(dec!(100.34)));
        assert_eq!(p("0.01000000"), Ok(dec!(0.01000000)));
        assert_eq!(Fixed::parse(b"0.01000000").map(|f| f.scale), Ok(8));
        assert_eq!(p("22351900"), Ok(dec!(22351900)));
        assert_eq!(p("-1.5"), Ok(dec!(-1.5)));
        assert_eq!(p("+7"), Ok(dec!(7)));
        assert_eq!(p(".5"), Ok(dec!(0.5)));
        assert_eq!(p("5."), Ok(dec!(5)));
        assert_eq!(p("1.5e-05"), Ok(dec!(0.000015)));
        assert_eq!(p("2E3"), Ok(dec!(2000)));
        assert_eq!(p("000000000000000000000001.5"), Ok(dec!(1.5)));
    }

    #[test]
    fn refuses_what_is_not_an_exact_number() {
        for bad in ["", "-", ".", "abc", "1.2.3", "1,5", "NaN", "inf", "1e", "e5", "1e+", "12 3", "0x10"] {
            assert_eq!(p(bad), Err(NumberError::NotANumber), "{bad:?}");
        }
        assert_eq!(p("1234567890123456789"), Err(NumberError::TooPrecise));
        assert_eq!(p("1e-29"), Err(NumberError::TooPrecise));
        assert_eq!(p("9e30"), Err(NumberError::TooPrecise));
    }

    #[test]
    fn compares_across_scales() {
        let a = Fixed::parse(b"1.50").unwrap();
        let b = Fixed::parse(b"1.5").unwrap();
        assert_eq!(a.cmp_value(b), Ordering::Equal);
        assert_eq!(Fixed::parse(b"1.49").unwrap().cmp_value(b), Ordering::Less);
        assert_eq!(a.at_scale(4), Some(15000));
        assert_eq!(a.at_scale(1), None);
    }

    proptest! {
        /// Every decimal a venue or pandas writes reads back as exactly the same `Decimal`.
        #[test]
        fn agrees_with_rust_decimal(m in -999_999_999_999_999i64..999_999_999_999_999, scale in 0u32..12) {
            let d = Decimal::new(m, scale);
            let text = d.to_string();
            prop_assert_eq!(p(&text), Ok(d));
        }
    }
}
