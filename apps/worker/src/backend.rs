//! `LocalBackend`: the web tier's `Backend` inside the worker process — reads the published
//! snapshot and the store, hands commands to the trading task, waiting until they apply, and
//! runs backtests off that task (`crate::backtests`), and searches news and rationales
//! (`crate::knowledge`), and appends login attempts to the audit log. The status it reports
//! includes each shipping destination's backlog.

use std::sync::Arc;
use std::time::Duration;

use mirai_core::{AuditEvent, Collection, VectorError};
use mirai_news::{NewsError, TextQuery};
use mirai_web::{
    Backend, BackendError, BackendFuture, BacktestJobView, BacktestRequest, BacktestResultView,
    ControlAction, LoginEvent, LoginOutcome, OutboxView, PositionView, SearchHitView, SearchRequest,
    StatusView, TradeView,
};
use tokio::sync::oneshot;

use crate::backtests::{BacktestJobs, Budget, Limits};
use crate::knowledge::Knowledge;
use crate::login_budget::{FAILED_LOGINS_AUDITED_PER_MINUTE, LoginAuditBudget};
use crate::shared::{Act, Command, Shared};
use crate::shipping::Shipping;

/// How long a command may wait for the trading task; it serves commands before market data, so
/// this is only reached if the task is gone or stuck.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(3);

/// The shared state and this backend's own backtest jobs (never another backend's, even in the
/// same process).
#[derive(Debug, Clone)]
pub struct LocalBackend {
    shared: Arc<Shared>,
    knowledge: Arc<Knowledge>,
    shipping: Arc<Shipping>,
    jobs: Arc<BacktestJobs>,
    login_budget: Arc<std::sync::Mutex<LoginAuditBudget>>,
}

impl LocalBackend {
    /// A backend over `shared`, with a fresh backtest registry that runs each request within
    /// `budget` and records finished runs in the shared store's outbox.
    pub fn new(
        shared: Arc<Shared>,
        knowledge: Arc<Knowledge>,
        shipping: Arc<Shipping>,
        budget: Budget,
    ) -> Self {
        let limits = Limits { budget, ..Limits::default() };
        let jobs = Arc::new(BacktestJobs::new(limits).recording_to(shared.store.clone()));
        let login_budget =
            Arc::new(std::sync::Mutex::new(LoginAuditBudget::new(FAILED_LOGINS_AUDITED_PER_MINUTE)));
        Self { shared, knowledge, shipping, jobs, login_budget }
    }

    async fn search(
        &self,
        collection: Collection,
        r: SearchRequest,
    ) -> Result<Vec<SearchHitView>, BackendError> {
        let q = TextQuery {
            text: r.q,
            symbol: r.symbol,
            since: r.since,
            until: r.until,
            top_k: r.limit as usize,
        };
        let hits = self.knowledge.search(collection, &q).await.map_err(|e| search_error(collection, e))?;
        Ok(hits
            .into_iter()
            .map(|h| SearchHitView {
                id: h.doc.id,
                symbol: h.doc.symbol,
                published_at: h.doc.published_at,
                source: h.doc.source,
                url: h.doc.url,
                title: h.doc.title,
                text: h.doc.text,
                score: h.score,
            })
            .collect())
    }
}

/// A bad request is the caller's to fix (422 with its message); a store or embedder that is
/// down is a 503 that says so (the detail, which may name hosts, goes to the log only); anything
/// else (a model mismatch that appeared after start) is logged only.
fn search_error(collection: Collection, e: NewsError) -> BackendError {
    match e {
        NewsError::Query(m) | NewsError::Vector(VectorError::Invalid(m)) => BackendError::Invalid(m),
        e if e.is_retryable() => {
            tracing::warn!(error = %e, "search failed: a service it needs is down");
            let what = match collection {
                Collection::News => "news",
                Collection::Rationales => "rationale",
            };
            BackendError::DependencyUnavailable(format!(
                "{what} search is unavailable: the vector store or the embedder did not answer; try again shortly"
            ))
        }
        e => BackendError::Internal(e.to_string()),
    }
}

impl Backend for LocalBackend {
    fn status(&self) -> BackendFuture<'_, StatusView> {
        Box::pin(async move {
            let mut status = self.shared.snapshot().status;
            status.outbox = self
                .shipping
                .status()
                .into_iter()
                .map(|t| OutboxView {
                    topic: t.topic.to_string(),
                    destination: t.destination,
                    pending: t.pending,
                    parked: t.parked,
                    lag_ms: t.lag_ms,
                    oldest_queued_at: t.oldest_queued_at,
                    shipped: t.shipped,
                    last_shipped_at: t.last_shipped_at,
                    consecutive_failures: t.consecutive_failures,
                    last_error: t.last_error,
                })
                .collect();
            status.news = Some(self.knowledge.status());
            Ok(status)
        })
    }

    fn positions(&self) -> BackendFuture<'_, Vec<PositionView>> {
        Box::pin(async move { Ok(self.shared.snapshot().positions) })
    }

    fn trades(&self, limit: u32) -> BackendFuture<'_, Vec<TradeView>> {
        Box::pin(async move {
            let store = self.shared.store.clone();
            let trades = tokio::task::spawn_blocking(move || {
                let fills = store.fills(limit as usize, None)?;
                fills
                    .iter()
                    .map(|f| {
                        let mut view = TradeView::from(f);
                        if let Some(d) = store.decision_for_order(&f.client_order_id)? {
                            view.decision_id = Some(d.id);
                            view.rationale = Some(d.rationale);
                        }
                        Ok(view)
                    })
                    .collect::<Result<Vec<_>, mirai_store_local::StoreError>>()
            })
            .await
            .map_err(|e| BackendError::Internal(e.to_string()))?
            .map_err(|e| BackendError::Internal(e.to_string()))?;
            Ok(trades)
        })
    }

    fn control(&self, action: ControlAction, by: String) -> BackendFuture<'_, StatusView> {
        Box::pin(async move {
            let (reply, answer) = oneshot::channel();
            self.shared
                .commands
                .send(Command { act: Act::Control(action), by, reply })
                .await
                .map_err(|_| BackendError::Unavailable("the trading task has stopped".into()))?;
            match tokio::time::timeout(COMMAND_TIMEOUT, answer).await {
                Ok(Ok(Ok(()))) => self.status().await,
                Ok(Ok(Err(e))) => Err(e),
                Ok(Err(_)) | Err(_) => {
                    Err(BackendError::Unavailable("the trading task did not answer".into()))
                }
            }
        })
    }

    fn create_backtest(&self, request: BacktestRequest) -> BackendFuture<'_, BacktestJobView> {
        Box::pin(async move { self.jobs.create(request) })
    }

    fn backtest(&self, id: &str) -> BackendFuture<'_, BacktestJobView> {
        let found = self.jobs.view(id);
        Box::pin(async move { found })
    }

    fn backtest_result(&self, id: &str) -> BackendFuture<'_, BacktestResultView> {
        let found = self.jobs.result(id);
        Box::pin(async move { found })
    }

    fn search_news(&self, request: SearchRequest) -> BackendFuture<'_, Vec<SearchHitView>> {
        Box::pin(self.search(Collection::News, request))
    }

    fn search_rationales(&self, request: SearchRequest) -> BackendFuture<'_, Vec<SearchHitView>> {
        Box::pin(self.search(Collection::Rationales, request))
    }

    fn record_login(&self, event: LoginEvent) -> BackendFuture<'_, ()> {
        Box::pin(async move {
            let failed = event.outcome != LoginOutcome::Success;
            let admission =
                self.login_budget.lock().unwrap_or_else(|e| e.into_inner()).admit(event.at, failed);
            if admission.summary.is_none() && !admission.record {
                return Ok(());
            }
            let store = self.shared.store.clone();
            tokio::task::spawn_blocking(move || {
                if let Some(held) = admission.summary {
                    store.record(event.at, &AuditEvent::logins_suppressed(held.count, held.from, held.to))?;
                }
                if !admission.record {
                    return Ok(());
                }
                let login = AuditEvent::Login {
                    outcome: event.outcome,
                    username: event.username.clone(),
                    client: event.client.map(|ip| ip.to_string()),
                };
                store.record(event.at, &login).map(|_| ())
            })
            .await
            .map_err(|e| BackendError::Internal(e.to_string()))?
            .map_err(|e| BackendError::Internal(e.to_string()))?;
            Ok(())
        })
    }
}

/// The audit entry of a login attempt: kind `login`; the actor is the operator on success and
/// `anonymous` otherwise (a failed attempt proves no identity); the payload holds the outcome,
/// the username tried (already cleaned by `LoginEvent::new`) and the client address, if known.
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_service_that_is_down_is_named_without_its_address() {
        let down = NewsError::Vector(VectorError::Unavailable("connect 10.0.0.7:19530 refused".into()));
        let BackendError::DependencyUnavailable(said) = search_error(Collection::Rationales, down) else {
            panic!("a store that is down is a dependency failure");
        };
        assert!(said.starts_with("rationale search is unavailable"), "{said}");
        assert!(!said.contains("10.0.0.7"), "{said}");
        let bad = NewsError::Query("q must not be empty".into());
        assert_eq!(search_error(Collection::News, bad), BackendError::Invalid("q must not be empty".into()));
    }
}
