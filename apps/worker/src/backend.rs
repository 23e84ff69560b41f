//! `LocalBackend`: the web tier's `Backend` inside the worker process — reads the published
//! snapshot and the store, hands commands to the trading task, waiting until they apply, and
//! runs backtests off that task (`crate::backtests`).

use std::sync::Arc;
use std::time::Duration;

use mirai_web::{
    Backend, BackendError, BackendFuture, BacktestJobView, BacktestRequest, BacktestResultView,
    ControlAction, PositionView, StatusView, TradeView,
};
use tokio::sync::oneshot;

use crate::backtests::{BacktestJobs, Limits};
use crate::shared::{Command, Shared};

/// How long a command may wait for the trading task; it serves commands before market data, so
/// this is only reached if the task is gone or stuck.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(3);

/// The shared state and this backend's own backtest jobs (never another backend's, even in the
/// same process).
#[derive(Debug, Clone)]
pub struct LocalBackend(pub Arc<Shared>, pub Arc<BacktestJobs>);

impl LocalBackend {
    /// A backend over `shared`, with a fresh backtest registry that records finished runs in
    /// the shared store's outbox.
    pub fn new(shared: Arc<Shared>) -> Self {
        let jobs = BacktestJobs::new(Limits::default()).recording_to(shared.store.clone());
        Self(shared, Arc::new(jobs))
    }
}

impl Backend for LocalBackend {
    fn status(&self) -> BackendFuture<'_, StatusView> {
        Box::pin(async move { Ok(self.0.snapshot().status) })
    }

    fn positions(&self) -> BackendFuture<'_, Vec<PositionView>> {
        Box::pin(async move { Ok(self.0.snapshot().positions) })
    }

    fn trades(&self, limit: u32) -> BackendFuture<'_, Vec<TradeView>> {
        Box::pin(async move {
            let store = self.0.store.clone();
            let fills = tokio::task::spawn_blocking(move || store.fills(limit as usize, None))
                .await
                .map_err(|e| BackendError::Internal(e.to_string()))?
                .map_err(|e| BackendError::Internal(e.to_string()))?;
            Ok(fills.iter().map(TradeView::from).collect())
        })
    }

    fn control(&self, action: ControlAction) -> BackendFuture<'_, StatusView> {
        Box::pin(async move {
            let (reply, answer) = oneshot::channel();
            self.0
                .commands
                .send(Command { action, reply })
                .await
                .map_err(|_| BackendError::Unavailable("the trading task has stopped".into()))?;
            match tokio::time::timeout(COMMAND_TIMEOUT, answer).await {
                Ok(Ok(Ok(()))) => Ok(self.0.snapshot().status),
                Ok(Ok(Err(e))) => Err(BackendError::Internal(e)),
                Ok(Err(_)) | Err(_) => {
                    Err(BackendError::Unavailable("the trading task did not answer".into()))
                }
            }
        })
    }

    fn create_backtest(&self, request: BacktestRequest) -> BackendFuture<'_, BacktestJobView> {
        Box::pin(async move { self.1.create(request) })
    }

    fn backtest(&self, id: &str) -> BackendFuture<'_, BacktestJobView> {
        let found = self.1.view(id);
        Box::pin(async move { found })
    }

    fn backtest_result(&self, id: &str) -> BackendFuture<'_, BacktestResultView> {
        let found = self.1.result(id);
        Box::pin(async move { found })
    }
}
