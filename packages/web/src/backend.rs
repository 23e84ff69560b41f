//! `Backend`: the web tier's only window on the worker, in-process or over the control API.

use std::future::Future;
use std::pin::Pin;

use thiserror::Error;

use crate::auth::LoginEvent;
use crate::views::{
    BacktestJobView, BacktestRequest, BacktestResultView, ControlAction, PositionView, ProposalStatus,
    ProposalView, SearchHitView, SearchRequest, StatusView, TradeView,
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
    /// Applies `action`, given by the user `by` (audited with it), and returns the status that
    /// results.
    fn control(&self, action: ControlAction, by: String) -> BackendFuture<'_, StatusView>;
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
    /// Stored news most similar to the request's text, best first, at most `limit`.
    fn search_news(&self, request: SearchRequest) -> BackendFuture<'_, Vec<SearchHitView>>;
    /// Decision rationales most similar to the request's text, best first, at most `limit`.
    fn search_rationales(&self, request: SearchRequest) -> BackendFuture<'_, Vec<SearchHitView>>;
    /// Appends one login attempt to the worker's audit log. The login answer does not depend on
    /// it: a failure here is logged by the caller and the attempt answered as usual.
    fn record_login(&self, event: LoginEvent) -> BackendFuture<'_, ()>;
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
