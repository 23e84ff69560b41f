//! `GET /api/news/search` and `GET /api/rationales/search`: text search over the news the
//! worker ingested and over its decisions' rationales.
//!
//! Query: `q` (required, 1 to 1000 characters), `symbol` (`BTCUSDT`), `since` and `until`
//! (inclusive; epoch ms, `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SSZ`), `limit` (1 to 50, default 10).
//! A value that cannot be read is a 400; a readable one that breaks a rule is a 422.

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use mirai_core::Symbol;
use serde::Deserialize;
use serde_json::json;
use validator::Validate;

use crate::backend::Backend;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::plumbing::query::{QueryParams, parse_query};
use crate::plumbing::response::json;
use crate::plumbing::time::QueryTime;
use crate::plumbing::validation::validate;
use crate::views::{DEFAULT_SEARCH_LIMIT, MAX_SEARCH_LIMIT, SearchHitView, SearchRequest};

/// Which collection a search reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Corpus {
    News,
    Rationales,
}

#[derive(Deserialize, Validate, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct SearchQuery {
    /// What to look for, in words (1 to 1000 characters).
    #[serde(default)]
    #[param(required = true, min_length = 1, max_length = 1000, pattern = r"\S")]
    #[validate(length(min = 1, max = 1000, message = "must be 1 to 1000 characters (not blank)"))]
    q: String,
    symbol: Option<Symbol>,
    /// A time: milliseconds since the epoch, `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SSZ` (UTC).
    #[param(value_type = Option<String>, pattern = r"^([0-9]{1,15}|[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}Z)?)$")]
    since: Option<QueryTime>,
    /// A time: milliseconds since the epoch, `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SSZ` (UTC).
    #[param(value_type = Option<String>, pattern = r"^([0-9]{1,15}|[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}Z)?)$")]
    until: Option<QueryTime>,
    /// How many hits at most (1 to 50).
    #[serde(default = "default_limit")]
    #[param(minimum = 1, maximum = 50)]
    #[validate(range(min = 1, max = MAX_SEARCH_LIMIT, message = "must be from 1 to 50"))]
    limit: u32,
}

fn default_limit() -> u32 {
    DEFAULT_SEARCH_LIMIT
}

impl QueryParams for SearchQuery {
    fn expects(name: &str) -> &'static str {
        match name {
            "symbol" => "must be a symbol such as BTCUSDT",
            "since" | "until" => "must be epoch milliseconds, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ",
            "limit" => "must be an integer from 1 to 50",
            _ => "cannot be read",
        }
    }
}

/// Reads and checks a search's query string.
pub(crate) fn parse_search(query: Option<&str>) -> ApiResult<SearchRequest> {
    let mut p: SearchQuery = parse_query(query)?;
    p.q = p.q.trim().to_owned();
    let (since, until) = (p.since.map(|t| t.0), p.until.map(|t| t.0));
    let mut fields = match validate(&p) {
        Ok(()) => Vec::new(),
        Err(ApiError::Validation(f)) => f,
        Err(other) => return Err(other),
    };
    if let (Some(s), Some(u)) = (since, until)
        && s > u
    {
        fields.push(FieldError {
            field: "since".into(),
            code: "order".into(),
            message: "must not be after `until`".into(),
        });
    }
    if !fields.is_empty() {
        fields.sort();
        return Err(ApiError::Validation(fields));
    }
    Ok(SearchRequest { q: p.q, symbol: p.symbol, since, until, limit: p.limit })
}

/// Best first and at most `limit`, whatever the backend returned.
pub(crate) fn best_first(mut hits: Vec<SearchHitView>, limit: u32) -> Vec<SearchHitView> {
    hits.sort_by(|a, b| b.score.total_cmp(&a.score));
    hits.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    hits
}

pub(crate) async fn search(
    backend: &dyn Backend,
    corpus: Corpus,
    req: &Request<Bytes>,
) -> ApiResult<Response<Bytes>> {
    let request = parse_search(req.uri().query())?;
    let limit = request.limit;
    let hits = match corpus {
        Corpus::News => backend.search_news(request).await?,
        Corpus::Rationales => backend.search_rationales(request).await?,
    };
    Ok(json(StatusCode::OK, &json!({ "results": best_first(hits, limit) })))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(q: &str) -> u16 {
        parse_search(Some(q)).map_or_else(|e| e.status().as_u16(), |_| 200)
    }

    #[test]
    fn a_full_query_is_read() {
        let r = parse_search(Some(
            "q=bitcoin+etf%20flows&symbol=btcusdt&since=2026-10-01&until=1800000000000&limit=5",
        ))
        .unwrap();
        assert_eq!(r.q, "bitcoin etf flows");
        assert_eq!(r.symbol, Some(Symbol::new("BTCUSDT")));
        assert_eq!(r.since.map(|t| t.millis()), Some(1_790_812_800_000));
        assert_eq!(r.until.map(|t| t.millis()), Some(1_800_000_000_000));
        assert_eq!(r.limit, 5);
        assert_eq!(parse_search(Some("q=x")).unwrap().limit, DEFAULT_SEARCH_LIMIT);
    }

    #[test]
    fn unreadable_values_are_400_and_broken_rules_422() {
        assert_eq!(status("symbol=BTCUSDT"), 422, "q is required");
        assert_eq!(status("q=+++"), 422, "blank");
        assert_eq!(status(&format!("q={}", "a".repeat(1001))), 422);
        assert_eq!(status("q=x&limit=0"), 422);
        assert_eq!(status("q=x&limit=51"), 422);
        assert_eq!(status("q=x&since=2026-10-02&until=2026-10-01"), 422);
        assert_eq!(status("q=x&limit=ten"), 400);
        assert_eq!(status("q=x&symbol=BTC-USDT"), 400);
        assert_eq!(status("q=x&since=yesterday"), 400);
        assert_eq!(status("q=%ff"), 400);
        assert_eq!(status("q=x&q=y"), 400);
    }
}
