//! SQL literals for the values Mirai writes: text, decimals, timestamps and integers.
//!
//! Why escaping instead of binding: snowflake-api 0.14 sends only `sqlText` in its query request
//! and has no way to pass `bindings`, so values must travel inside the statement. This module is
//! the one place that turns a value into SQL, and it emits nothing but a single-quoted string
//! literal (or `NULL`); the statement casts each column to its declared type. Identifiers never
//! come from here: table and column names are constants in `tables.rs`.
//!
//! Snowflake's single-quoted strings treat `\` as an escape character and `''` as a quote, so
//! both are doubled; after that no escape sequence remains and the bytes between the quotes are
//! the value itself. NUL is refused outright rather than trusted to every layer in between.

use std::fmt;

use mirai_core::Timestamp;
use rust_decimal::Decimal;

/// Decimal places kept by every money, price and quantity column (`NUMBER(38, 18)`).
pub const MONEY_SCALE: u32 = 18;
/// Digits left of the point in those columns: 38 - 18.
const MONEY_INTEGER_DIGITS: usize = 20;

/// `0001-01-01T00:00:00.000Z` and `9999-12-31T23:59:59.999Z`: what TIMESTAMP_NTZ and our
/// formatting both handle.
const MIN_MS: i64 = -62_135_596_800_000;
const MAX_MS: i64 = 253_402_300_799_999;

/// A fragment of SQL that is safe to splice into a statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Literal(String);

impl Literal {
    pub const NULL: &'static str = "NULL";

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn null() -> Self {
        Self(Self::NULL.to_owned())
    }
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A value that cannot be written exactly; the record is refused rather than altered.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LiteralError {
    #[error("text contains a NUL character")]
    Nul,
    #[error("{value} has more than {MONEY_SCALE} decimal places; it would be rounded, so it is refused")]
    TooPrecise { value: String },
    #[error("{value} has more than {MONEY_INTEGER_DIGITS} digits before the point")]
    TooLarge { value: String },
    #[error("timestamp {ms} ms is outside years 1 to 9999")]
    TimestampOutOfRange { ms: i64 },
}

/// Any text, quoted and escaped.
pub fn text(s: &str) -> Result<Literal, LiteralError> {
    if s.contains('\0') {
        return Err(LiteralError::Nul);
    }
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\'' => out.push_str("''"),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('\'');
    Ok(Literal(out))
}

pub fn opt_text(s: Option<&str>) -> Result<Literal, LiteralError> {
    s.map_or_else(|| Ok(Literal::null()), text)
}

/// A decimal for a `NUMBER(38, 18)` column, refused if the column would round or overflow it.
/// `Decimal`'s `Display` never uses an exponent, so the text is plain digits, a point and a sign.
pub fn decimal(d: Decimal) -> Result<Literal, LiteralError> {
    let n = d.normalize();
    if n.scale() > MONEY_SCALE {
        return Err(LiteralError::TooPrecise { value: d.to_string() });
    }
    let integer_digits = n.trunc().abs().to_string().trim_start_matches('0').len();
    if integer_digits > MONEY_INTEGER_DIGITS {
        return Err(LiteralError::TooLarge { value: d.to_string() });
    }
    Ok(Literal(format!("'{n}'")))
}

pub fn opt_decimal(d: Option<Decimal>) -> Result<Literal, LiteralError> {
    d.map_or_else(|| Ok(Literal::null()), decimal)
}

/// A UTC instant for a `TIMESTAMP_NTZ(3)` column: `'YYYY-MM-DD HH:MM:SS.mmm'`.
pub fn timestamp(ts: Timestamp) -> Result<Literal, LiteralError> {
    let ms = ts.millis();
    if !(MIN_MS..=MAX_MS).contains(&ms) {
        return Err(LiteralError::TimestampOutOfRange { ms });
    }
    // "2026-11-23T02:24:39.123Z" -> "2026-11-23 02:24:39.123"
    let iso = ts.to_iso8601();
    Ok(Literal(format!("'{} {}'", &iso[..10], &iso[11..23])))
}

/// An integer (sequence numbers, exchange ids): only digits and a sign can come out.
pub fn integer(i: impl Into<i128>) -> Literal {
    Literal(format!("'{}'", i.into()))
}

pub fn opt_integer(i: Option<u64>) -> Literal {
    i.map_or_else(Literal::null, integer)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    use super::*;

    #[test]
    fn text_doubles_quotes_and_backslashes() {
        assert_eq!(text("plain").unwrap().as_str(), "'plain'");
        assert_eq!(text("it's").unwrap().as_str(), "'it''s'");
        assert_eq!(text(r"a\b").unwrap().as_str(), r"'a\\b'");
        assert_eq!(text(r"\'; DROP TABLE FILLS; --").unwrap().as_str(), r"'\\''; DROP TABLE FILLS; --'");
        assert_eq!(text("").unwrap().as_str(), "''");
        assert_eq!(text("a\0b"), Err(LiteralError::Nul));
        assert_eq!(opt_text(None).unwrap().as_str(), "NULL");
    }

    #[test]
    fn decimals_keep_every_digit_or_are_refused() {
        assert_eq!(decimal(dec!(62000.10000000)).unwrap().as_str(), "'62000.1'");
        assert_eq!(decimal(dec!(-0.000000000000000001)).unwrap().as_str(), "'-0.000000000000000001'");
        assert_eq!(decimal(dec!(99999999999999999999.5)).unwrap().as_str(), "'99999999999999999999.5'");
        assert!(matches!(decimal(dec!(0.0000000000000000001)), Err(LiteralError::TooPrecise { .. })));
        assert!(matches!(decimal(dec!(100000000000000000000)), Err(LiteralError::TooLarge { .. })));
        assert_eq!(decimal(Decimal::ZERO).unwrap().as_str(), "'0'");
    }

    #[test]
    fn timestamps_are_utc_with_milliseconds() {
        let t = Timestamp::from_millis(1_499_827_319_559);
        assert_eq!(timestamp(t).unwrap().as_str(), "'2017-07-12 02:41:59.559'");
        assert_eq!(timestamp(Timestamp::from_millis(0)).unwrap().as_str(), "'1970-01-01 00:00:00.000'");
        assert!(timestamp(Timestamp::from_millis(MAX_MS + 1)).is_err());
        assert!(timestamp(Timestamp::from_millis(MIN_MS)).is_ok());
    }

    #[test]
    fn integers_are_digits() {
        assert_eq!(integer(42u64).as_str(), "'42'");
        assert_eq!(integer(u64::MAX).as_str(), "'18446744073709551615'");
        assert_eq!(opt_integer(None).as_str(), "NULL");
    }

    proptest! {
        /// Whatever the input, the literal is one quoted token: it starts and ends with a quote,
        /// and every quote inside comes in a pair, so nothing can end the string early.
        #[test]
        fn text_literal_is_one_token(s in "\\PC*") {
            let lit = text(&s).unwrap();
            let body = &lit.as_str()[1..lit.as_str().len() - 1];
            prop_assert!(lit.as_str().starts_with('\'') && lit.as_str().ends_with('\''));
            prop_assert_eq!(body.replace("''", "").matches('\'').count(), 0);
            // Unescaping gives the input back.
            let back = body.replace("''", "'").replace("\\\\", "\\");
            prop_assert_eq!(back, s);
        }

        #[test]
        fn decimal_text_parses_back_to_the_same_value(m in any::<i64>(), scale in 0u32..=18) {
            let d = Decimal::new(m, scale);
            let lit = decimal(d).unwrap();
            let inner = lit.as_str().trim_matches('\'');
            prop_assert_eq!(inner.parse::<Decimal>().unwrap(), d);
        }
    }
}
