//! Requires a valid user JWT in `Authorization: Bearer`.

use bytes::Bytes;
use http::Request;

use crate::auth::{AuthError, Claims};
use crate::ctx::Ctx;
use crate::error::{ApiError, ApiResult};
use crate::plumbing::request::bearer_token;

/// The verified claims of the request's bearer token, or a 401 that does not say what was wrong.
pub(super) fn authorize(ctx: &Ctx, req: &Request<Bytes>) -> ApiResult<Claims> {
    let token = bearer_token(req.headers()).ok_or(ApiError::Unauthorized("authentication required"))?;
    ctx.auth.verify(token).map_err(|e| match e {
        AuthError::Token(reason) => {
            tracing::debug!(%reason, "bearer token rejected");
            ApiError::Unauthorized("invalid or expired token")
        }
        other => ApiError::Internal(other.to_string()),
    })
}
