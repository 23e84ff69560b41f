//! `ApiError`: every way a request can fail, and the status code and JSON body each one gets.
//! 5xx bodies are generic; their detail goes to the log only.

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use serde::Serialize;
use thiserror::Error;

use crate::auth::Role;
use crate::backend::BackendError;
use crate::plumbing::response::json;

/// One failed validation rule, as the client sees it. Lists of these are sorted by field and code
/// so identical requests always get identical bodies.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub code: String,
    pub message: String,
}

#[derive(Debug, Error)]
pub enum ApiError {
    /// The body is not the JSON the route expects, or the query string is malformed.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// Well-formed input that breaks a validation rule.
    #[error("validation failed on {} field(s)", .0.len())]
    Validation(Vec<FieldError>),
    /// Missing, invalid or expired credentials. The message is the same whatever the reason.
    #[error("unauthorized: {0}")]
    Unauthorized(&'static str),
    /// Authenticated, but the user's role may not do this; `required` is the least role that may.
    #[error("forbidden: needs the {required} role")]
    Forbidden { required: Role },
    /// Authenticated, but the password asked for again (to approve live trading) is not the
    /// user's.
    #[error("forbidden: the password given again is wrong")]
    PasswordMismatch,
    #[error("not found")]
    NotFound,
    #[error("method not allowed (allowed: {allow})")]
    MethodNotAllowed { allow: &'static str },
    #[error("request body larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    /// The body did not arrive within the server's deadline.
    #[error("request body not received within {secs} s")]
    RequestTimeout { secs: u64 },
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// Too many failed logins for this username or address; retry after the given seconds.
    #[error("too many failed login attempts (retry after {retry_after_secs} s)")]
    TooManyRequests { retry_after_secs: u64 },
    /// Over the requests allowed a minute, for this user or this address; retry after the given
    /// seconds.
    #[error("rate limited (retry after {retry_after_secs} s)")]
    RateLimited { retry_after_secs: u64 },
    /// The whole request did not finish within the deadline (`WEB_REQUEST_TIMEOUT_SECS`).
    #[error("request not answered within {secs} s")]
    Timeout { secs: u64 },
    #[error(transparent)]
    Backend(#[from] BackendError),
    /// A bug or a misconfiguration on our side; the detail is logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
}

/// Convenient alias for handlers.
pub type ApiResult<T> = Result<T, ApiError>;

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    code: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    fields: Option<&'a [FieldError]>,
    /// On a 403: the least role that may do what was asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    required_role: Option<Role>,
}

/// The code of a 503 whose message names the service that is down (the control API passes it on
/// to the web tier, which shows the message instead of "the trading worker is unavailable").
pub(crate) const DEPENDENCY_UNAVAILABLE: &str = "dependency_unavailable";
/// The code of a 422 that lists the fields at fault.
pub(crate) const VALIDATION_FAILED: &str = "validation_failed";

impl ApiError {
    /// The status and the fields a 422 names (none for other errors): what query parsers' tests
    /// compare.
    #[cfg(test)]
    pub(crate) fn status_and_fields(&self) -> (u16, Vec<String>) {
        let fields = match self {
            ApiError::Validation(f) => f.iter().map(|f| f.field.clone()).collect(),
            _ => Vec::new(),
        };
        (self.status().as_u16(), fields)
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden { .. } | ApiError::PasswordMismatch => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::RequestTimeout { .. } => StatusCode::REQUEST_TIMEOUT,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::TooManyRequests { .. }
            | ApiError::RateLimited { .. }
            | ApiError::Backend(BackendError::RateLimited { .. }) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Timeout { .. } => StatusCode::GATEWAY_TIMEOUT,
            ApiError::Backend(BackendError::Unavailable(_) | BackendError::DependencyUnavailable(_)) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            ApiError::Backend(BackendError::Refused(_)) => StatusCode::CONFLICT,
            ApiError::Backend(BackendError::Invalid(_) | BackendError::InvalidField { .. }) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ApiError::Backend(BackendError::NotFound(_)) => StatusCode::NOT_FOUND,
            ApiError::Backend(BackendError::Internal(_)) | ApiError::Internal(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    /// A stable, machine-readable name for the failure.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "bad_request",
            ApiError::Validation(_) | ApiError::Backend(BackendError::InvalidField { .. }) => {
                VALIDATION_FAILED
            }
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::Forbidden { .. } => "forbidden",
            ApiError::PasswordMismatch => "password_mismatch",
            ApiError::NotFound => "not_found",
            ApiError::MethodNotAllowed { .. } => "method_not_allowed",
            ApiError::PayloadTooLarge { .. } => "payload_too_large",
            ApiError::RequestTimeout { .. } => "request_timeout",
            ApiError::UnsupportedMediaType => "unsupported_media_type",
            ApiError::TooManyRequests { .. }
            | ApiError::RateLimited { .. }
            | ApiError::Backend(BackendError::RateLimited { .. }) => "too_many_requests",
            ApiError::Timeout { .. } => "timeout",
            ApiError::Backend(BackendError::Unavailable(_)) => "unavailable",
            ApiError::Backend(BackendError::DependencyUnavailable(_)) => DEPENDENCY_UNAVAILABLE,
            ApiError::Backend(BackendError::Refused(_)) => "refused",
            ApiError::Backend(BackendError::Invalid(_)) => "invalid",
            ApiError::Backend(BackendError::NotFound(_)) => "not_found",
            ApiError::Backend(BackendError::Internal(_)) | ApiError::Internal(_) => "internal",
        }
    }

    /// What the client is told. Never the detail of a server-side failure.
    fn public_message(&self) -> String {
        match self {
            ApiError::BadRequest(m) => m.clone(),
            ApiError::Validation(_) | ApiError::Backend(BackendError::InvalidField { .. }) => {
                "request failed validation".to_owned()
            }
            ApiError::Unauthorized(m) => (*m).to_owned(),
            ApiError::Forbidden { .. } => "forbidden".to_owned(),
            ApiError::PasswordMismatch => "the password is not this user's; nothing was changed".to_owned(),
            ApiError::NotFound => "no such route".to_owned(),
            ApiError::MethodNotAllowed { allow } => format!("method not allowed; use {allow}"),
            ApiError::RequestTimeout { secs } => format!("the request body did not arrive within {secs} s"),
            ApiError::PayloadTooLarge { limit } => {
                format!("request body must not exceed {limit} bytes")
            }
            ApiError::UnsupportedMediaType => "content-type must be application/json".to_owned(),
            ApiError::TooManyRequests { .. } => "too many failed login attempts; try again later".to_owned(),
            ApiError::RateLimited { .. } | ApiError::Backend(BackendError::RateLimited { .. }) => {
                "too many requests; try again later".to_owned()
            }
            ApiError::Timeout { secs } => format!("the request was not answered within {secs} s"),
            ApiError::Backend(BackendError::Unavailable(_)) => {
                "the trading worker is unavailable; try again shortly".to_owned()
            }
            ApiError::Backend(
                BackendError::Refused(m)
                | BackendError::Invalid(m)
                | BackendError::NotFound(m)
                | BackendError::DependencyUnavailable(m),
            ) => m.clone(),
            ApiError::Backend(BackendError::Internal(_)) | ApiError::Internal(_) => {
                "internal error".to_owned()
            }
        }
    }

    /// The JSON response for this error. Server-side failures are logged here, once.
    pub fn into_response(self) -> Response<Bytes> {
        // The worker's rate limit answers exactly as the web tier's own does (with Retry-After).
        if let ApiError::Backend(BackendError::RateLimited { retry_after_secs }) = self {
            return ApiError::RateLimited { retry_after_secs }.into_response();
        }
        // The worker's check on one field answers exactly as the web tier's own checks do.
        if let ApiError::Backend(BackendError::InvalidField { field, message }) = self {
            return ApiError::Validation(vec![FieldError { field, code: "invalid".into(), message }])
                .into_response();
        }
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = %self, code = self.code(), "request failed");
        } else {
            tracing::debug!(error = %self, code = self.code(), "request refused");
        }
        let message = self.public_message();
        let fields = match &self {
            ApiError::Validation(f) => Some(f.as_slice()),
            _ => None,
        };
        let required_role = match &self {
            ApiError::Forbidden { required } => Some(*required),
            _ => None,
        };
        let body = ErrorBody { error: &message, code: self.code(), fields, required_role };
        let mut resp = json(status, &body);
        if let ApiError::MethodNotAllowed { allow } = self {
            resp.headers_mut().insert(header::ALLOW, HeaderValue::from_static(allow));
        }
        if let ApiError::TooManyRequests { retry_after_secs } | ApiError::RateLimited { retry_after_secs } =
            self
        {
            resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
        }
        if status == StatusCode::UNAUTHORIZED {
            resp.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"mirai\""));
        }
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_errors_keep_their_detail_out_of_the_body() {
        let resp = ApiError::Internal("db password is hunter2".into()).into_response();
        assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = String::from_utf8_lossy(resp.body());
        assert!(!body.contains("hunter2"), "{body}");
        assert_eq!(body, r#"{"error":"internal error","code":"internal"}"#);

        let resp = ApiError::Backend(BackendError::Unavailable("10.0.0.3 refused".into())).into_response();
        assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(!String::from_utf8_lossy(resp.body()).contains("10.0.0.3"));
    }

    #[test]
    fn forbidden_names_the_role_needed() {
        let resp = ApiError::Forbidden { required: Role::Admin }.into_response();
        assert_eq!(resp.status(), StatusCode::FORBIDDEN);
        assert_eq!(
            String::from_utf8_lossy(resp.body()),
            r#"{"error":"forbidden","code":"forbidden","required_role":"admin"}"#
        );
    }

    #[test]
    fn method_not_allowed_names_the_allowed_method() {
        let resp = ApiError::MethodNotAllowed { allow: "GET" }.into_response();
        assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(resp.headers()[header::ALLOW], "GET");
    }
}
