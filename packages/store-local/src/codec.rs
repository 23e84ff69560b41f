//! Cell codecs: how domain values become SQLite cells and how cells become domain values again.
//!
//! Decimals are written with `Decimal`'s `Display`, which never uses an exponent and keeps the
//! scale ("0.00100000" stays "0.00100000"), and read back with the domain parsers, so a value
//! round-trips to the last digit. A cell that does not decode is a `StoreError::Corrupt`.

use std::fmt::Display;

use mirai_core::{Action, Side, TimeInForce, Timestamp};
use rusqlite::Row;
use rusqlite::types::ValueRef;

use crate::{Result, StoreError};

/// Longest stored value quoted in an error, so a damaged row cannot flood the logs.
const MAX_QUOTED: usize = 80;

fn column_name(row: &Row<'_>, idx: usize) -> String {
    row.as_ref().column_name(idx).map_or_else(|_| format!("#{idx}"), str::to_owned)
}

fn corrupt(row: &Row<'_>, idx: usize, value: &str, why: impl Display) -> StoreError {
    let mut value = value.to_owned();
    if value.len() > MAX_QUOTED {
        let cut = (0..=MAX_QUOTED).rev().find(|&i| value.is_char_boundary(i)).unwrap_or(0);
        value.truncate(cut);
        value.push('…');
    }
    StoreError::Corrupt { column: column_name(row, idx), value, why: why.to_string() }
}

/// A TEXT cell, or `None` for NULL. Any other storage class is corruption: in particular a REAL
/// in a money column would mean the value went through a float.
pub(crate) fn opt_text(row: &Row<'_>, idx: usize) -> Result<Option<String>> {
    match row.get_ref(idx)? {
        ValueRef::Null => Ok(None),
        ValueRef::Text(bytes) => match std::str::from_utf8(bytes) {
            Ok(s) => Ok(Some(s.to_owned())),
            Err(_) => Err(corrupt(row, idx, "<bytes>", "not UTF-8")),
        },
        other => Err(corrupt(row, idx, &format!("{other:?}"), "expected TEXT")),
    }
}

pub(crate) fn text(row: &Row<'_>, idx: usize) -> Result<String> {
    opt_text(row, idx)?.ok_or_else(|| corrupt(row, idx, "NULL", "expected TEXT"))
}

/// A TEXT cell decoded by a domain parser (`Price::parse`, `Symbol::new_checked`, ...).
pub(crate) fn parse<T, E: Display>(
    row: &Row<'_>,
    idx: usize,
    parser: impl FnOnce(&str) -> std::result::Result<T, E>,
) -> Result<T> {
    let s = text(row, idx)?;
    parser(&s).map_err(|e| corrupt(row, idx, &s, e))
}

/// Like [`parse`] for a nullable column.
pub(crate) fn opt_parse<T, E: Display>(
    row: &Row<'_>,
    idx: usize,
    parser: impl FnOnce(&str) -> std::result::Result<T, E>,
) -> Result<Option<T>> {
    match opt_text(row, idx)? {
        None => Ok(None),
        Some(s) => parser(&s).map(Some).map_err(|e| corrupt(row, idx, &s, e)),
    }
}

pub(crate) fn timestamp(row: &Row<'_>, idx: usize) -> Result<Timestamp> {
    Ok(Timestamp::from_millis(row.get(idx)?))
}

/// A non-negative INTEGER cell as `u64` (sequence numbers, exchange order ids).
pub(crate) fn opt_u64(row: &Row<'_>, idx: usize) -> Result<Option<u64>> {
    let v: Option<i64> = row.get(idx)?;
    v.map(|v| u64::try_from(v).map_err(|_| corrupt(row, idx, &v.to_string(), "negative"))).transpose()
}

/// A `u64` as SQLite's signed integer, refused rather than wrapped if it does not fit.
pub(crate) fn int_u64(what: &'static str, value: u64) -> Result<i64> {
    i64::try_from(value).map_err(|_| StoreError::TooLarge { what, value })
}

/// Decimal text as written: full precision, original scale, never an exponent.
pub(crate) fn dec(value: rust_decimal::Decimal) -> String {
    value.to_string()
}

pub(crate) fn side_from(s: &str) -> std::result::Result<Side, &'static str> {
    match s {
        "BUY" => Ok(Side::Buy),
        "SELL" => Ok(Side::Sell),
        _ => Err("not a side (BUY or SELL)"),
    }
}

pub(crate) fn action_from(s: &str) -> std::result::Result<Action, &'static str> {
    match s {
        "buy" => Ok(Action::Buy),
        "sell" => Ok(Action::Sell),
        "hold" => Ok(Action::Hold),
        _ => Err("not an action (buy, sell or hold)"),
    }
}

/// Binance's spelling, the same as the core type's serde form.
pub(crate) fn tif_str(tif: TimeInForce) -> &'static str {
    match tif {
        TimeInForce::Gtc => "GTC",
        TimeInForce::Ioc => "IOC",
        TimeInForce::Fok => "FOK",
    }
}

pub(crate) fn tif_from(s: &str) -> std::result::Result<TimeInForce, &'static str> {
    match s {
        "GTC" => Ok(TimeInForce::Gtc),
        "IOC" => Ok(TimeInForce::Ioc),
        "FOK" => Ok(TimeInForce::Fok),
        _ => Err("not a time in force (GTC, IOC or FOK)"),
    }
}
