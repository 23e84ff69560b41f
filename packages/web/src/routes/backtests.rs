//! `POST /api/backtests` (start one), `GET /api/backtests/{id}` (progress) and
//! `GET /api/backtests/{id}/result`. The worker runs them off its trading task, a few at a time.

use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode, header};

use crate::backend::Backend;
use crate::error::{ApiError, ApiResult};
use crate::plumbing::request::json_body;
use crate::plumbing::response::json;
use crate::plumbing::validation::validate;
use crate::views::BacktestRequest;

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
}
