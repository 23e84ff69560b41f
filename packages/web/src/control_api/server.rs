//! `handle_control_api`: serves `/internal/v1/{status,positions,trades,performance,pnl}`,
//! `/internal/v1/{round-trips,decisions,control,backtests}`,
//! `/internal/v1/proposals` (list, approve, reject), `/internal/v1/{news,rationales}/search`,
//! `/internal/v1/audit/login` and `/internal/v1/users/{authenticate,current}`, and the admin
//! routes (`/internal/v1/{risk,audit,live,accounts}`, `control_api::admin`) to holders of the
//! service token (a secret distinct from user JWTs), for the worker to mount.

use bytes::Bytes;
use http::{HeaderMap, Method, Request, Response, StatusCode};
use mirai_core::Timestamp;

use super::wire::{
    self, AccountBody, AuthenticateBody, CurrentUserBody, PositionsBody, ProposalsBody, RecordedBody,
    TradesBody,
};
use crate::auth::{LoginEvent, RateLimiter};
use crate::backend::Backend;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::plumbing::request::{bearer_token, check_body_size, json_body};
use crate::plumbing::response::json;
use crate::routes::backtests;
use crate::routes::parse_limit;
use crate::routes::performance;
use crate::routes::proposals;
use crate::routes::search::{self, Corpus};
use crate::routes::{decisions, pnl, round_trips};
use crate::secret_eq::secret_eq;

/// The shortest service token accepted, in bytes.
pub const MIN_SERVICE_TOKEN_BYTES: usize = 32;

/// Answers one control-API request against `backend`. Every request, known route or not, must
/// carry `Authorization: Bearer <service_token>`; a configured token shorter than
/// [`MIN_SERVICE_TOKEN_BYTES`] refuses everything.
pub async fn handle_control_api(
    backend: &dyn Backend,
    service_token: &str,
    req: Request<Bytes>,
) -> Response<Bytes> {
    match dispatch(backend, service_token, None, &req).await {
        Ok(resp) => resp,
        Err(e) => e.into_response(),
    }
}

/// As [`handle_control_api`], and each request made on a user's behalf (the web tier names the
/// user and the client's address: `control_api::caller`) counts against `rate` at `now`, the
/// limits the worker's own web server applies: a user's requests through every serverless
/// instance are counted together.
pub async fn handle_control_api_limited(
    backend: &dyn Backend,
    service_token: &str,
    rate: &RateLimiter,
    now: Timestamp,
    req: Request<Bytes>,
) -> Response<Bytes> {
    match dispatch(backend, service_token, Some((rate, now)), &req).await {
        Ok(resp) => resp,
        Err(e) => e.into_response(),
    }
}

/// Whether `headers` carry `Authorization: Bearer <service_token>`, compared in constant time.
/// A configured token shorter than [`MIN_SERVICE_TOKEN_BYTES`] refuses everyone (an internal
/// error: the operator's to fix). Shared by the control API and the worker's `/metrics`, so that
/// both are guarded by the one check.
pub fn check_service_token(headers: &HeaderMap, service_token: &str) -> ApiResult<()> {
    if service_token.len() < MIN_SERVICE_TOKEN_BYTES {
        return Err(ApiError::Internal("control API service token is unset or too short".to_owned()));
    }
    let presented = bearer_token(headers).unwrap_or_default();
    if !secret_eq(presented.as_bytes(), service_token.as_bytes()) {
        return Err(ApiError::Unauthorized("invalid service token"));
    }
    Ok(())
}

/// The control-API route `path` matches, as a template (ids replaced by `{id}`) for metrics
/// labels; `None` for a path it does not serve. Beside `dispatch`, which it must follow.
pub(crate) fn template(path: &str) -> Option<&'static str> {
    if let Some(parsed) = backtests::parse_path(path, wire::BACKTESTS) {
        return match parsed {
            Ok((_, true)) => Some("/internal/v1/backtests/{id}/result"),
            Ok((_, false)) => Some("/internal/v1/backtests/{id}"),
            Err(_) => None,
        };
    }
    if let Some(parsed) = proposals::parse_path(path, wire::PROPOSALS) {
        return match parsed {
            Ok((_, true)) => Some("/internal/v1/proposals/{id}/approve"),
            Ok((_, false)) => Some("/internal/v1/proposals/{id}/reject"),
            Err(_) => None,
        };
    }
    [
        wire::STATUS,
        wire::POSITIONS,
        wire::TRADES,
        wire::PERFORMANCE,
        wire::PNL,
        wire::ROUND_TRIPS,
        wire::DECISIONS,
        wire::CONTROL,
        wire::BACKTESTS,
        wire::NEWS_SEARCH,
        wire::RATIONALES_SEARCH,
        wire::PROPOSALS,
        wire::LOGIN_AUDIT,
        wire::USERS_AUTHENTICATE,
        wire::USERS_CURRENT,
    ]
    .into_iter()
    .chain(super::admin::PATHS)
    .find(|known| *known == path)
}

async fn dispatch(
    backend: &dyn Backend,
    service_token: &str,
    rate: Option<(&RateLimiter, Timestamp)>,
    req: &Request<Bytes>,
) -> ApiResult<Response<Bytes>> {
    check_service_token(req.headers(), service_token)?;
    if let Some((rate, now)) = rate {
        super::caller::check(rate, req.headers(), now)?;
    }

    let path = req.uri().path();
    if let Some(parsed) = backtests::parse_path(path, wire::BACKTESTS) {
        let (id, result) = parsed?;
        if req.method() != Method::GET {
            return Err(ApiError::MethodNotAllowed { allow: "GET" });
        }
        return if result {
            backtests::result(backend, id).await
        } else {
            backtests::progress(backend, id).await
        };
    }
    if path == wire::BACKTESTS {
        if req.method() == Method::GET {
            check_body_size(req.body())?;
            return backtests::list(backend, req).await;
        }
        if req.method() != Method::POST {
            return Err(ApiError::MethodNotAllowed { allow: "GET, POST" });
        }
        check_body_size(req.body())?;
        return backtests::create(backend, wire::BACKTESTS, req).await;
    }
    if let Some(parsed) = proposals::parse_path(path, wire::PROPOSALS) {
        let (id, approve) = parsed?;
        if req.method() != Method::POST {
            return Err(ApiError::MethodNotAllowed { allow: "POST" });
        }
        check_body_size(req.body())?;
        let body: wire::DecideBody = json_body(req, true)?;
        // The web tier authenticated the user; the name is cleaned as the audit log needs.
        let by = crate::auth::sanitize_username(body.by.trim());
        if by.is_empty() {
            return Err(ApiError::Validation(vec![FieldError {
                field: "by".to_owned(),
                code: "required".to_owned(),
                message: "must name the user who decided".to_owned(),
            }]));
        }
        tracing::warn!(%id, approve, %by, "proposal decision via control API");
        return Ok(json(StatusCode::OK, &backend.decide_proposal(id.to_owned(), approve, by).await?));
    }
    if path == wire::PROPOSALS {
        if req.method() != Method::GET {
            return Err(ApiError::MethodNotAllowed { allow: "GET" });
        }
        let (status, limit) = proposals::parse_list_query(req.uri().query())?;
        let list = proposals::newest_first(backend.proposals(status, limit).await?, limit);
        return Ok(json(StatusCode::OK, &ProposalsBody { proposals: list }));
    }
    let corpus = match path {
        wire::NEWS_SEARCH => Some(Corpus::News),
        wire::RATIONALES_SEARCH => Some(Corpus::Rationales),
        _ => None,
    };
    if let Some(corpus) = corpus {
        if req.method() != Method::GET {
            return Err(ApiError::MethodNotAllowed { allow: "GET" });
        }
        return search::search(backend, corpus, req).await;
    }
    if matches!(path, wire::PERFORMANCE | wire::PNL | wire::ROUND_TRIPS | wire::DECISIONS) {
        if req.method() != Method::GET {
            return Err(ApiError::MethodNotAllowed { allow: "GET" });
        }
        check_body_size(req.body())?;
        return match path {
            wire::PERFORMANCE => performance::performance(backend, req).await,
            wire::PNL => pnl::pnl(backend, req).await,
            wire::ROUND_TRIPS => round_trips::round_trips(backend, req).await,
            _ => decisions::decisions(backend, req).await,
        };
    }
    if matches!(path, wire::USERS_AUTHENTICATE | wire::USERS_CURRENT) {
        if req.method() != Method::POST {
            return Err(ApiError::MethodNotAllowed { allow: "POST" });
        }
        check_body_size(req.body())?;
        return users(backend, path, req).await;
    }
    if let Some(answer) = super::admin::dispatch(backend, path, req).await {
        return answer;
    }
    let (method, allow) = match path {
        wire::STATUS | wire::POSITIONS | wire::TRADES => (Method::GET, "GET"),
        wire::CONTROL | wire::LOGIN_AUDIT => (Method::POST, "POST"),
        _ => return Err(ApiError::NotFound),
    };
    if req.method() != method {
        return Err(ApiError::MethodNotAllowed { allow });
    }
    check_body_size(req.body())?;

    match path {
        wire::STATUS => Ok(json(StatusCode::OK, &backend.status().await?)),
        wire::POSITIONS => {
            let positions = backend.positions().await?;
            Ok(json(StatusCode::OK, &PositionsBody { positions }))
        }
        wire::TRADES => {
            let limit = parse_limit(req.uri().query())?;
            let trades = crate::routes::newest_first(backend.trades(limit).await?, limit);
            Ok(json(StatusCode::OK, &TradesBody { trades }))
        }
        wire::LOGIN_AUDIT => {
            let event: LoginEvent = json_body(req, true)?;
            if !event.is_well_formed() {
                return Err(ApiError::Validation(vec![FieldError {
                    field: "username".to_owned(),
                    code: "sanitized".to_owned(),
                    message: "must be at most 64 characters with no control characters, and `at` \
                              must be after 1970"
                        .to_owned(),
                }]));
            }
            backend.record_login(event).await?;
            Ok(json(StatusCode::OK, &RecordedBody { recorded: true }))
        }
        _ => {
            let body: wire::ControlBody = json_body(req, true)?;
            // The web tier authenticated the user; the name is cleaned as the audit log needs.
            let by = body
                .by
                .map_or_else(|| wire::UNNAMED_WEB_USER.to_owned(), |by| crate::auth::sanitize_username(&by));
            tracing::warn!(action = %body.action, %by, unless_halted = body.unless_halted, "control command via control API");
            let status = match (body.action, body.unless_halted) {
                (_, false) => backend.control(body.action, by).await?,
                (crate::views::ControlAction::Resume, true) => backend.resume_unless_halted(by).await?,
                (_, true) => {
                    return Err(ApiError::Validation(vec![FieldError {
                        field: "unless_halted".to_owned(),
                        code: "resume_only".to_owned(),
                        message: "applies to resume only".to_owned(),
                    }]));
                }
            };
            Ok(json(StatusCode::OK, &status))
        }
    }
}

/// The worker's users, for a remote web tier: a login to check, or a user as they are now.
/// Neither body is ever quoted back or logged (one holds a password). A name or password longer
/// than the public login accepts is no user.
async fn users(backend: &dyn Backend, path: &str, req: &Request<Bytes>) -> ApiResult<Response<Bytes>> {
    let Some(users) = backend.users() else { return Err(ApiError::NotFound) };
    let account = if path == wire::USERS_AUTHENTICATE {
        let body: AuthenticateBody = json_body(req, false)?;
        if body.username.chars().count() > 128 || body.password.chars().count() > 1024 {
            None
        } else {
            users.authenticate(body.username, body.password).await?
        }
    } else {
        let body: CurrentUserBody = json_body(req, false)?;
        users.current(body.username).await?
    };
    Ok(json(StatusCode::OK, &AccountBody { account }))
}
