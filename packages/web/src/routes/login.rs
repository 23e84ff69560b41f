//! `POST /api/auth/login`: username and password in, a 12-hour token out.

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use serde::Deserialize;
use validator::Validate;

use crate::auth::AuthError;
use crate::ctx::Ctx;
use crate::error::{ApiError, ApiResult};
use crate::plumbing::request::json_body;
use crate::plumbing::response::json;
use crate::plumbing::validation::validate;

#[derive(Deserialize, Validate)]
#[serde(deny_unknown_fields)]
struct LoginRequest {
    #[validate(length(min = 1, max = 128, message = "must be 1 to 128 characters"))]
    username: String,
    #[validate(length(min = 1, max = 1024, message = "must be 1 to 1024 characters"))]
    password: String,
}

pub(super) fn login(ctx: &Ctx, req: &Request<Bytes>) -> ApiResult<Response<Bytes>> {
    // The body holds a password: parse errors must not quote it back.
    let body: LoginRequest = json_body(req, false)?;
    validate(&body)?;
    match ctx.auth.login(&body.username, &body.password) {
        Ok(issued) => {
            tracing::info!(user = %ctx.auth.username(), "login succeeded");
            Ok(json(StatusCode::OK, &issued))
        }
        Err(AuthError::InvalidCredentials) => {
            tracing::warn!("login failed");
            Err(ApiError::Unauthorized("invalid username or password"))
        }
        Err(other) => Err(ApiError::Internal(other.to_string())),
    }
}
