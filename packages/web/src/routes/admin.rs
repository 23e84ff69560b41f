//! The admin routes: `GET`/`PUT /api/risk` (the risk limits), `GET /api/audit?limit=&cursor=`
//! (the hash-chained audit log, newest first, with whether the chain verifies), `GET /api/live`,
//! `POST /api/live/approve` and `/api/live/revoke` (the live-trading approval), and
//! `GET`/`POST /api/users`, `PUT`/`DELETE /api/users/{name}` (the dashboard's users). The acting
//! user is always the session's, never anything the request says; the worker audits each change
//! under it. The control API serves the same shapes (`control_api::server`).

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};

use super::paging::{finish, read_limit};
use crate::auth::{AuthError, Session, Verdict, check_username, client_addr, sanitize_username};
use crate::backend::{Backend, BackendError};
use crate::ctx::Ctx;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::plumbing::query::{QueryParams, parse_query};
use crate::plumbing::request::json_body;
use crate::plumbing::response::json;
use crate::views::{
    AuditQuery, LIVE_CONFIRMATION, LiveApproveRequest, MAX_OVERRIDE_CHARS, MAX_PASSWORD_CHARS, NewUser,
    UserUpdate, check_password, parse_risk_limits,
};

pub(crate) const USERS: &str = "/api/users";

fn field(field: &str, code: &str, message: impl Into<String>) -> FieldError {
    FieldError { field: field.to_owned(), code: code.to_owned(), message: message.into() }
}

// ---- Risk limits ----------------------------------------------------------------------------

pub(crate) async fn risk(backend: &dyn Backend) -> ApiResult<Response<Bytes>> {
    Ok(json(StatusCode::OK, &backend.risk_limits().await?))
}

/// `PUT /api/risk {"limits": {…}}`: every limit, checked (every problem in one 422 naming the
/// fields), then handed to the worker, which keeps them and applies them from the next decision.
pub(crate) async fn set_risk(
    backend: &dyn Backend,
    session: &Session,
    req: &Request<Bytes>,
) -> ApiResult<Response<Bytes>> {
    let body: Value = json_body(req, true)?;
    let limits = parse_risk_limits(&body).map_err(ApiError::Validation)?;
    tracing::warn!(user = %session.user, "risk limits change requested");
    Ok(json(StatusCode::OK, &backend.set_risk_limits(limits, session.user.clone()).await?))
}

// ---- Audit log ------------------------------------------------------------------------------

/// `GET /api/audit`'s parameters: a page's, with the audit log's own cursor (an entry's seq).
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct AuditParams {
    /// How many entries at most (1 to 500; 100 when not given).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500)]
    limit: Option<String>,
    /// The `next` of the previous page: the entries older than it.
    #[param(pattern = r"^([2-9]|[1-9][0-9]{1,17})?$")]
    cursor: Option<String>,
}

impl QueryParams for AuditParams {
    fn expects(_: &str) -> &'static str {
        "cannot be read"
    }
}

/// `limit` (1 to 500, 100 when not given) and `cursor` (the `next` of the page before: a seq),
/// each bad value a 422 naming it.
pub(crate) fn parse_audit_query(query: Option<&str>) -> ApiResult<AuditQuery> {
    let q: AuditParams = parse_query(query)?;
    let mut fields = Vec::new();
    let limit = read_limit(q.limit, &mut fields);
    let before = q.cursor.and_then(|c| match c.trim().parse::<u64>() {
        Ok(seq) if (2..=i64::MAX as u64).contains(&seq) => Some(seq),
        _ => {
            fields.push(field("cursor", "cursor", "must be the `next` of a previous page of the audit log"));
            None
        }
    });
    finish(fields)?;
    Ok(AuditQuery { limit, before })
}

pub(crate) async fn audit(backend: &dyn Backend, req: &Request<Bytes>) -> ApiResult<Response<Bytes>> {
    let query = parse_audit_query(req.uri().query())?;
    Ok(json(StatusCode::OK, &backend.audit(query).await?))
}

// ---- Live approval --------------------------------------------------------------------------

pub(crate) async fn live(backend: &dyn Backend) -> ApiResult<Response<Bytes>> {
    Ok(json(StatusCode::OK, &backend.live_approval().await?))
}

/// `POST /api/live/approve`: the user's password again, and `confirm` typed as
/// [`LIVE_CONFIRMATION`]; `override` with a reason when the pre-flight checks fail (as `mirai
/// live approve --override`). No `Debug`: it holds a password.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ApproveBody {
    /// The approving admin's password, again.
    #[serde(default)]
    #[schema(value_type = String, required = true, format = Password, min_length = 1, max_length = 1024)]
    password: Option<String>,
    /// Typed by the person approving: `APPROVE LIVE TRADING`.
    #[serde(default)]
    #[schema(value_type = String, required = true, pattern = "^APPROVE LIVE TRADING$")]
    confirm: Option<String>,
    /// Why the pre-flight checks are overridden, when they fail.
    #[serde(default, rename = "override")]
    #[schema(min_length = 1, max_length = 500)]
    override_reason: Option<String>,
}

/// The checks on the body that need no password check: every problem at once.
fn check_approval(body: &ApproveBody) -> ApiResult<Option<String>> {
    let mut fields = Vec::new();
    match body.password.as_deref() {
        None | Some("") => fields.push(field("password", "required", "give your password again")),
        Some(p) if p.chars().count() > MAX_PASSWORD_CHARS => {
            fields.push(field(
                "password",
                "length",
                format!("must be at most {MAX_PASSWORD_CHARS} characters"),
            ));
        }
        Some(_) => {}
    }
    match body.confirm.as_deref().map(str::trim) {
        Some(c) if c == LIVE_CONFIRMATION => {}
        Some(_) => {
            fields.push(field("confirm", "mismatch", format!("must be exactly \"{LIVE_CONFIRMATION}\"")))
        }
        None => fields.push(field("confirm", "required", format!("type \"{LIVE_CONFIRMATION}\" to confirm"))),
    }
    let reason = body.override_reason.as_deref().map(str::trim);
    if reason.is_some_and(|r| r.is_empty() || r.chars().count() > MAX_OVERRIDE_CHARS) {
        fields.push(field("override", "length", format!("a reason of 1 to {MAX_OVERRIDE_CHARS} characters")));
    }
    finish(fields)?;
    Ok(reason.map(str::to_owned))
}

/// Approves live trading as the session's user, once their password checks again. A wrong
/// password is a 403 and records nothing; it counts towards the login lockout of the user (and
/// the address), so a stolen token cannot be used to guess the password.
pub(crate) async fn approve_live(
    ctx: &Ctx,
    session: &Session,
    req: &Request<Bytes>,
) -> ApiResult<Response<Bytes>> {
    // The body holds a password: parse errors must not quote it back.
    let body: ApproveBody = json_body(req, false)?;
    let override_reason = check_approval(&body)?;
    let user = session.user.as_str();
    let client = client_addr(req);
    let now = ctx.auth.now();
    if let Verdict::Locked { retry_after_secs, .. } = ctx.limiter.check(user, client, now) {
        tracing::warn!(%user, "live approval refused: too many wrong passwords");
        return Err(ApiError::TooManyRequests { retry_after_secs });
    }
    match ctx.auth.verify_password(user, body.password.as_deref().unwrap_or_default()).await {
        Ok(true) => {}
        Ok(false) => {
            ctx.limiter.record_failure(user, client, now);
            tracing::warn!(%user, "live approval refused: the password given again is wrong");
            return Err(ApiError::PasswordMismatch);
        }
        Err(AuthError::Directory(e)) => return Err(ApiError::Backend(e)),
        Err(other) => return Err(ApiError::Internal(other.to_string())),
    }
    tracing::warn!(%user, overridden = override_reason.is_some(), "live trading approval requested");
    let request = LiveApproveRequest { by: user.to_owned(), override_reason };
    Ok(json(StatusCode::OK, &ctx.backend.approve_live(request).await?))
}

/// The body of a revoke: nothing, or `{}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoFields {}

pub(crate) async fn revoke_live(
    backend: &dyn Backend,
    session: &Session,
    req: &Request<Bytes>,
) -> ApiResult<Response<Bytes>> {
    if !req.body().iter().all(u8::is_ascii_whitespace) {
        let _: NoFields = json_body(req, true)?;
    }
    tracing::warn!(user = %session.user, "live trading approval revoked");
    Ok(json(StatusCode::OK, &backend.revoke_live(session.user.clone()).await?))
}

// ---- Users ----------------------------------------------------------------------------------

/// The user named in `/api/users/{name}` (percent-decoded), if the path is under it: `Some(Err)`
/// (404) for a segment that cannot be a user's name.
pub(crate) fn parse_user_path(path: &str) -> Option<ApiResult<&str>> {
    let rest = path.strip_prefix(USERS)?.strip_prefix('/')?;
    Some(if rest.is_empty() || rest.contains('/') || rest.len() > 3 * 4 * 64 {
        Err(ApiError::NotFound)
    } else {
        Ok(rest)
    })
}

/// A path segment with its `%XX` escapes decoded: `None` for a broken escape or bytes that are
/// not UTF-8.
fn percent_decode(segment: &str) -> Option<String> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = segment.get(i + 1..i + 3)?;
            if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The user a path names, or the 404 of a user that does not exist (never echoing the path).
fn user_of(raw: &str) -> ApiResult<String> {
    percent_decode(raw)
        .filter(|name| check_username(name).is_ok())
        .ok_or_else(|| ApiError::Backend(BackendError::NotFound("no such user".to_owned())))
}

pub(crate) async fn users(backend: &dyn Backend) -> ApiResult<Response<Bytes>> {
    Ok(json(StatusCode::OK, &json!({ "users": backend.list_users().await? })))
}

/// `POST /api/users {"name", "role", "password"}`. No `Debug`: it holds a password.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewUserBody {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    password: Option<String>,
}

fn read_role(role: Option<&str>, required: bool, fields: &mut Vec<FieldError>) -> Option<mirai_core::Role> {
    match role {
        Some(r) => mirai_core::Role::parse(r.trim()).or_else(|| {
            fields.push(field("role", "role", "must be viewer, trader or admin"));
            None
        }),
        None if required => {
            fields.push(field("role", "required", "must be viewer, trader or admin"));
            None
        }
        None => None,
    }
}

fn read_password(password: Option<String>, required: bool, fields: &mut Vec<FieldError>) -> Option<String> {
    match password {
        Some(p) => match check_password(&p) {
            Ok(()) => Some(p),
            Err(why) => {
                fields.push(field("password", "length", why));
                None
            }
        },
        None if required => {
            fields.push(field("password", "required", "must be given"));
            None
        }
        None => None,
    }
}

pub(crate) async fn add_user(
    backend: &dyn Backend,
    session: &Session,
    req: &Request<Bytes>,
) -> ApiResult<Response<Bytes>> {
    let body: NewUserBody = json_body(req, false)?;
    let mut fields = Vec::new();
    let name = match body.name.as_deref() {
        Some(n) => match check_username(n) {
            Ok(()) => Some(n.to_owned()),
            Err(why) => {
                fields.push(field("name", "name", why));
                None
            }
        },
        None => {
            fields.push(field("name", "required", "must be given"));
            None
        }
    };
    let role = read_role(body.role.as_deref(), true, &mut fields);
    let password = read_password(body.password, true, &mut fields);
    finish(fields)?;
    let (Some(name), Some(role), Some(password)) = (name, role, password) else {
        return Err(ApiError::Internal("a checked user lacks a field".to_owned()));
    };
    tracing::warn!(by = %session.user, user = %name, %role, "user added");
    let user = backend.add_user(NewUser { name, role, password }, session.user.clone()).await?;
    Ok(json(StatusCode::CREATED, &user))
}

/// `PUT /api/users/{name} {"role"?, "password"?}`: at least one. No `Debug`: it may hold a
/// password.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UserUpdateBody {
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    password: Option<String>,
}

pub(crate) async fn update_user(
    backend: &dyn Backend,
    session: &Session,
    raw: &str,
    req: &Request<Bytes>,
) -> ApiResult<Response<Bytes>> {
    let body: UserUpdateBody = json_body(req, false)?;
    let mut fields = Vec::new();
    if body.role.is_none() && body.password.is_none() {
        fields.push(field("role", "required", "give a role, a password or both"));
    }
    let role = read_role(body.role.as_deref(), false, &mut fields);
    let password = read_password(body.password, false, &mut fields);
    finish(fields)?;
    let name = user_of(raw)?;
    tracing::warn!(by = %session.user, user = %name, role = ?role, password = password.is_some(), "user changed");
    let user = backend.update_user(name, UserUpdate { role, password }, session.user.clone()).await?;
    Ok(json(StatusCode::OK, &user))
}

pub(crate) async fn remove_user(
    backend: &dyn Backend,
    session: &Session,
    raw: &str,
    req: &Request<Bytes>,
) -> ApiResult<Response<Bytes>> {
    if !req.body().iter().all(u8::is_ascii_whitespace) {
        let _: NoFields = json_body(req, true)?;
    }
    let name = user_of(raw)?;
    tracing::warn!(by = %session.user, user = %sanitize_username(&name), "user removed");
    let removed = backend.remove_user(name, session.user.clone()).await?;
    Ok(json(StatusCode::OK, &json!({ "removed": removed })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_paths_and_names() {
        let p = |s| parse_user_path(s).map(|r| r.map_err(|e| e.status().as_u16()));
        assert_eq!(p("/api/users/ann"), Some(Ok("ann")));
        assert_eq!(p("/api/users"), None);
        assert_eq!(p("/api/usersX/ann"), None);
        for bad in ["/api/users/", "/api/users/a/b", "/api/users/ann/"] {
            assert_eq!(p(bad), Some(Err(404)), "{bad}");
        }
        assert_eq!(user_of("%C3%A9t%C3%A9").ok(), Some("été".to_owned()));
        assert_eq!(user_of("a%2Fb").ok(), Some("a/b".to_owned()));
        for bad in ["%", "%zz", "%ff", "a%20b", "%E2%80%8B"] {
            assert!(user_of(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn audit_queries() {
        let q = |s| parse_audit_query(Some(s)).map_err(|e| e.status().as_u16());
        assert_eq!(parse_audit_query(None).ok(), Some(AuditQuery { limit: 100, before: None }));
        assert_eq!(q("limit=5&cursor=42"), Ok(AuditQuery { limit: 5, before: Some(42) }));
        for bad in
            ["limit=0", "limit=501", "cursor=1", "cursor=-3", "cursor=x", "cursor=99999999999999999999"]
        {
            assert_eq!(q(bad), Err(422), "{bad}");
        }
    }

    #[test]
    fn an_approval_body_lists_every_problem() {
        let body = |v: Value| serde_json::from_value::<ApproveBody>(v).unwrap_or_else(|e| panic!("{e}"));
        let named = |b: ApproveBody| match check_approval(&b) {
            Err(ApiError::Validation(f)) => f.into_iter().map(|f| f.field).collect::<Vec<_>>(),
            other => panic!("{:?}", other.map_err(|e| e.to_string())),
        };
        assert_eq!(named(body(json!({}))), ["confirm", "password"]);
        assert_eq!(named(body(json!({ "password": "x", "confirm": "approve live trading" }))), ["confirm"]);
        assert_eq!(
            named(body(json!({ "password": "x", "confirm": LIVE_CONFIRMATION, "override": " " }))),
            ["override"]
        );
        let ok = body(
            json!({ "password": "x", "confirm": format!(" {LIVE_CONFIRMATION} "), "override": " why " }),
        );
        assert_eq!(check_approval(&ok).ok(), Some(Some("why".to_owned())));
    }
}
