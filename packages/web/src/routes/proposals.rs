//! `GET /api/proposals?status=&limit=` (orders held for a person's approval, newest first) and
//! `POST /api/proposals/{id}/approve` / `.../reject`. The worker decides: an approval re-runs
//! every risk gate at the price of the moment, so it can still be refused (a 409 saying why).
//! The control API serves the same shapes under `/internal/v1/proposals`.

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use mirai_core::ClientOrderId;
use serde::{Deserialize, Deserializer};
use serde_json::json;
use validator::Validate;

use crate::backend::{Backend, BackendError};
use crate::error::{ApiError, ApiResult};
use crate::plumbing::query::{QueryParams, parse_query};
use crate::plumbing::request::json_body;
use crate::plumbing::response::json;
use crate::plumbing::validation::validate;
use crate::views::{ProposalStatus, ProposalView};

pub(crate) const DEFAULT_LIMIT: u32 = 50;
pub(crate) const MAX_LIMIT: u32 = 200;

#[derive(Deserialize, Validate, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct ProposalsQuery {
    /// Only proposals in this state.
    #[serde(default, deserialize_with = "status_of")]
    status: Option<ProposalStatus>,
    /// How many at most, newest first (1 to 200).
    #[serde(default = "default_limit")]
    #[param(minimum = 1, maximum = 200)]
    #[validate(range(min = 1, max = MAX_LIMIT, message = "must be from 1 to 200"))]
    limit: u32,
}

fn default_limit() -> u32 {
    DEFAULT_LIMIT
}

/// A status in any case (`pending`, `Pending`, `PENDING`): people type these in URLs.
fn status_of<'de, D: Deserializer<'de>>(d: D) -> Result<Option<ProposalStatus>, D::Error> {
    let s = String::deserialize(d)?;
    ProposalStatus::parse(&s).map(Some).ok_or_else(|| serde::de::Error::custom("unknown proposal status"))
}

impl QueryParams for ProposalsQuery {
    fn expects(name: &str) -> &'static str {
        match name {
            "status" => "must be one of PENDING, APPROVED, REJECTED, EXPIRED, EXECUTED, FAILED",
            _ => "must be an integer from 1 to 200",
        }
    }
}

/// The `status` and `limit` query parameters: 400 naming the parameter that cannot be read,
/// 422 for a limit out of range.
pub(crate) fn parse_list_query(query: Option<&str>) -> ApiResult<(Option<ProposalStatus>, u32)> {
    let q: ProposalsQuery = parse_query(query)?;
    validate(&q)?;
    Ok((q.status, q.limit))
}

/// Newest first and at most `limit`, whatever order and count the backend returned.
pub(crate) fn newest_first(mut list: Vec<ProposalView>, limit: u32) -> Vec<ProposalView> {
    // Ties (two proposals in the same millisecond) keep the backend's order, which is stable.
    list.sort_by_key(|p| std::cmp::Reverse(p.created_at));
    list.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    list
}

/// Whether `id` can name a proposal in a path: a client order id (1 to 36 characters of
/// `A-Z a-z 0-9 . : / _ -`) that is one path segment and not `.` or `..`, which clients and
/// proxies would resolve away.
pub(crate) fn id_ok(id: &str) -> bool {
    !id.contains('/') && !id.chars().all(|c| c == '.') && ClientOrderId::new_checked(id).is_ok()
}

/// The answer for an id that cannot exist: the same 404 as an unknown one, without echoing it.
pub(crate) fn no_such_proposal() -> ApiError {
    ApiError::Backend(BackendError::NotFound("no such proposal".to_owned()))
}

/// What follows `prefix` in a decision path `{prefix}/{id}/approve|reject`: `Some((id,
/// approve))`, `Some(Err(404))` for any other path under `{prefix}/`, or `None` when the path is
/// not under it.
pub(crate) fn parse_path<'a>(path: &'a str, prefix: &str) -> Option<ApiResult<(&'a str, bool)>> {
    let rest = path.strip_prefix(prefix)?.strip_prefix('/')?;
    let Some((id, action)) = rest.rsplit_once('/') else { return Some(Err(ApiError::NotFound)) };
    let approve = match action {
        "approve" => true,
        "reject" => false,
        _ => return Some(Err(ApiError::NotFound)),
    };
    Some(if id_ok(id) { Ok((id, approve)) } else { Err(no_such_proposal()) })
}

/// The body of a public decision: nothing, or `{}` (the acting user comes from the token, never
/// from the body).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoFields {}

pub(crate) async fn list(backend: &dyn Backend, req: &Request<Bytes>) -> ApiResult<Response<Bytes>> {
    let (status, limit) = parse_list_query(req.uri().query())?;
    let proposals = newest_first(backend.proposals(status, limit).await?, limit);
    Ok(json(StatusCode::OK, &json!({ "proposals": proposals })))
}

pub(crate) async fn decide(
    backend: &dyn Backend,
    id: &str,
    approve: bool,
    user: &str,
    req: &Request<Bytes>,
) -> ApiResult<Response<Bytes>> {
    if !req.body().iter().all(u8::is_ascii_whitespace) {
        let _: NoFields = json_body(req, true)?;
    }
    let verb = if approve { "approve" } else { "reject" };
    tracing::warn!(%user, %id, action = verb, "proposal decision");
    let decided = backend.decide_proposal(id.to_owned(), approve, user.to_owned()).await?;
    Ok(json(StatusCode::OK, &decided))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        let p = |s| parse_path(s, "/api/proposals").map(|r| r.map_err(|e| e.status().as_u16()));
        assert_eq!(
            p("/api/proposals/mi-0123456789abcdef-b/approve"),
            Some(Ok(("mi-0123456789abcdef-b", true)))
        );
        assert_eq!(p("/api/proposals/a.b:c_d/reject"), Some(Ok(("a.b:c_d", false))));
        assert_eq!(p("/api/proposals"), None);
        assert_eq!(p("/api/proposalsX/a/approve"), None);
        for bad in [
            "/api/proposals/",
            "/api/proposals/mi-1",
            "/api/proposals/mi-1/approve/",
            "/api/proposals/mi-1/APPROVE",
            "/api/proposals//approve",
            "/api/proposals/a/b/approve",
            "/api/proposals/../approve",
            "/api/proposals/mi%201/approve",
            "/api/proposals/<b>/approve",
        ] {
            assert_eq!(p(bad), Some(Err(404)), "{bad}");
        }
        let long = format!("/api/proposals/{}/approve", "a".repeat(37));
        assert_eq!(p(&long), Some(Err(404)));
        let longest = format!("/api/proposals/{}/approve", "a".repeat(36));
        assert!(matches!(p(&longest), Some(Ok(_))));
    }

    #[test]
    fn list_queries() {
        assert_eq!(parse_list_query(None).ok(), Some((None, DEFAULT_LIMIT)));
        assert_eq!(
            parse_list_query(Some("status=pending&limit=200")).ok(),
            Some((Some(ProposalStatus::Pending), 200))
        );
        assert_eq!(
            parse_list_query(Some("status=Executed")).ok(),
            Some((Some(ProposalStatus::Executed), 50))
        );
        assert!(
            matches!(parse_list_query(Some("status=open")), Err(ApiError::BadRequest(m)) if m.contains("`status`"))
        );
        assert!(matches!(parse_list_query(Some("limit=201")), Err(ApiError::Validation(_))));
        assert!(
            matches!(parse_list_query(Some("limit=x")), Err(ApiError::BadRequest(m)) if m.contains("`limit`"))
        );
    }
}
