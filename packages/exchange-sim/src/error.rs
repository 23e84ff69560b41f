//! The simulator's two error types: `SimError` for starting it, `ApiError` for answering a
//! request the way Binance would (HTTP status, code, message, and a `Retry-After` when throttled).

use axum::http::StatusCode;

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("invalid simulator settings: {0}")]
    Config(String),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: std::net::SocketAddr, source: std::io::Error },
    #[error("the simulator stopped: {0}")]
    Stopped(String),
}

/// A Binance error answer: `{"code": …, "msg": …}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub status: StatusCode,
    pub code: i32,
    pub msg: String,
    pub retry_after_s: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: i32, msg: impl Into<String>) -> Self {
        Self { status, code, msg: msg.into(), retry_after_s: None }
    }

    pub fn bad(code: i32, msg: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, msg)
    }

    pub fn mandatory(param: &str) -> Self {
        Self::bad(-1102, format!("Mandatory parameter '{param}' was not sent, was empty/null, or malformed."))
    }

    pub fn illegal(param: &str) -> Self {
        Self::bad(-1100, format!("Illegal characters found in parameter '{param}'."))
    }

    pub fn unknown_symbol() -> Self {
        Self::bad(-1121, "Invalid symbol.")
    }
}
