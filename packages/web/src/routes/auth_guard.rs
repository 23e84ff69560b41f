//! Requires a valid user JWT in `Authorization: Bearer`, whose user still exists, is enabled and
//! whose role (the lower of the token's and the user's now) may do what the route needs; and
//! counts the request against its address's and its user's rate limits.

use bytes::Bytes;
use http::Request;

use crate::auth::{AuthError, Permission, Session, client_addr, may};
use crate::ctx::Ctx;
use crate::error::{ApiError, ApiResult};
use crate::plumbing::request::bearer_token;

/// The request's session, allowed `permission`; else a 401 that does not say what was wrong with
/// the token (or its user), or a 403 naming the role needed; or a 429 once the client's address
/// (counted before the token is looked at, so bad tokens count too) or the user is over its
/// requests a minute.
pub(super) async fn authorize(ctx: &Ctx, req: &Request<Bytes>, permission: Permission) -> ApiResult<Session> {
    let now = ctx.auth.now();
    if let Some(addr) = client_addr(req) {
        ctx.rate.check_addr(addr, now).map_err(|retry_after_secs| {
            tracing::debug!(client = %addr, retry_after_secs, "rate limited (address)");
            ApiError::RateLimited { retry_after_secs }
        })?;
    }
    let token = bearer_token(req.headers()).ok_or(ApiError::Unauthorized("authentication required"))?;
    let session = ctx.auth.check(token).await.map_err(|e| match e {
        AuthError::Token(reason) => {
            tracing::debug!(%reason, "bearer token rejected");
            ApiError::Unauthorized("invalid or expired token")
        }
        AuthError::Directory(e) => ApiError::Backend(e),
        other => ApiError::Internal(other.to_string()),
    })?;
    ctx.rate.check_user(&session.user, now).map_err(|retry_after_secs| {
        tracing::debug!(user = %session.user, retry_after_secs, "rate limited (user)");
        ApiError::RateLimited { retry_after_secs }
    })?;
    require(&session, permission)?;
    Ok(session)
}

/// A 403 unless the session's role may do `permission`.
pub(super) fn require(session: &Session, permission: Permission) -> ApiResult<()> {
    if may(session.role, permission) {
        return Ok(());
    }
    tracing::info!(user = %session.user, role = %session.role, %permission, "refused: the role may not do this");
    Err(ApiError::Forbidden { required: permission.minimum_role() })
}
