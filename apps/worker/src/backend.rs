//! `LocalBackend`: the web tier's `Backend` inside the worker process — reads the published
//! snapshot and the store (proposals with their decisions' rationales among them), hands
//! commands and decisions on proposals to the trading task, waiting until they apply, and
//! runs backtests off that task (`crate::backtests`), and searches news and rationales
//! (`crate::knowledge`), and appends login attempts to the audit log. The status it reports
//! includes each shipping destination's backlog; performance, the P&L series, round trips and
//! decision outcomes are computed from the ledger (`mirai_reports`, shaped by `crate::history`).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use mirai_core::RiskLimits;
use mirai_core::{Amount, AuditEvent, ClientOrderId, Collection, Decision, Proposal, Timestamp, VectorError};
use mirai_news::{NewsError, TextQuery};
use mirai_reports::{RoundTrip, SymbolPerformance};
use mirai_store_local::{LocalStore, StoreError};
use mirai_web::{
    AuditPage, AuditQuery, LiveApprovalView, LiveApproveRequest, NewUser, RiskLimitsView, UserUpdate,
    UserView,
};
use mirai_web::{
    Backend, BackendError, BackendFuture, BacktestJobView, BacktestRequest, BacktestResultView,
    BacktestsPage, BacktestsQuery, ControlAction, DecisionsPage, DecisionsQuery, LoginEvent, LoginOutcome,
    OutboxView, PerformanceView, PnlQuery, PnlView, PositionView, ProposalStatus, ProposalView,
    RoundTripsPage, RoundTripsQuery, SearchHitView, SearchRequest, StatusView, SymbolPerformanceView,
    TradeView, UserDirectory,
};
use tokio::sync::oneshot;

use crate::address_hash::AddressHasher;
use crate::backtests::{BacktestJobs, Budget, Limits};
use crate::knowledge::Knowledge;
use crate::login_budget::{FAILED_LOGINS_AUDITED_PER_MINUTE, LoginAuditBudget};
use crate::shared::{Act, Command, Shared};
use crate::shipping::Shipping;
use crate::users::StoreUsers;

mod admin;
pub use admin::{AUDIT_FULL_CHECK_EVERY, AdminSettings, AuditChain, Preflight, preflight_of};

/// How long a command may wait for the trading task; it serves commands before market data, so
/// this is only reached if the task is gone or stuck.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(3);

/// How long a decision on a proposal may wait: an approval sends the order to the venue before
/// it answers. Kept under the remote web tier's own limit on a call (5 s), so a person on the
/// Vercel dashboard hears the worker's answer rather than a timeout of its own. The decision
/// still completes if this passes; deciding again then says where the proposal stands.
const DECISION_TIMEOUT: Duration = Duration::from_secs(4);

/// How many of the latest decisions are searched for a proposal's rationale when its order is
/// not in the ledger yet (still pending, rejected, expired): proposals live minutes, so theirs
/// are among the latest.
const RECENT_DECISIONS: usize = 500;

/// The shared state and this backend's own backtest jobs (never another backend's, even in the
/// same process).
#[derive(Debug, Clone)]
pub struct LocalBackend {
    shared: Arc<Shared>,
    knowledge: Arc<Knowledge>,
    shipping: Arc<Shipping>,
    jobs: Arc<BacktestJobs>,
    login_budget: Arc<std::sync::Mutex<LoginAuditBudget>>,
    /// Client addresses go into the audit log as keyed hashes only.
    addresses: Arc<AddressHasher>,
    /// The users in the store, served to remote web tiers over the control API.
    users: Option<Arc<StoreUsers>>,
    /// The risk limits, the audit log, the live approval and the users, for admins.
    admin: admin::Admin,
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
        let addresses = Arc::new(AddressHasher::load_or_create(&shared.store).unwrap_or_else(|e| {
            tracing::error!(error = %e, "no address key in the store; client addresses are hashed with a key for this run only");
            AddressHasher::ephemeral()
        }));
        let admin = admin::Admin::of(AdminSettings::new(shared.store.clone()));
        Self { shared, knowledge, shipping, jobs, login_budget, addresses, users: None, admin }
    }

    /// Serves the admin routes with `settings` (a reading connection of their own, the approval
    /// hours, the pre-flight checks).
    pub fn with_admin(mut self, settings: AdminSettings) -> Self {
        self.admin = admin::Admin::of(settings);
        self
    }

    /// Serves `users` (the same cache the local web tier checks) to remote web tiers.
    pub fn with_users(mut self, users: Arc<StoreUsers>) -> Self {
        self.users = Some(users);
        self
    }

    /// Hands `act` to the trading task and waits until it has applied, then answers the status.
    async fn command(&self, act: Act, by: String) -> Result<StatusView, BackendError> {
        let (reply, answer) = oneshot::channel();
        self.shared
            .commands
            .send(Command { act, by, reply })
            .await
            .map_err(|_| BackendError::Unavailable("the trading task has stopped".into()))?;
        match tokio::time::timeout(COMMAND_TIMEOUT, answer).await {
            Ok(Ok(Ok(()))) => self.status().await,
            Ok(Ok(Err(e))) => Err(e),
            Ok(Err(_)) | Err(_) => Err(BackendError::Unavailable("the trading task did not answer".into())),
        }
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

/// `proposals` as views, each with its decision's rationale when the ledger has it: through its
/// order when the order was placed, else among the latest decisions (read once, only if needed).
fn with_rationales(store: &LocalStore, proposals: &[Proposal]) -> Result<Vec<ProposalView>, StoreError> {
    let mut recent: Option<HashMap<String, Decision>> = None;
    let mut views = Vec::with_capacity(proposals.len());
    for p in proposals {
        let mut view = ProposalView::from(p);
        let decision = match store.decision_for_order(&p.id)? {
            Some(d) if d.id == p.decision_id => Some(d),
            _ => {
                let recent = match &mut recent {
                    Some(map) => map,
                    None => recent.insert(
                        store
                            .decisions(RECENT_DECISIONS)?
                            .into_iter()
                            .map(|d| (d.id.as_str().to_owned(), d))
                            .collect(),
                    ),
                };
                recent.get(p.decision_id.as_str()).cloned()
            }
        };
        if let Some(d) = decision {
            view.rationale = Some(d.rationale);
            view.advisor = Some(d.advisor);
        }
        views.push(view);
    }
    Ok(views)
}

/// The performance of the `trips` that closed in `[from, to)`.
fn performance_view(
    from: Option<Timestamp>,
    to: Option<Timestamp>,
    trips: Vec<RoundTrip>,
) -> PerformanceView {
    let in_window: Vec<RoundTrip> = trips
        .into_iter()
        .filter(|t| from.is_none_or(|f| t.exit_time >= f) && to.is_none_or(|to| t.exit_time < to))
        .collect();
    let (symbols, total) = mirai_reports::performance(&in_window);
    let view = |p: &SymbolPerformance| SymbolPerformanceView {
        symbol: p.symbol,
        trades: p.trades,
        wins: p.wins,
        losses: p.losses,
        win_rate: p.win_rate,
        pnl: Amount::new(p.pnl),
        fees: Amount::new(p.fees),
        gross_profit: Amount::new(p.gross_profit),
        gross_loss: Amount::new(p.gross_loss),
        profit_factor: p.profit_factor,
        max_drawdown: Amount::new(p.max_drawdown),
        first_entry: p.first_entry,
        last_exit: p.last_exit,
    };
    PerformanceView::new(from, to, symbols.iter().map(view).collect(), view(&total))
}

/// Runs a store read off the async runtime; any failure is an internal error.
async fn read_store<T: Send + 'static>(
    read: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, BackendError> {
    tokio::task::spawn_blocking(read)
        .await
        .map_err(|e| BackendError::Internal(e.to_string()))?
        .map_err(|e| BackendError::Internal(e.to_string()))
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
                            view.advisor = Some(d.advisor);
                            view.confidence = Some(d.confidence);
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

    fn performance(
        &self,
        from: Option<Timestamp>,
        to: Option<Timestamp>,
    ) -> BackendFuture<'_, PerformanceView> {
        let store = self.shared.store.clone();
        Box::pin(read_store(move || {
            let trips = mirai_reports::round_trips(&crate::report_inputs::trip_inputs(&store)?);
            Ok(performance_view(from, to, trips))
        }))
    }

    fn pnl(&self, query: PnlQuery) -> BackendFuture<'_, PnlView> {
        let store = self.shared.store.clone();
        Box::pin(async move {
            let (from, to) = (query.from, query.to);
            let snapshots = read_store(move || store.pnl_between(from, to)).await?;
            crate::history::pnl_view(&query, &snapshots)
        })
    }

    fn round_trips(&self, query: RoundTripsQuery) -> BackendFuture<'_, RoundTripsPage> {
        let store = self.shared.store.clone();
        Box::pin(read_store(move || {
            let trips = mirai_reports::round_trips(&crate::report_inputs::trip_inputs(&store)?);
            Ok(crate::history::round_trips_page(&query, trips))
        }))
    }

    fn decisions(&self, query: DecisionsQuery) -> BackendFuture<'_, DecisionsPage> {
        let store = self.shared.store.clone();
        Box::pin(read_store(move || {
            let outcomes = mirai_reports::decision_outcomes(&crate::report_inputs::outcome_inputs(&store)?);
            Ok(crate::history::decisions_page(&query, outcomes))
        }))
    }

    fn control(&self, action: ControlAction, by: String) -> BackendFuture<'_, StatusView> {
        Box::pin(self.command(Act::Control(action), by))
    }

    /// Checked by the trading task, in order with the other commands: a kill given meanwhile
    /// stays on.
    fn resume_unless_halted(&self, by: String) -> BackendFuture<'_, StatusView> {
        Box::pin(self.command(Act::ResumeUnlessHalted, by))
    }

    fn users(&self) -> Option<&dyn UserDirectory> {
        self.users.as_deref().map(|u| u as &dyn UserDirectory)
    }

    fn risk_limits(&self) -> BackendFuture<'_, RiskLimitsView> {
        Box::pin(self.admin_risk_limits())
    }

    fn set_risk_limits(&self, limits: RiskLimits, by: String) -> BackendFuture<'_, RiskLimitsView> {
        Box::pin(self.admin_set_risk_limits(limits, by))
    }

    fn audit(&self, query: AuditQuery) -> BackendFuture<'_, AuditPage> {
        Box::pin(self.admin_audit(query))
    }

    fn live_approval(&self) -> BackendFuture<'_, LiveApprovalView> {
        Box::pin(self.admin_live_approval())
    }

    fn approve_live(&self, request: LiveApproveRequest) -> BackendFuture<'_, LiveApprovalView> {
        Box::pin(self.admin_approve_live(request))
    }

    fn revoke_live(&self, by: String) -> BackendFuture<'_, LiveApprovalView> {
        Box::pin(self.admin_revoke_live(by))
    }

    fn list_users(&self) -> BackendFuture<'_, Vec<UserView>> {
        Box::pin(self.admin_list_users())
    }

    fn add_user(&self, user: NewUser, by: String) -> BackendFuture<'_, UserView> {
        Box::pin(self.admin_add_user(user, by))
    }

    fn update_user(&self, name: String, update: UserUpdate, by: String) -> BackendFuture<'_, UserView> {
        Box::pin(self.admin_update_user(name, update, by))
    }

    fn remove_user(&self, name: String, by: String) -> BackendFuture<'_, UserView> {
        Box::pin(self.admin_remove_user(name, by))
    }

    fn proposals(&self, status: Option<ProposalStatus>, limit: u32) -> BackendFuture<'_, Vec<ProposalView>> {
        let store = self.shared.store.clone();
        Box::pin(read_store(move || {
            let list = store.proposals(status, limit as usize)?;
            with_rationales(&store, &list)
        }))
    }

    fn decide_proposal(&self, id: String, approve: bool, by: String) -> BackendFuture<'_, ProposalView> {
        Box::pin(async move {
            // Not a client order id: no proposal can have it (the web tier checks this first).
            let id = ClientOrderId::new_checked(&id)
                .map_err(|_| BackendError::NotFound("no such proposal".to_owned()))?;
            let (reply, answer) = oneshot::channel();
            self.shared
                .commands
                .send(Command { act: Act::Proposal { id: id.clone(), approve }, by, reply })
                .await
                .map_err(|_| BackendError::Unavailable("the trading task has stopped".into()))?;
            match tokio::time::timeout(DECISION_TIMEOUT, answer).await {
                Ok(Ok(Ok(()))) => {}
                Ok(Ok(Err(e))) => return Err(e),
                Ok(Err(_)) | Err(_) => {
                    return Err(BackendError::Unavailable("the trading task did not answer".into()));
                }
            }
            // The trading task has persisted the decision: what the store says now is the answer.
            let store = self.shared.store.clone();
            let after = read_store(move || {
                let found = store.proposal(&id)?;
                let views = with_rationales(&store, found.as_slice())?;
                Ok(views.into_iter().next())
            })
            .await?;
            after.ok_or_else(|| BackendError::Internal("a decided proposal is not in the store".into()))
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

    fn backtests(&self, query: BacktestsQuery) -> BackendFuture<'_, BacktestsPage> {
        let jobs = self.jobs.list();
        Box::pin(async move {
            let (backtests, next) =
                mirai_web::newest_first_page(jobs, BacktestsQuery::key, query.cursor.as_ref(), query.limit);
            Ok(BacktestsPage { backtests, next })
        })
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
            let addresses = self.addresses.clone();
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
                    client: event.client.map(|ip| addresses.hash(ip)),
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
mod tests;
