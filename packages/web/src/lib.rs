//! Mirai's thin web tier as a library: operator login (argon2 + HS256 JWT), validated JSON
//! handlers over a [`Backend`], the dashboard page, and the worker's control API with its remote
//! client. The one entry point, [`handle`], mounts unchanged on vercel_runtime, lambda_http and
//! axum; tests call it in-process.

pub mod auth;
pub mod backend;
pub mod config;
pub mod control_api;
pub mod ctx;
pub mod error;
mod plumbing;
mod routes;
mod secret_eq;
pub mod telemetry;
pub mod views;

pub use auth::{
    Auth, AuthError, Claims, ClientAddr, IssuedToken, LoginEvent, LoginLimiter, LoginOutcome, LoginPolicy,
    SystemClock, TokenRejection,
};
pub use backend::{Backend, BackendError, BackendFuture};
pub use config::ConfigError;
pub use control_api::{RemoteBackend, RemoteSetupError, check_service_token, handle_control_api};
pub use ctx::Ctx;
pub use error::{ApiError, FieldError};
pub use plumbing::MAX_BODY_BYTES;
pub use routes::{DASHBOARD_HTML, UNMATCHED_ROUTE, content_security_policy, handle, route_template};
pub use views::{
    BacktestJobView, BacktestRequest, BacktestResultView, ControlAction, DEFAULT_SEARCH_LIMIT, DataSource,
    FillView, JobStatus, MAX_GENERATED_BARS, MAX_SEARCH_CHARS, MAX_SEARCH_LIMIT, Mode, NewsStatusView,
    OutboxView, ParamValue, PositionView, ProposalStatus, ProposalView, SearchHitView, SearchRequest,
    SizingView, StatusView, TradeView,
};
