//! Canonical cells: one spelling for each value whichever engine computed it, so a report from
//! the local ledger and one from Snowflake compare as text.

use mirai_core::{MS_PER_DAY, Timestamp};
use rust_decimal::{Decimal, RoundingStrategy};

/// How a column's cells are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Text,
    /// A whole number.
    Int,
    /// An exact decimal, without trailing zeros.
    Number,
    /// A decimal the view rounds to this many places, half away from zero (SQL's `ROUND`).
    Rounded(u32),
    /// An instant, ISO-8601 UTC with milliseconds.
    Time,
    /// A UTC day, `YYYY-MM-DD`.
    Day,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a {kind:?} cell")]
pub struct CellError {
    pub kind: Kind,
    pub value: String,
}

impl Kind {
    /// A cell as an engine printed it (`TO_VARCHAR`; times as epoch milliseconds), made canonical.
    pub fn canonical(self, raw: &str) -> Result<String, CellError> {
        let bad = || CellError { kind: self, value: raw.chars().take(80).collect() };
        match self {
            Kind::Text | Kind::Day => Ok(raw.to_owned()),
            Kind::Int | Kind::Number => raw.parse::<Decimal>().map(number).map_err(|_| bad()),
            Kind::Rounded(dp) => raw.parse::<Decimal>().map(|d| rounded(d, dp)).map_err(|_| bad()),
            Kind::Time => {
                let ms: Decimal = raw.parse().map_err(|_| bad())?;
                let ms = i64::try_from(ms.trunc()).map_err(|_| bad())?;
                Ok(time(Timestamp::from_millis(ms)))
            }
        }
    }
}

pub(crate) fn number(d: Decimal) -> String {
    if d.is_zero() { "0".to_owned() } else { d.normalize().to_string() }
}

pub(crate) fn rounded(d: Decimal, dp: u32) -> String {
    number(d.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero))
}

pub(crate) fn time(t: Timestamp) -> String {
    t.to_iso8601()
}

/// The UTC day of `t`, `YYYY-MM-DD`.
pub(crate) fn day(t: Timestamp) -> String {
    let mut s = Timestamp::from_millis(t.utc_day() * MS_PER_DAY).to_iso8601();
    s.truncate(10);
    s
}

pub(crate) fn int(n: impl Into<i128>) -> String {
    n.into().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engines_spellings_become_one() {
        assert_eq!(Kind::Number.canonical("29.960000000000000000").unwrap(), "29.96");
        assert_eq!(Kind::Number.canonical("0.000000000000000000").unwrap(), "0");
        assert_eq!(Kind::Number.canonical("-0.0").unwrap(), "0");
        assert_eq!(Kind::Int.canonical("1.0").unwrap(), "1");
        assert_eq!(Kind::Rounded(8).canonical("110.0").unwrap(), "110");
        assert_eq!(Kind::Rounded(0).canonical("850.5").unwrap(), "851");
        assert_eq!(Kind::Rounded(4).canonical("0.666666666").unwrap(), "0.6667");
        assert_eq!(Kind::Time.canonical("1767261600000").unwrap(), "2026-01-01T10:00:00.000Z");
        assert!(Kind::Time.canonical("soon").is_err());
        assert_eq!(day(Timestamp::from_millis(1_767_261_600_000)), "2026-01-01");
    }
}
