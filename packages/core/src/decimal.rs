//! Exact decimal newtypes for money: `Price`, `Qty` (never negative) and `Amount` (signed, in the
//! quote currency). They wrap `rust_decimal::Decimal`, so 0.1 + 0.2 is exactly 0.3 and venue
//! strings such as "0.00100000" round-trip without loss. They serialise as JSON strings.

use std::cmp::Ordering;
use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Mul, Neg, Sub, SubAssign};
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::DomainError;

pub(crate) mod ops;

macro_rules! non_negative_decimal {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(Decimal);

        /// The values' order, as `Decimal`'s, its common case inline ([`ops::cmp`]).
        impl Ord for $name {
            #[inline]
            fn cmp(&self, other: &Self) -> Ordering {
                ops::cmp(self.0, other.0)
            }
        }

        impl PartialOrd for $name {
            #[inline]
            fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
                Some(self.cmp(other))
            }
        }

        impl $name {
            pub const ZERO: Self = Self(Decimal::ZERO);

            /// For runtime input: refuses negative values. Inline, with the error built out of
            /// line: it runs for every price a backtest or a feed hands over.
            #[inline]
            pub fn new_checked(value: Decimal) -> Result<Self, DomainError> {
                if value.is_sign_negative() && !value.is_zero() {
                    return Err(negative($what, value));
                }
                Ok(Self(value.normalize_zero()))
            }

            /// For literals and tests. Panics on a negative value.
            #[track_caller]
            #[inline]
            pub fn new(value: Decimal) -> Self {
                match Self::new_checked(value) {
                    Ok(v) => v,
                    Err(e) => panic!("{e}"),
                }
            }

            /// Parses a venue or user string such as "0.00100000".
            pub fn parse(s: &str) -> Result<Self, DomainError> {
                let d = Decimal::from_str(s.trim())
                    .map_err(|_| DomainError::NotDecimal { what: $what, value: s.to_owned() })?;
                Self::new_checked(d)
            }

            #[inline]

            pub fn get(self) -> Decimal {
                self.0
            }

            #[inline]

            pub fn is_zero(self) -> bool {
                self.0.is_zero()
            }

            /// The smaller of two values.
            #[inline]
            pub fn min(self, other: Self) -> Self {
                if other < self { other } else { self }
            }

            /// `self - other`, floored at zero.
            #[inline]
            pub fn saturating_sub(self, other: Self) -> Self {
                if other >= self { Self::ZERO } else { Self(self.0 - other.0) }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0.normalize(), f)
            }
        }

        impl FromStr for $name {
            type Err = DomainError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let v = <Decimal as Deserialize>::deserialize(d)?;
                Self::new_checked(v).map_err(serde::de::Error::custom)
            }
        }

        impl Add for $name {
            type Output = Self;
            #[inline]
            fn add(self, rhs: Self) -> Self {
                Self(self.0 + rhs.0)
            }
        }

        impl AddAssign for $name {
            #[inline]
            fn add_assign(&mut self, rhs: Self) {
                self.0 += rhs.0;
            }
        }
    };
}

non_negative_decimal!(
    /// A price in the quote currency per unit of the base asset.
    Price,
    "price"
);
non_negative_decimal!(
    /// A quantity of the base asset.
    Qty,
    "quantity"
);

/// A signed amount of the quote currency: cash, notional, fees, profit and loss.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Amount(Decimal);

/// The values' order, as `Decimal`'s, its common case inline ([`ops::cmp`]).
impl Ord for Amount {
    #[inline]
    fn cmp(&self, other: &Self) -> Ordering {
        ops::cmp(self.0, other.0)
    }
}

impl PartialOrd for Amount {
    #[inline]
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Amount {
    pub const ZERO: Self = Self(Decimal::ZERO);

    #[inline]
    pub const fn new(value: Decimal) -> Self {
        Self(value)
    }

    pub fn parse(s: &str) -> Result<Self, DomainError> {
        Decimal::from_str(s.trim())
            .map(Self)
            .map_err(|_| DomainError::NotDecimal { what: "amount", value: s.to_owned() })
    }

    #[inline]
    pub fn get(self) -> Decimal {
        self.0
    }

    #[inline]
    pub fn is_negative(self) -> bool {
        self.0.is_sign_negative() && !self.0.is_zero()
    }

    #[inline]
    pub fn abs(self) -> Self {
        Self(self.0.abs())
    }

    /// Multiplies by a plain ratio (a fee rate, a percentage of equity).
    #[inline]
    pub fn scale(self, ratio: Decimal) -> Self {
        Self(mul(self.0, ratio))
    }

    /// As [`Amount::scale`], but a product beyond the decimal range saturates at the largest (or
    /// smallest) amount instead of panicking: what "no limit" percentages (`Decimal::MAX`) need.
    #[inline]
    pub fn saturating_scale(self, ratio: Decimal) -> Self {
        match mul_inline(self.0, ratio) {
            Some(v) => Self(v),
            None => self.saturating_scale_otherwise(ratio),
        }
    }

    /// [`Amount::saturating_scale`] beyond [`mul`]'s inline cases, out of line: the risk gate
    /// scales every buy's equity, and the checked product inlined there cost more than the rest.
    #[inline(never)]
    fn saturating_scale_otherwise(self, ratio: Decimal) -> Self {
        match self.0.checked_mul(ratio) {
            Some(v) => Self(v),
            None if self.0.is_sign_negative() != ratio.is_sign_negative() => Self(Decimal::MIN),
            None => Self(Decimal::MAX),
        }
    }

    /// The quantity this amount buys at `price`, not rounded to any step.
    pub fn qty_at(self, price: Price) -> Option<Qty> {
        if price.is_zero() || self.is_negative() {
            return None;
        }
        Some(Qty::new(self.0 / price.get()))
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.normalize(), f)
    }
}

impl FromStr for Amount {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Add for Amount {
    type Output = Self;
    #[inline]
    fn add(self, rhs: Self) -> Self {
        Self(self.0 + rhs.0)
    }
}

impl Sub for Amount {
    type Output = Self;
    #[inline]
    fn sub(self, rhs: Self) -> Self {
        Self(self.0 - rhs.0)
    }
}

impl Neg for Amount {
    type Output = Self;
    #[inline]
    fn neg(self) -> Self {
        Self(-self.0)
    }
}

impl AddAssign for Amount {
    #[inline]
    fn add_assign(&mut self, rhs: Self) {
        self.0 += rhs.0;
    }
}

impl SubAssign for Amount {
    #[inline]
    fn sub_assign(&mut self, rhs: Self) {
        self.0 -= rhs.0;
    }
}

impl Sum for Amount {
    fn sum<I: Iterator<Item = Self>>(iter: I) -> Self {
        iter.fold(Self::ZERO, Add::add)
    }
}

/// Price × quantity = notional, an exact amount of the quote currency.
impl Mul<Qty> for Price {
    type Output = Amount;
    #[inline]
    fn mul(self, rhs: Qty) -> Amount {
        Amount(mul(self.0, rhs.0))
    }
}

impl Mul<Price> for Qty {
    type Output = Amount;
    #[inline]
    fn mul(self, rhs: Price) -> Amount {
        Amount(mul(self.0, rhs.0))
    }
}

/// `a × b`, bit for bit what `rust_decimal` gives (mantissa, scale and sign), with its common
/// cases inline: a zero factor gives its `ZERO`, and two mantissas of at most 64 bits whose
/// product fits 96 bits at a scale of at most 28 give that exact product, as its own fast path
/// does. Everything else goes to `rust_decimal`. Every fill multiplies price by quantity several
/// times, and the call and overflow check around `rust_decimal`'s own fast path cost more than
/// the multiplication.
#[inline]
pub(crate) fn mul(a: Decimal, b: Decimal) -> Decimal {
    mul_inline(a, b).unwrap_or_else(|| a * b)
}

/// [`mul`]'s inline cases; `None` for the rest (which may overflow).
#[inline]
fn mul_inline(a: Decimal, b: Decimal) -> Option<Decimal> {
    if a.is_zero() || b.is_zero() {
        return Some(Decimal::ZERO);
    }
    let scale = a.scale() + b.scale();
    if scale <= Decimal::MAX_SCALE
        && let (Ok(x), Ok(y)) =
            (u64::try_from(a.mantissa().unsigned_abs()), u64::try_from(b.mantissa().unsigned_abs()))
    {
        let p = u128::from(x) * u128::from(y);
        if p >> 96 == 0 {
            let negative = a.is_sign_negative() != b.is_sign_negative();
            return Some(Decimal::from_parts(p as u32, (p >> 32) as u32, (p >> 64) as u32, negative, scale));
        }
    }
    None
}

/// The error for a negative price or quantity, kept out of the callers' inlined fast path.
#[cold]
#[inline(never)]
fn negative(what: &'static str, value: Decimal) -> DomainError {
    DomainError::Negative { what, value: value.to_string() }
}

trait NormalizeZero {
    fn normalize_zero(self) -> Self;
}

impl NormalizeZero for Decimal {
    /// `-0` and `0` must compare and print the same.
    #[inline]
    fn normalize_zero(self) -> Self {
        if self.is_zero() { Decimal::ZERO } else { self }
    }
}

/// The most cash an account may start with, in its quote currency — a backtest's, a request's or
/// the paper ledger's: a trillion, far below where a price times a quantity could overflow the
/// exact money types.
pub const MAX_STARTING_CASH: i64 = 1_000_000_000_000;

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn decimal_arithmetic_is_exact() {
        let p = Price::parse("0.1").unwrap();
        let q = Qty::parse("3").unwrap();
        assert_eq!((p * q).get(), dec!(0.3));
        assert_eq!((Amount::new(dec!(0.1)) + Amount::new(dec!(0.2))).get(), dec!(0.3));
    }

    #[test]
    fn negative_price_and_qty_are_refused() {
        assert!(Price::parse("-1").is_err());
        assert!(Qty::new_checked(dec!(-0.00000001)).is_err());
        assert!(Price::parse("abc").is_err());
        assert_eq!(Qty::parse("-0").unwrap(), Qty::ZERO);
    }

    #[test]
    fn serialises_as_strings_and_refuses_negative_json() {
        let p = Price::parse("62000.10000000").unwrap();
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(json, "\"62000.10000000\"");
        let back: Price = serde_json::from_str(&json).unwrap();
        assert_eq!(back, p);
        assert!(serde_json::from_str::<Qty>("\"-1\"").is_err());
    }

    #[test]
    fn multiplication_gives_rust_decimals_exact_bits() {
        for (a, b) in [
            (dec!(0), dec!(5)),
            (dec!(-0.000), dec!(5.5)),
            (dec!(100.12345678), dec!(33)),
            (dec!(-2.5), dec!(0.001)),
            (dec!(18446744073709551615), dec!(4294967296)),
            (dec!(0.0000000000000001), dec!(0.0000000000001)),
            (Decimal::MAX, dec!(0.5)),
        ] {
            assert_eq!(mul(a, b).serialize(), (a * b).serialize(), "{a} × {b}");
        }
    }

    proptest::proptest! {
        #[test]
        fn any_product_has_rust_decimals_exact_bits(
            a in (proptest::prelude::any::<u32>(), proptest::prelude::any::<u32>(), 0u32..3, proptest::prelude::any::<bool>(), 0u32..=28),
            b in (proptest::prelude::any::<u32>(), 0u32..4, 0u32..2, proptest::prelude::any::<bool>(), 0u32..=28),
        ) {
            let a = Decimal::from_parts(a.0, a.1, a.2, a.3, a.4);
            let b = Decimal::from_parts(b.0, b.1, b.2, b.3, b.4);
            // Only pairs `rust_decimal` can multiply (the rest panic in both).
            if let Some(want) = a.checked_mul(b) {
                proptest::prop_assert_eq!(mul(a, b).serialize(), want.serialize(), "{} × {}", a, b);
            }
        }
    }

    #[test]
    fn qty_at_price() {
        let q = Amount::new(dec!(1000)).qty_at(Price::new(dec!(250))).unwrap();
        assert_eq!(q.get(), dec!(4));
        assert!(Amount::new(dec!(1)).qty_at(Price::ZERO).is_none());
    }
}
