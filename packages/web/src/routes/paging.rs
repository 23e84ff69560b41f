//! The query parameters the paged lists share (`limit`, `cursor`, `symbol`), read as text and
//! checked here, so that a bad value is a 422 naming its field, as `from` and `to` are.

use mirai_core::Symbol;
use serde::Deserialize;

use crate::error::{ApiError, ApiResult, FieldError};
use crate::plumbing::query::QueryParams;
use crate::views::{DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT, PageCursor};

/// `limit` and `cursor`, the parameters of a list that has no other (`GET /api/backtests`).
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct PageParams {
    /// How many items at most (1 to 500; 100 when not given).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500)]
    pub(crate) limit: Option<String>,
    /// The `next` of the previous page: the page after it.
    #[param(pattern = r"^-?[0-9]+\.([0-9a-f]{2})*$")]
    pub(crate) cursor: Option<String>,
}

impl QueryParams for PageParams {
    fn expects(_: &str) -> &'static str {
        "cannot be read"
    }
}

fn push(fields: &mut Vec<FieldError>, field: &str, code: &str, message: String) {
    fields.push(FieldError { field: field.to_owned(), code: code.to_owned(), message });
}

/// `limit`: 1 to [`MAX_PAGE_LIMIT`], [`DEFAULT_PAGE_LIMIT`] when not given.
pub(crate) fn read_limit(value: Option<String>, fields: &mut Vec<FieldError>) -> u32 {
    let Some(value) = value else { return DEFAULT_PAGE_LIMIT };
    match value.trim().parse::<u32>() {
        Ok(n) if (1..=MAX_PAGE_LIMIT).contains(&n) => n,
        _ => {
            push(fields, "limit", "range", format!("must be an integer from 1 to {MAX_PAGE_LIMIT}"));
            DEFAULT_PAGE_LIMIT
        }
    }
}

/// `cursor`: the `next` of a previous page of the same list.
pub(crate) fn read_cursor(value: Option<String>, fields: &mut Vec<FieldError>) -> Option<PageCursor> {
    let value = value?;
    let cursor = PageCursor::decode(value.trim());
    if cursor.is_none() {
        push(fields, "cursor", "cursor", "must be the `next` of a previous page of this list".to_owned());
    }
    cursor
}

/// `symbol`: a pair as the exchange names it, in any case (`BTCUSDT`, `btcusdt`).
pub(crate) fn read_symbol(value: Option<String>, fields: &mut Vec<FieldError>) -> Option<Symbol> {
    let value = value?;
    let symbol = Symbol::new_checked(value.trim()).ok();
    if symbol.is_none() {
        push(fields, "symbol", "symbol", "must be a symbol such as BTCUSDT".to_owned());
    }
    symbol
}

/// A 422 listing `fields`, sorted, if there are any.
pub(crate) fn finish(mut fields: Vec<FieldError>) -> ApiResult<()> {
    if fields.is_empty() {
        return Ok(());
    }
    fields.sort();
    Err(ApiError::Validation(fields))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_cursors_and_symbols() {
        let mut fields = Vec::new();
        assert_eq!(read_limit(None, &mut fields), DEFAULT_PAGE_LIMIT);
        assert_eq!(read_limit(Some(" 500".into()), &mut fields), 500);
        assert_eq!(read_limit(Some("1".into()), &mut fields), 1);
        assert_eq!(read_symbol(Some("btcusdt".into()), &mut fields), Some(Symbol::new("BTCUSDT")));
        let c = PageCursor::new(mirai_core::Timestamp::from_millis(7), "x");
        assert_eq!(read_cursor(Some(c.encode()), &mut fields), Some(c));
        assert!(fields.is_empty(), "{fields:?}");
        for bad in ["0", "501", "ten", "-1", "1.5"] {
            let mut fields = Vec::new();
            read_limit(Some(bad.into()), &mut fields);
            assert_eq!(fields.len(), 1, "{bad}");
            assert_eq!(fields[0].field, "limit");
        }
        let mut fields = Vec::new();
        assert_eq!(read_cursor(Some("garbage".into()), &mut fields), None);
        assert_eq!(read_symbol(Some("BTC/USDT".into()), &mut fields), None);
        let named: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(named, ["cursor", "symbol"]);
        assert!(matches!(finish(fields), Err(ApiError::Validation(f)) if f.len() == 2));
        assert!(finish(Vec::new()).is_ok());
    }
}
