//! `GET /api/round-trips?symbol=&from=&to=&limit=&cursor=`: closed trades as the `ROUND_TRIPS`
//! view defines them, newest exit first, a page at a time.
//!
//! `symbol` in any case; `from` and `to` on the trip's exit, read as on `/api/performance`;
//! `limit` 1 to 500 (100 when not given); `cursor` the `next` of the previous page. A bad value is
//! a 422 naming its field; a parameter given twice is a 400; other parameters are ignored.

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use serde::Deserialize;

use super::paging::{finish, read_cursor, read_limit, read_symbol};
use super::performance::read_window;
use crate::backend::Backend;
use crate::error::ApiResult;
use crate::plumbing::query::{QueryParams, parse_query};
use crate::plumbing::response::json;
use crate::views::RoundTripsQuery;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct RoundTripsParams {
    /// Only this symbol's round trips (`BTCUSDT`).
    #[param(pattern = r"^[A-Za-z0-9]{1,20}$")]
    symbol: Option<String>,
    /// A time: milliseconds since the epoch, `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SSZ` (UTC).
    #[param(pattern = r"^([0-9]{1,15}|[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}Z)?)$")]
    from: Option<String>,
    /// A time: milliseconds since the epoch, `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SSZ` (UTC).
    #[param(pattern = r"^([0-9]{1,15}|[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}Z)?)$")]
    to: Option<String>,
    /// How many items at most (1 to 500; 100 when not given).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500)]
    limit: Option<String>,
    /// The `next` of the previous page: the page after it.
    #[param(pattern = r"^-?[0-9]+\.([0-9a-f]{2})*$")]
    cursor: Option<String>,
}

impl QueryParams for RoundTripsParams {
    fn expects(_: &str) -> &'static str {
        "cannot be read"
    }
}

/// Reads and checks `GET /api/round-trips`' query string.
pub(crate) fn parse_round_trips(query: Option<&str>) -> ApiResult<RoundTripsQuery> {
    let q: RoundTripsParams = parse_query(query)?;
    let mut fields = Vec::new();
    let symbol = read_symbol(q.symbol, &mut fields);
    let (from, to) = read_window(q.from, q.to, &mut fields);
    let limit = read_limit(q.limit, &mut fields);
    let cursor = read_cursor(q.cursor, &mut fields);
    finish(fields)?;
    Ok(RoundTripsQuery { symbol, from, to, limit, cursor })
}

pub(crate) async fn round_trips(backend: &dyn Backend, req: &Request<Bytes>) -> ApiResult<Response<Bytes>> {
    let query = parse_round_trips(req.uri().query())?;
    Ok(json(StatusCode::OK, &backend.round_trips(query).await?))
}

#[cfg(test)]
mod tests {
    use mirai_core::{Symbol, Timestamp};

    use super::*;
    use crate::views::PageCursor;

    fn read(q: &str) -> Result<RoundTripsQuery, (u16, Vec<String>)> {
        parse_round_trips(Some(q)).map_err(|e| e.status_and_fields())
    }

    #[test]
    fn every_parameter_is_read_and_the_client_writes_what_the_server_reads() {
        assert_eq!(read("other=1"), Ok(RoundTripsQuery::default()));
        let q = RoundTripsQuery {
            symbol: Some(Symbol::new("ETHUSDT")),
            from: Some(Timestamp::from_millis(0)),
            to: Some(Timestamp::from_millis(1_759_276_800_000)),
            limit: 500,
            cursor: Some(RoundTripsQuery::key(Timestamp::from_millis(5), Symbol::new("ETHUSDT"), 12)),
        };
        assert_eq!(read(&q.to_query_string()), Ok(q));
        assert_eq!(read("symbol=ethusdt&to=2025-10-01").map(|q| q.symbol), Ok(Some(Symbol::new("ETHUSDT"))));
    }

    #[test]
    fn each_bad_value_is_named() {
        assert_eq!(read("limit=0"), Err((422, vec!["limit".into()])));
        assert_eq!(read("limit=lots"), Err((422, vec!["limit".into()])));
        assert_eq!(read("cursor=abc"), Err((422, vec!["cursor".into()])));
        assert_eq!(read("symbol=BTC-USDT"), Err((422, vec!["symbol".into()])));
        assert_eq!(
            read("from=2025-10-02&to=2025-10-01&limit=501&cursor=1.f"),
            Err((422, vec!["cursor".into(), "from".into(), "limit".into()]))
        );
        assert_eq!(read("limit=1&limit=2"), Err((400, Vec::new())));
        let c = PageCursor::new(Timestamp::from_millis(1), "x").encode();
        assert!(read(&format!("cursor={c}")).is_ok());
    }
}
