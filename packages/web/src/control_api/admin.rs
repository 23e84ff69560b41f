//! The control API's admin routes, for a remote web tier that has checked its user's role (and,
//! to approve live trading, their password again): the risk limits, the audit log, the live
//! approval and the users. The web tier names the acting user (`by`); the worker audits under it.
//! Every body is checked again here: the service token proves the caller, not its input.

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};

use super::wire::{
    self, AccountRemoveBody, AccountUpdateBody, ByBody, NewAccountBody, RemovedBody, SetRiskBody, UsersBody,
};
use crate::auth::{check_username, sanitize_username};
use crate::backend::Backend;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::plumbing::request::{check_body_size, json_body};
use crate::plumbing::response::json;
use crate::routes::admin::parse_audit_query;
use crate::views::{
    LiveApproveRequest, MAX_OVERRIDE_CHARS, NewUser, UserUpdate, check_password, check_risk_limits,
};

/// The admin paths, for metrics labels.
pub(crate) const PATHS: [&str; 6] =
    [wire::RISK, wire::AUDIT, wire::LIVE, wire::LIVE_APPROVE, wire::LIVE_REVOKE, wire::ACCOUNTS];

fn invalid(field: &str, code: &str, message: &str) -> ApiError {
    ApiError::Validation(vec![FieldError {
        field: field.to_owned(),
        code: code.to_owned(),
        message: message.to_owned(),
    }])
}

/// The acting user the web tier named, cleaned as the audit log needs; required.
fn actor(by: &str) -> ApiResult<String> {
    let by = sanitize_username(by.trim());
    if by.is_empty() {
        return Err(invalid("by", "required", "must name the user who acts"));
    }
    Ok(by)
}

fn method_is(req: &Request<Bytes>, allowed: &[Method], allow: &'static str) -> ApiResult<()> {
    if allowed.contains(req.method()) { Ok(()) } else { Err(ApiError::MethodNotAllowed { allow }) }
}

/// Answers `req` if `path` is an admin route; `None` otherwise.
pub(crate) async fn dispatch(
    backend: &dyn Backend,
    path: &str,
    req: &Request<Bytes>,
) -> Option<ApiResult<Response<Bytes>>> {
    if !PATHS.contains(&path) {
        return None;
    }
    Some(answer(backend, path, req).await)
}

async fn answer(backend: &dyn Backend, path: &str, req: &Request<Bytes>) -> ApiResult<Response<Bytes>> {
    check_body_size(req.body())?;
    match path {
        wire::RISK => {
            method_is(req, &[Method::GET, Method::PUT], "GET, PUT")?;
            if req.method() == Method::GET {
                return Ok(json(StatusCode::OK, &backend.risk_limits().await?));
            }
            let body: SetRiskBody = json_body(req, true)?;
            let by = actor(&body.by)?;
            let problems = check_risk_limits(&body.limits);
            if !problems.is_empty() {
                return Err(ApiError::Validation(problems));
            }
            tracing::warn!(%by, "risk limits change via control API");
            Ok(json(StatusCode::OK, &backend.set_risk_limits(body.limits, by).await?))
        }
        wire::AUDIT => {
            method_is(req, &[Method::GET], "GET")?;
            Ok(json(StatusCode::OK, &backend.audit(parse_audit_query(req.uri().query())?).await?))
        }
        wire::LIVE => {
            method_is(req, &[Method::GET], "GET")?;
            Ok(json(StatusCode::OK, &backend.live_approval().await?))
        }
        wire::LIVE_APPROVE => {
            method_is(req, &[Method::POST], "POST")?;
            let body: LiveApproveRequest = json_body(req, true)?;
            let by = actor(&body.by)?;
            let override_reason = body.override_reason.map(|r| r.trim().to_owned());
            if override_reason
                .as_ref()
                .is_some_and(|r| r.is_empty() || r.chars().count() > MAX_OVERRIDE_CHARS)
            {
                return Err(invalid("override", "length", "a reason of 1 to 500 characters"));
            }
            tracing::warn!(%by, "live trading approval via control API");
            Ok(json(StatusCode::OK, &backend.approve_live(LiveApproveRequest { by, override_reason }).await?))
        }
        wire::LIVE_REVOKE => {
            method_is(req, &[Method::POST], "POST")?;
            let body: ByBody = json_body(req, true)?;
            let by = actor(&body.by)?;
            tracing::warn!(%by, "live trading approval revoked via control API");
            Ok(json(StatusCode::OK, &backend.revoke_live(by).await?))
        }
        _ => accounts(backend, req).await,
    }
}

/// `/internal/v1/accounts`. Bodies that hold a password are never quoted back.
async fn accounts(backend: &dyn Backend, req: &Request<Bytes>) -> ApiResult<Response<Bytes>> {
    let name_ok = |name: &str| check_username(name).map_err(|why| invalid("name", "name", &why));
    match *req.method() {
        Method::GET => Ok(json(StatusCode::OK, &UsersBody { users: backend.list_users().await? })),
        Method::POST => {
            let body: NewAccountBody = json_body(req, false)?;
            let by = actor(&body.by)?;
            name_ok(&body.name)?;
            check_password(&body.password).map_err(|why| invalid("password", "length", &why))?;
            let user = NewUser { name: body.name, role: body.role, password: body.password };
            Ok(json(StatusCode::CREATED, &backend.add_user(user, by).await?))
        }
        Method::PUT => {
            let body: AccountUpdateBody = json_body(req, false)?;
            let by = actor(&body.by)?;
            name_ok(&body.name)?;
            if body.role.is_none() && body.password.is_none() {
                return Err(invalid("role", "required", "give a role, a password or both"));
            }
            if let Some(p) = &body.password {
                check_password(p).map_err(|why| invalid("password", "length", &why))?;
            }
            let update = UserUpdate { role: body.role, password: body.password };
            Ok(json(StatusCode::OK, &backend.update_user(body.name, update, by).await?))
        }
        Method::DELETE => {
            let body: AccountRemoveBody = json_body(req, true)?;
            let by = actor(&body.by)?;
            name_ok(&body.name)?;
            Ok(json(StatusCode::OK, &RemovedBody { removed: backend.remove_user(body.name, by).await? }))
        }
        _ => Err(ApiError::MethodNotAllowed { allow: "GET, POST, PUT, DELETE" }),
    }
}
