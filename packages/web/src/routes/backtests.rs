//! `POST /api/backtests` (start one), `GET /api/backtests?limit=&cursor=` (the jobs the worker
//! keeps, newest first, a page at a time), `GET /api/backtests/{id}` (progress) and
//! `GET /api/backtests/{id}/result`. The worker runs them off its trading task, a few at a time.

use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode, header};

use super::paging::{PageParams, finish, read_cursor, read_limit};
use crate::backend::Backend;
use crate::error::{ApiError, ApiResult};
use crate::plumbing::query::parse_query;
use crate::plumbing::request::json_body;
use crate::plumbing::response::json;
use crate::plumbing::validation::validate;
use crate::views::{BacktestRequest, BacktestsQuery};

/// Validates and forwards a new backtest; 202 with the job and its `Location`.
pub(crate) async fn create(
    backend: &dyn Backend,
    path_prefix: &str,
    req: &Request<Bytes>,
) -> ApiResult<Response<Bytes>> {
    let body: BacktestRequest = json_body(req, true)?;
    validate(&body)?;
    let job = backend.create_backtest(body).await?;
    let mut resp = json(StatusCode::ACCEPTED, &job);
    if let Ok(location) = HeaderValue::from_str(&format!("{path_prefix}/{}", job.id)) {
        resp.headers_mut().insert(header::LOCATION, location);
    }
    Ok(resp)
}

/// Reads and checks `GET /api/backtests`' query string: `limit` 1 to 500 (100 when not given)
/// and `cursor`, each bad value a 422 naming it.
pub(crate) fn parse_list(query: Option<&str>) -> ApiResult<BacktestsQuery> {
    let q: PageParams = parse_query(query)?;
    let mut fields = Vec::new();
    let limit = read_limit(q.limit, &mut fields);
    let cursor = read_cursor(q.cursor, &mut fields);
    finish(fields)?;
    Ok(BacktestsQuery { limit, cursor })
}

pub(crate) async fn list(backend: &dyn Backend, req: &Request<Bytes>) -> ApiResult<Response<Bytes>> {
    let query = parse_list(req.uri().query())?;
    Ok(json(StatusCode::OK, &backend.backtests(query).await?))
}

pub(crate) async fn progress(backend: &dyn Backend, id: &str) -> ApiResult<Response<Bytes>> {
    Ok(json(StatusCode::OK, &backend.backtest(id).await?))
}

pub(crate) async fn result(backend: &dyn Backend, id: &str) -> ApiResult<Response<Bytes>> {
    Ok(json(StatusCode::OK, &backend.backtest_result(id).await?))
}

/// What follows `prefix` in a backtest path: `Some((id, wants_result))`, or `None` when the
/// path is no backtest route. Ids are 1 to 64 characters of `A-Za-z0-9_-`; anything else is
/// a 404 before the backend is asked.
pub(crate) fn parse_path<'a>(path: &'a str, prefix: &str) -> Option<Result<(&'a str, bool), ApiError>> {
    let rest = path.strip_prefix(prefix)?.strip_prefix('/')?;
    let (id, result) = match rest.strip_suffix("/result") {
        Some(id) => (id, true),
        None => (rest, false),
    };
    let ok = !id.is_empty()
        && id.len() <= 64
        && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    Some(if ok { Ok((id, result)) } else { Err(ApiError::NotFound) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        let p = |s| parse_path(s, "/api/backtests").map(|r| r.ok());
        assert_eq!(p("/api/backtests/bt-1"), Some(Some(("bt-1", false))));
        assert_eq!(p("/api/backtests/bt-1/result"), Some(Some(("bt-1", true))));
        assert_eq!(p("/api/backtests/a/b"), Some(None));
        assert_eq!(p("/api/backtests/"), Some(None));
        assert_eq!(p("/api/backtests"), None);
        assert_eq!(p("/api/backtestsX/1"), None);
    }

    #[test]
    fn list_queries() {
        let read = |q: &str| parse_list(Some(q)).map_err(|e| e.status().as_u16());
        assert_eq!(read(""), Ok(BacktestsQuery::default()));
        let q = BacktestsQuery {
            limit: 2,
            cursor: Some(crate::views::PageCursor::new(mirai_core::Timestamp::from_millis(3), "bt-1")),
        };
        assert_eq!(read(&q.to_query_string()), Ok(q));
        assert_eq!(read("limit=0"), Err(422));
        assert_eq!(read("cursor=bt-1"), Err(422));
        assert_eq!(read("limit=1&limit=1"), Err(400));
    }
}
