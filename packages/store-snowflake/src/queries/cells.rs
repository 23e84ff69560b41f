//! Reading typed values out of text cells, with errors that name the column.

use std::str::FromStr;

use mirai_core::Timestamp;

use crate::SnowflakeError;
use crate::rows::Row;

pub(crate) fn opt(row: &Row, i: usize) -> Option<&str> {
    row.get(i).and_then(|c| c.as_deref())
}

pub(crate) fn req<'a>(row: &'a Row, i: usize, name: &str) -> Result<&'a str, SnowflakeError> {
    opt(row, i).ok_or_else(|| SnowflakeError::Decode(format!("{name} is NULL or missing")))
}

/// A cell through a domain parser (`Price::parse`, `Symbol::new_checked`, ...).
pub(crate) fn parse<T, E: std::fmt::Display>(
    row: &Row,
    i: usize,
    name: &str,
    parser: impl FnOnce(&str) -> Result<T, E>,
) -> Result<T, SnowflakeError> {
    let s = req(row, i, name)?;
    parser(s).map_err(|e| SnowflakeError::Decode(format!("{name} = {s:?}: {e}")))
}

/// Epoch milliseconds, as `DATE_PART(EPOCH_MILLISECOND, ...)` gives them.
pub(crate) fn millis(row: &Row, i: usize, name: &str) -> Result<Timestamp, SnowflakeError> {
    parse(row, i, name, |s| {
        // Some engines print integral NUMBERs of a computed scale with a ".000" tail.
        let whole =
            s.split_once('.').map_or(s, |(w, frac)| if frac.bytes().all(|b| b == b'0') { w } else { s });
        i64::from_str(whole).map(Timestamp::from_millis)
    })
}
