//! Mirai's thin web tier as a library: users with roles (argon2id + HS256 JWT, each request
//! checked against its user as they are now), validated JSON handlers over a [`Backend`], the
//! dashboard page, and the worker's control API with its remote client. The one entry point,
//! [`handle`], mounts unchanged on vercel_runtime, lambda_http and axum; tests call it in-process.

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
    Account, Auth, AuthError, Claims, ClientAddr, IssuedToken, LoginEvent, LoginLimiter, LoginOutcome,
    LoginPolicy, MemoryUsers, PasswordHash, Permission, RateLimiter, RatePolicy, Role, Session, SystemClock,
    TokenRejection, UserDirectory, check_username, may,
};
pub use backend::{Backend, BackendError, BackendFuture};
pub use config::ConfigError;
pub use control_api::{
    RemoteBackend, RemoteSetupError, check_service_token, handle_control_api, handle_control_api_limited,
};
pub use ctx::{Ctx, DEFAULT_REQUEST_TIMEOUT, RequestLimits};
pub use error::{ApiError, FieldError};
pub use plumbing::MAX_BODY_BYTES;
pub use plumbing::response::secure_headers;
pub use routes::{
    DASHBOARD_HTML, RouteSpec, UNMATCHED_ROUTE, content_security_policy, handle, route_template, routes,
    undocumented_routes,
};
pub use views::{
    AuditEntryView, AuditPage, AuditQuery, LIVE_CONFIRMATION, LiveApprovalView, LiveApproveRequest,
    MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, NewUser, RiskLimitsView, RiskSource, UserUpdate, UserView,
    check_password, check_risk_limits, parse_risk_limits,
};
pub use views::{
    BacktestJobView, BacktestMetricsView, BacktestRequest, BacktestResultView, BacktestSummaryView,
    BacktestsPage, BacktestsQuery, ControlAction, DEFAULT_PAGE_LIMIT, DEFAULT_SEARCH_LIMIT, DataSource,
    DecisionKind, DecisionView, DecisionsPage, DecisionsQuery, FillView, JobStatus, MAX_GENERATED_BARS,
    MAX_PAGE_LIMIT, MAX_PNL_POINTS, MAX_SEARCH_CHARS, MAX_SEARCH_LIMIT, Mode, NewsStatusView, OutboxView,
    PERFORMANCE_DEFINITION, PageCursor, ParamValue, PerformanceView, PnlPointView, PnlQuery, PnlStep,
    PnlView, PositionView, ProposalStatus, ProposalView, RoundTripView, RoundTripsPage, RoundTripsQuery,
    SearchHitView, SearchRequest, SizingView, StatusView, SymbolPerformanceView, TradeView,
    newest_first_page, pnl_step_too_fine,
};
