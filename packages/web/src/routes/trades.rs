//! `GET /api/trades?limit=N`: the latest fills, newest first (N from 1 to 500, default 50).

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use serde::Deserialize;
use serde_json::json;
use validator::Validate;

use crate::ctx::Ctx;
use crate::error::ApiResult;
use crate::plumbing::query::{QueryParams, parse_query};
use crate::plumbing::response::json;
use crate::plumbing::validation::validate;
use crate::views::TradeView;

pub(crate) const DEFAULT_LIMIT: u32 = 50;
pub(crate) const MAX_LIMIT: u32 = 500;

#[derive(Deserialize, Validate, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct TradesQuery {
    /// How many fills, newest first (1 to 500; 50 when not given).
    #[serde(default = "default_limit")]
    #[param(minimum = 1, maximum = 500)]
    #[validate(range(min = 1, max = MAX_LIMIT, message = "must be from 1 to 500"))]
    limit: u32,
}

fn default_limit() -> u32 {
    DEFAULT_LIMIT
}

impl QueryParams for TradesQuery {
    fn expects(_: &str) -> &'static str {
        "must be an integer from 1 to 500"
    }
}

/// The `limit` query parameter: 400 if it is not a number, 422 if it is out of range.
pub(crate) fn parse_limit(query: Option<&str>) -> ApiResult<u32> {
    let q: TradesQuery = parse_query(query)?;
    validate(&q)?;
    Ok(q.limit)
}

/// Newest first and at most `limit`, whatever order and count the backend returned.
pub(crate) fn newest_first(mut trades: Vec<TradeView>, limit: u32) -> Vec<TradeView> {
    trades.sort_by_key(|t| std::cmp::Reverse(t.ts));
    trades.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    trades
}

pub(super) async fn trades(ctx: &Ctx, req: &Request<Bytes>) -> ApiResult<Response<Bytes>> {
    let limit = parse_limit(req.uri().query())?;
    let trades = newest_first(ctx.backend.trades(limit).await?, limit);
    Ok(json(StatusCode::OK, &json!({ "trades": trades })))
}
