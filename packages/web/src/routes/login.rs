//! `POST /api/auth/login`: username and password in, a 12-hour token out. Every attempt is
//! audited (never with the password or the token) and too many failures for a username or from
//! an address lock further attempts out for a while, before the password is even checked.

use std::net::IpAddr;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use serde::Deserialize;
use validator::Validate;

use crate::auth::{AuthError, LoginEvent, LoginOutcome, Verdict, client_addr, sanitize_username};
use crate::ctx::Ctx;
use crate::error::{ApiError, ApiResult};
use crate::plumbing::request::json_body;
use crate::plumbing::response::json;
use crate::plumbing::validation::validate;

#[derive(Deserialize, Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct LoginRequest {
    #[validate(length(min = 1, max = 128, message = "must be 1 to 128 characters"))]
    #[schema(min_length = 1, max_length = 128)]
    username: String,
    #[validate(length(min = 1, max = 1024, message = "must be 1 to 1024 characters"))]
    #[schema(min_length = 1, max_length = 1024)]
    password: String,
}

pub(super) async fn login(ctx: &Ctx, req: &Request<Bytes>) -> ApiResult<Response<Bytes>> {
    // The body holds a password: parse errors must not quote it back.
    let body: LoginRequest = json_body(req, false)?;
    validate(&body)?;
    let client = client_addr(req);
    let now = ctx.auth.now();

    // Known user or not, the same counters apply, so a lockout reveals nothing about accounts.
    if let Verdict::Locked { retry_after_secs, first } = ctx.limiter.check(&body.username, client, now) {
        // Only the first refusal of a lockout is audited: the rest are cheap for an attacker to
        // send and would otherwise grow the audit log at their pace.
        if first {
            audit(ctx, &body.username, LoginOutcome::Throttled, client).await;
            tracing::warn!(user = %sanitize_username(&body.username), client = ?client, "login throttled");
        } else {
            tracing::debug!(user = %sanitize_username(&body.username), client = ?client, "login throttled");
        }
        return Err(ApiError::TooManyRequests { retry_after_secs });
    }

    match ctx.auth.login(&body.username, &body.password).await {
        Ok(issued) => {
            ctx.limiter.record_success(&body.username, client);
            audit(ctx, &body.username, LoginOutcome::Success, client).await;
            tracing::info!(user = %issued.user, role = %issued.role, client = ?client, "login succeeded");
            Ok(json(StatusCode::OK, &issued))
        }
        Err(AuthError::InvalidCredentials) => {
            ctx.limiter.record_failure(&body.username, client, now);
            audit(ctx, &body.username, LoginOutcome::Failure, client).await;
            tracing::warn!(user = %sanitize_username(&body.username), client = ?client, "login failed");
            Err(ApiError::Unauthorized("invalid username or password"))
        }
        // The users cannot be read (the worker is down): neither a success nor a failure.
        Err(AuthError::Directory(e)) => Err(ApiError::Backend(e)),
        Err(other) => Err(ApiError::Internal(other.to_string())),
    }
}

/// Records the attempt in the worker's audit log. A failure is logged and otherwise ignored:
/// the answer to the attempt must not change with the audit log's health (no failing open, no
/// telling the client about the worker).
async fn audit(ctx: &Ctx, username: &str, outcome: LoginOutcome, client: Option<IpAddr>) {
    let event = LoginEvent::new(ctx.auth.now(), username, outcome, client);
    if let Err(e) = ctx.backend.record_login(event).await {
        tracing::error!(error = %e, outcome = outcome.as_str(), "login attempt not audited");
    }
}
