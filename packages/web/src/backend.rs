//! `Backend`: the web tier's only window on the worker, in-process or over the control API.

use std::future::Future;
use std::pin::Pin;

use mirai_core::{RiskLimits, Timestamp};
use thiserror::Error;

use crate::auth::{LoginEvent, UserDirectory};
use crate::views::{
    AuditPage, AuditQuery, LiveApprovalView, LiveApproveRequest, NewUser, RiskLimitsView, UserUpdate,
    UserView,
};
use crate::views::{
    BacktestJobView, BacktestRequest, BacktestResultView, BacktestsPage, BacktestsQuery, ControlAction,
    DecisionsPage, DecisionsQuery, PerformanceView, PnlQuery, PnlView, PositionView, ProposalStatus,
    ProposalView, RoundTripsPage, RoundTripsQuery, SearchHitView, SearchRequest, StatusView, TradeView,
};

/// The boxed future every `Backend` method returns; boxing keeps the trait object-safe.
pub type BackendFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, BackendError>> + Send + 'a>>;

/// Reads the worker's state and sends it commands. Implemented by the worker itself (in-process)
/// and by [`crate::RemoteBackend`] (over HTTP), and used as `Arc<dyn Backend>`.
pub trait Backend: Send + Sync {
    fn status(&self) -> BackendFuture<'_, StatusView>;
    fn positions(&self) -> BackendFuture<'_, Vec<PositionView>>;
    /// The latest `limit` fills, newest first.
    fn trades(&self, limit: u32) -> BackendFuture<'_, Vec<TradeView>>;
    /// The performance, per symbol and in total, of the round trips that closed in `[from, to)`
    /// (`None`: unbounded on that side).
    fn performance(
        &self,
        from: Option<Timestamp>,
        to: Option<Timestamp>,
    ) -> BackendFuture<'_, PerformanceView>;
    /// Equity, cash and realised and unrealised P&L from the ledger's snapshots in the query's
    /// window, one point per step (the last snapshot of each), and the equity's max drawdown.
    /// A step that would give more than [`crate::views::MAX_PNL_POINTS`] over the window's
    /// snapshots is [`crate::views::pnl_step_too_fine`]; without a step, the smallest of
    /// [`crate::views::PnlStep::LADDER`] that fits.
    fn pnl(&self, query: PnlQuery) -> BackendFuture<'_, PnlView>;
    /// A page of the closed round trips that match the query, newest exit first.
    fn round_trips(&self, query: RoundTripsQuery) -> BackendFuture<'_, RoundTripsPage>;
    /// A page of the decisions, each with its outcome, that match the query, newest first.
    fn decisions(&self, query: DecisionsQuery) -> BackendFuture<'_, DecisionsPage>;
    /// Applies `action`, given by the user `by` (audited with it), and returns the status that
    /// results.
    fn control(&self, action: ControlAction, by: String) -> BackendFuture<'_, StatusView>;
    /// `resume`, for a user who may not lift the kill switch: it ends a pause, and is `Refused`
    /// while the kill switch (or a halt by the system) is on. The check must be made in order
    /// with the other commands, so that a kill given in the meantime is never lifted. The default
    /// refuses.
    fn resume_unless_halted(&self, by: String) -> BackendFuture<'_, StatusView> {
        let _ = by;
        Box::pin(async { Err(BackendError::Refused("resuming needs the admin role here".to_owned())) })
    }
    /// The latest `limit` proposals (orders held for a person's approval), newest first, of
    /// `status` if given, each with its decision's rationale when the ledger has it.
    fn proposals(&self, status: Option<ProposalStatus>, limit: u32) -> BackendFuture<'_, Vec<ProposalView>>;
    /// Approves (`approve`) or rejects the proposal for order `id`, as the user `by` (audited
    /// with it), and returns the proposal after the decision. `NotFound` for an unknown id;
    /// `Refused`, saying why, when it is no longer pending, has expired, or the risk gates
    /// refuse it at approval (they judge it again at the price of the moment).
    fn decide_proposal(&self, id: String, approve: bool, by: String) -> BackendFuture<'_, ProposalView>;
    /// Starts a backtest off the trading task and returns the queued job.
    fn create_backtest(&self, request: BacktestRequest) -> BackendFuture<'_, BacktestJobView>;
    /// A backtest job and its progress.
    fn backtest(&self, id: &str) -> BackendFuture<'_, BacktestJobView>;
    /// A finished backtest's results; `Refused` while it is still running.
    fn backtest_result(&self, id: &str) -> BackendFuture<'_, BacktestResultView>;
    /// A page of the backtest jobs the worker keeps, newest first, each with its headline once
    /// done.
    fn backtests(&self, query: BacktestsQuery) -> BackendFuture<'_, BacktestsPage>;
    /// Stored news most similar to the request's text, best first, at most `limit`.
    fn search_news(&self, request: SearchRequest) -> BackendFuture<'_, Vec<SearchHitView>>;
    /// Decision rationales most similar to the request's text, best first, at most `limit`.
    fn search_rationales(&self, request: SearchRequest) -> BackendFuture<'_, Vec<SearchHitView>>;
    /// Appends one login attempt to the worker's audit log. The login answer does not depend on
    /// it: a failure here is logged by the caller and the attempt answered as usual.
    fn record_login(&self, event: LoginEvent) -> BackendFuture<'_, ()>;
    /// The users this backend keeps, if it keeps any (the worker: its store). The control API
    /// serves them to remote web tiers (`/internal/v1/users/*`). The default keeps none.
    fn users(&self) -> Option<&dyn UserDirectory> {
        None
    }

    // The admin routes. Each default answers `NotFound` (a worker without them: the dashboard
    // then hides the panel).

    /// The risk limits the gates enforce now, where they come from and who set them last.
    fn risk_limits(&self) -> BackendFuture<'_, RiskLimitsView> {
        not_served("risk limits")
    }
    /// Replaces every risk limit, as the user `by` (audited with it): kept across restarts, and
    /// applied from the next decision on. Answers the limits in force after.
    fn set_risk_limits(&self, limits: RiskLimits, by: String) -> BackendFuture<'_, RiskLimitsView> {
        let _ = (limits, by);
        not_served("risk limits")
    }
    /// A page of the audit log, newest first, and whether its hash chain verifies.
    fn audit(&self, query: AuditQuery) -> BackendFuture<'_, AuditPage> {
        let _ = query;
        not_served("the audit log")
    }
    /// The live-trading approval as recorded.
    fn live_approval(&self) -> BackendFuture<'_, LiveApprovalView> {
        not_served("the live approval")
    }
    /// Records an approval of live trading by `request.by` (whose password the web tier has
    /// checked again), for `LIVE_APPROVAL_HOURS`, audited. `Refused` while the pre-flight checks
    /// fail and no override reason is given.
    fn approve_live(&self, request: LiveApproveRequest) -> BackendFuture<'_, LiveApprovalView> {
        let _ = request;
        not_served("the live approval")
    }
    /// Withdraws the approval, as the user `by` (audited): the next live order is refused.
    fn revoke_live(&self, by: String) -> BackendFuture<'_, LiveApprovalView> {
        let _ = by;
        not_served("the live approval")
    }
    /// Every user, by name.
    fn list_users(&self) -> BackendFuture<'_, Vec<UserView>> {
        not_served("users")
    }
    /// Adds a user, as the admin `by` (audited). `Refused` when the name is taken.
    fn add_user(&self, user: NewUser, by: String) -> BackendFuture<'_, UserView> {
        let _ = (user, by);
        not_served("users")
    }
    /// Changes a user's role and/or password, as the admin `by` (audited). `NotFound` for an
    /// unknown user; `Refused` to lower the last enabled admin.
    fn update_user(&self, name: String, update: UserUpdate, by: String) -> BackendFuture<'_, UserView> {
        let _ = (name, update, by);
        not_served("users")
    }
    /// Removes a user, as the admin `by` (audited), and answers them as they were. `NotFound` for
    /// an unknown user; `Refused` for the last enabled admin.
    fn remove_user(&self, name: String, by: String) -> BackendFuture<'_, UserView> {
        let _ = (name, by);
        not_served("users")
    }
}

/// The answer of a backend that does not serve an admin route.
fn not_served<T>(what: &str) -> BackendFuture<'static, T> {
    let message = format!("this worker does not serve {what}");
    Box::pin(async move { Err(BackendError::NotFound(message)) })
}

/// Why the worker could not answer. Only `Refused` carries a message meant for the user.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BackendError {
    /// The worker cannot be reached or did not answer in time; retrying later may work.
    #[error("worker unavailable: {0}")]
    Unavailable(String),
    /// The worker is up, but a service this request needs (the vector store or the embedder
    /// behind search) is not; retrying later may work. The message is meant for the user: it
    /// names the service, never its address or the underlying error.
    #[error("dependency unavailable: {0}")]
    DependencyUnavailable(String),
    /// The worker understood the command and declined it (e.g. resume after a kill).
    #[error("refused by the worker: {0}")]
    Refused(String),
    /// The request is well-formed but cannot be run as asked (an unknown strategy parameter, a
    /// bundled series that does not exist); the message is meant for the user.
    #[error("invalid request: {0}")]
    Invalid(String),
    /// As `Invalid`, about one field of the request (`params.slow`, `data.bars`); answered as a
    /// 422 `validation_failed` listing that field, the same body the web tier's own checks give.
    #[error("invalid request: {field}: {message}")]
    InvalidField { field: String, message: String },
    /// What was asked for does not exist (a backtest id); the message is meant for the user.
    #[error("not found: {0}")]
    NotFound(String),
    /// The worker counted this user's or address's requests over the limit (forwarded calls
    /// from a serverless web tier share the worker's limits); answered as the web tier's own 429.
    #[error("rate limited by the worker; retry after {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    /// Anything else; the detail is for logs only.
    #[error("worker error: {0}")]
    Internal(String),
}

impl BackendError {
    /// Whether the same call may succeed if retried later.
    pub fn is_recoverable(&self) -> bool {
        matches!(self, BackendError::Unavailable(_) | BackendError::DependencyUnavailable(_))
    }
}
