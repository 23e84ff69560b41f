//! `Trader`: the trading task. It owns the engine and talks to the executor and the store. Each
//! market event is one step (`on_event`), so tests can drive it deterministically; `run` is the
//! loop that feeds it events, operator commands (first) and, on Binance, the venue's own reports
//! (fills and order closures from the user-data stream, `on_venue_update`).
//!
//! A fill can reach it twice (in an order's response and again from the user-data stream): each
//! (symbol, trade id) is booked once. An order the venue refuses, throttles or never receives is
//! recorded as rejected and trading goes on; an order whose outcome stays unknown (the executor
//! has already queried it) stays open until the venue reports it or start-up reconciliation
//! settles it — it is never resent.

use std::sync::Arc;

use mirai_core::ManualClock;
use mirai_core::{
    Amount, AuditEvent, CandleSource, ClientOrderId, Clock, DecisionId, ExecError, ExecutionReport, Executor,
    ExternalAdvice, Fill, MarketEvent, OrderRequest, RiskApproved, Symbol, Timestamp,
};
use mirai_engine::{BookingError, Engine, Outcome, RuleBasedAdvisor};
use mirai_paper::SharedPaper;
use mirai_store_local::{LocalStore, PnlSnapshot, StoreError};
use mirai_web::{BackendError, ControlAction, Mode};
use tokio::sync::mpsc;

use crate::approval::{ApprovalMode, ApprovalPolicy};
use crate::candles::CandleLog;
use crate::consult::Consultant;
use crate::ledger::{BookedTrades, StoreLedger};
use crate::shared::{Act, Command, Setting, Shared, Snapshot};
use crate::venue::VenueUpdate;

/// Why new orders are refused right now (read for every status snapshot), if they are.
pub type BlockedReason = Arc<dyn Fn() -> Option<String> + Send + Sync>;

pub const KV_RISK_STATE: &str = "risk.state";
pub const KV_FEED_LAST: &str = "feed.last_open_ms";
pub const KV_STOPS_PREFIX: &str = "stops.";

/// Record a P&L snapshot every this many candles.
const PNL_EVERY: u64 = 20;

pub type TradingEngine = Engine<RuleBasedAdvisor, Arc<ManualClock>>;

/// What became of an order sent to the executor.
#[derive(Debug)]
enum Placement {
    Placed,
    /// Sent, outcome unknown: kept open for the venue's reports or reconciliation.
    Unknown,
    NotPlaced(String),
}

/// A consultant's answer for the entry waiting on a symbol.
type Answer = (Symbol, ExternalAdvice);

#[derive(Debug, thiserror::Error)]
pub enum TraderError {
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("paper exchange unavailable")]
    Exchange,
}

pub struct Trader<E> {
    pub engine: TradingEngine,
    pub clock: Arc<ManualClock>,
    pub executor: E,
    /// The paper venue's market-side hook (resting orders match on market events).
    pub paper: Option<SharedPaper>,
    pub store: Arc<LocalStore>,
    pub shared: Arc<Shared>,
    pub mode: Mode,
    pub dry_run: bool,
    pub testnet: bool,
    pub started_at: Timestamp,
    pub last_event_at: Option<Timestamp>,
    candles_seen: u64,
    /// Trades already booked, loaded from the store on first use.
    booked: BookedTrades,
    /// The venue's reports (Binance user data); `None` on the paper exchange.
    updates: Option<mpsc::Receiver<VenueUpdate>>,
    blocked: Option<BlockedReason>,
    /// The model asked about entries, if one is configured.
    consultant: Option<Arc<dyn Consultant>>,
    /// Answers of requests in flight, and how many are still out.
    advice_tx: mpsc::Sender<Answer>,
    advice_rx: Option<mpsc::Receiver<Answer>>,
    asking: usize,
    /// Which approved orders wait for a person.
    approval: ApprovalPolicy,
    /// News as it is ingested (symbol, publication time), for the news-embargo gate.
    news: Option<mpsc::Receiver<(Symbol, Timestamp)>>,
    /// Where the closed candles traded on are recorded as coming from; `None` records none.
    candle_log: Option<CandleLog>,
    /// Where the market data comes from, for the status view.
    market_data: Option<CandleSource>,
}

impl<E> std::fmt::Debug for Trader<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Trader")
            .field("mode", &self.mode)
            .field("last_event_at", &self.last_event_at)
            .finish()
    }
}

impl<E: Executor> Trader<E> {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        engine: TradingEngine,
        clock: Arc<ManualClock>,
        executor: E,
        paper: Option<SharedPaper>,
        store: Arc<LocalStore>,
        shared: Arc<Shared>,
        mode: Mode,
        dry_run: bool,
        testnet: bool,
        started_at: Timestamp,
    ) -> Self {
        let (advice_tx, advice_rx) = mpsc::channel(16);
        Self {
            engine,
            clock,
            executor,
            paper,
            store,
            shared,
            mode,
            dry_run,
            testnet,
            started_at,
            last_event_at: None,
            candles_seen: 0,
            booked: BookedTrades::default(),
            updates: None,
            blocked: None,
            consultant: None,
            advice_tx,
            advice_rx: Some(advice_rx),
            asking: 0,
            approval: ApprovalPolicy::default(),
            news: None,
            candle_log: None,
            market_data: None,
        }
    }

    /// Tells the risk gates about news as it arrives (the news embargo).
    pub fn with_news(mut self, news: mpsc::Receiver<(Symbol, Timestamp)>) -> Self {
        self.news = Some(news);
        self
    }

    /// Records every closed candle traded on in the store, as `log` says (source, interval).
    pub fn with_candle_log(mut self, log: CandleLog) -> Self {
        self.candle_log = Some(log);
        self
    }

    /// Says in the status view where the market data comes from.
    pub fn with_market_data(mut self, source: CandleSource) -> Self {
        self.market_data = Some(source);
        self
    }

    /// Holds approved orders for a person as `policy` says (`auto`, the default, holds none).
    pub fn with_approval(mut self, policy: ApprovalPolicy) -> Self {
        self.approval = policy;
        self
    }

    /// Entries are decided with `consultant`'s advice (the engine must have been built with
    /// `with_model_advice(true)`).
    pub fn with_consultant(mut self, consultant: Arc<dyn Consultant>) -> Self {
        self.consultant = Some(consultant);
        self
    }

    /// Also applies the venue's own reports (fills, order closures) as they arrive.
    pub fn with_venue_updates(mut self, updates: mpsc::Receiver<VenueUpdate>) -> Self {
        self.updates = Some(updates);
        self
    }

    /// Shows why trading is refused (in the status view) whenever `reason` says so.
    pub fn with_blocked_reason(mut self, reason: BlockedReason) -> Self {
        self.blocked = Some(reason);
        self
    }

    /// Runs until both channels close. Commands are served before events so the kill switch never
    /// waits behind market data.
    pub async fn run(
        mut self,
        mut events: mpsc::Receiver<MarketEvent>,
        mut commands: mpsc::Receiver<Command>,
        mut stop: tokio::sync::oneshot::Receiver<()>,
    ) {
        self.publish();
        let mut updates = self.updates.take();
        let Some(mut advice) = self.advice_rx.take() else { return };
        let mut expiry = tokio::time::interval(std::time::Duration::from_secs(1));
        expiry.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let holds = self.approval.mode != ApprovalMode::Auto;
        let mut news = self.news.take();
        loop {
            tokio::select! {
                biased;
                _ = &mut stop => break,
                Some(cmd) = commands.recv() => {
                    let result = self.command(cmd.act, &cmd.by).await;
                    let _ = cmd.reply.send(result);
                }
                _ = expiry.tick(), if holds => {
                    if let Err(e) = self.expire_proposals() {
                        tracing::error!(error = %e, "expiring proposals failed");
                    }
                }
                // Before market data: a fill must be in the ledger before the next decision.
                u = next_update(&mut updates) => match u {
                    Some(u) => {
                        if let Err(e) = self.on_venue_update(u).await {
                            tracing::error!(error = %e, "applying a venue report failed; halting");
                            self.engine.halt();
                            let _ = self.save_risk_state();
                        }
                        self.publish();
                    }
                    None => {
                        tracing::error!("the venue's report stream ended; fills will be found by query");
                        updates = None;
                    }
                },
                // Only while a request is out: an idle channel must not keep the loop alive.
                Some((symbol, answer)) = advice.recv(), if self.asking > 0 => {
                    self.asking -= 1;
                    if let Err(e) = self.on_advice(symbol, answer).await {
                        tracing::error!(error = %e, "deciding on advice failed; halting");
                        self.engine.halt();
                        let _ = self.save_risk_state();
                    }
                    self.publish();
                }
                Some((symbol, at)) = next_news(&mut news) => {
                    self.engine.on_news(symbol, at);
                    if let Err(e) = self.save_risk_state() {
                        tracing::error!(error = %e, "saving the news embargo failed");
                    }
                }
                Some(ev) = events.recv() => {
                    if let Err(e) = self.on_event(&ev).await {
                        tracing::error!(error = %e, "trading step failed; halting");
                        self.engine.halt();
                        let _ = self.save_risk_state();
                    }
                }
                else => break,
            }
        }
    }

    /// One operator command: a control action, or a person's decision on a proposal.
    pub async fn command(&mut self, act: Act, by: &str) -> Result<(), BackendError> {
        match act {
            Act::Control(action) => {
                self.control(action, by).await.map_err(|e| BackendError::Internal(e.to_string()))
            }
            Act::ResumeUnlessHalted if self.engine.risk_state().halted => {
                tracing::warn!(%by, "resume refused: the kill switch is on, and this user may not lift it");
                Err(BackendError::Refused(
                    "the kill switch is on: only an admin may resume after it".to_owned(),
                ))
            }
            Act::ResumeUnlessHalted => self
                .control(ControlAction::Resume, by)
                .await
                .map_err(|e| BackendError::Internal(e.to_string())),
            Act::Proposal { id, approve } => {
                let result = self.decide_proposal(&id, approve, by).await;
                self.publish();
                result
            }
            Act::SetRiskLimits { limits, at } => self.set_limits(limits, at, by),
        }
    }

    /// Replaces the risk limits: persisted with its audit entry first, then applied, so the next
    /// decision is checked against them and a restart keeps them.
    fn set_limits(
        &mut self,
        limits: mirai_core::RiskLimits,
        at: Timestamp,
        by: &str,
    ) -> Result<(), BackendError> {
        if let Err(problems) = limits.validate() {
            return Err(BackendError::Invalid(problems.join("; ")));
        }
        let previous = self.engine.limits().clone();
        self.store
            .set_risk_limits(&limits, &previous, by, at, "web")
            .map_err(|e| BackendError::Internal(format!("saving the risk limits: {e}")))?;
        self.engine.set_limits(limits);
        tracing::warn!(%by, "risk limits changed");
        self.publish();
        Ok(())
    }

    /// Applies an operator command and persists it before answering. The kill switch also
    /// cancels every open order.
    pub async fn control(&mut self, action: ControlAction, by: &str) -> Result<(), TraderError> {
        match action {
            ControlAction::Kill => {
                self.engine.halt();
                self.save_risk_state()?;
                self.cancel_open_orders().await?;
            }
            ControlAction::Pause => self.engine.pause(),
            ControlAction::Resume => self.engine.resume(),
        }
        self.save_risk_state()?;
        let now = self.clock.now();
        self.store
            .record(now, &AuditEvent::Control { action: action.as_str().to_owned(), by: by.to_owned() })?;
        tracing::warn!(action = action.as_str(), %by, "operator command applied");
        self.publish();
        Ok(())
    }

    /// One step: a market event through the engine, the executor and the store.
    pub async fn on_event(&mut self, ev: &MarketEvent) -> Result<(), TraderError> {
        self.clock.set(ev.time());
        self.last_event_at = Some(ev.time());
        if let Some(paper) = &self.paper {
            for fill in paper.on_market(ev).map_err(|_| TraderError::Exchange)? {
                let mut ledger = StoreLedger::new(&self.store, &mut self.booked, ev.time());
                let booked = self.engine.on_reported_fill(&fill, &mut ledger);
                self.settle(booked, ev.time())?;
            }
        }
        // Before the engine decides on it, so a decision never precedes its bar in the outbox.
        if let (MarketEvent::Candle(c), Some(log)) = (ev, &self.candle_log) {
            log.record(&self.store, c);
        }
        if let Some(outcome) = self.engine.on_event(ev) {
            self.handle_outcome(outcome).await?;
        }
        self.ask_if_asked();
        if let MarketEvent::Candle(c) = ev {
            self.store.set_kv(&format!("{KV_FEED_LAST}.{}", c.symbol), &c.open_time.millis().to_string())?;
            self.candles_seen += 1;
            if self.candles_seen.is_multiple_of(PNL_EVERY) {
                self.snapshot_pnl(ev.time())?;
            }
        }
        self.publish();
        Ok(())
    }

    /// Sends the engine's request for advice, if it made one, to the consultant on its own task.
    /// Without a consultant the entry is decided by the rules at once, saying so.
    fn ask_if_asked(&mut self) {
        let Some(request) = self.engine.take_advice_request() else { return };
        let symbol = request.signal.symbol;
        let tx = self.advice_tx.clone();
        match &self.consultant {
            Some(c) => {
                let asking = c.consult(request);
                self.asking += 1;
                tokio::spawn(async move {
                    let _ = tx.send((symbol, asking.await)).await;
                });
            }
            None => {
                let answer = ExternalAdvice::Fallback {
                    model: "none".into(),
                    reason: "no model is configured".into(),
                    prompt_hash: None,
                    usage: None,
                };
                self.asking += 1;
                let _ = tx.try_send((symbol, answer));
            }
        }
    }

    /// The answer to an earlier request: the engine decides the waiting entry with it (gates at
    /// the clock's time now) and the outcome goes the way every outcome goes.
    pub async fn on_advice(&mut self, symbol: Symbol, answer: ExternalAdvice) -> Result<(), TraderError> {
        if let Some(outcome) = self.engine.on_advice(symbol, answer) {
            self.handle_outcome(outcome).await?;
        }
        Ok(())
    }

    async fn handle_outcome(&mut self, outcome: Outcome) -> Result<(), TraderError> {
        let Outcome { decision, order } = outcome;
        let now = self.clock.now();
        self.store.journal_decision(now, &decision)?;
        match order {
            None => {}
            Some(Err(refused)) => {
                tracing::info!(symbol = %decision.symbol, gate = refused.reason.gate(), reason = %refused.reason, "order refused by risk");
                self.store.journal_refusal(now, &decision, &refused.reason)?;
            }
            Some(Ok(approved)) if self.approval.holds(approved.inner(), &decision, self.mode) => {
                self.hold(approved.into_inner(), &decision)?;
            }
            Some(Ok(approved)) => {
                self.place(approved, &decision.id, now).await?;
            }
        }
        self.save_risk_state()?;
        Ok(())
    }

    /// Journals an approved order and sends it; records what became of it. The order exists at
    /// the venue only when this returns [`Placement::Placed`] (or, unknown, possibly).
    async fn place(
        &mut self,
        approved: RiskApproved<OrderRequest>,
        decision_id: &DecisionId,
        now: Timestamp,
    ) -> Result<Placement, TraderError> {
        let req = approved.inner().clone();
        self.store.journal_order(now, &req)?;
        tracing::info!(symbol = %req.symbol, side = %req.side, qty = %req.qty, id = %req.client_order_id, "order approved");
        let result = self.executor.submit(approved).await;
        self.save_stops(req.symbol)?;
        match result {
            Ok(report) => {
                self.apply_report(&report, now)?;
                Ok(Placement::Placed)
            }
            Err(ExecError::Unknown { why, .. }) => {
                // The executor already looked for it by id. Keep it open: the venue's reports or
                // the next start-up reconciliation settle it; never resend.
                tracing::error!(%why, id = %req.client_order_id, "order outcome unknown; kept open");
                Ok(Placement::Unknown)
            }
            // Refused here (venue blocked, live not approved), rejected, throttled or never
            // sent: the order does not exist. Record why and go on trading.
            Err(e) => {
                let gate = match &e {
                    ExecError::Rejected(_) => "exchange",
                    ExecError::Refused(_) => "venue_blocked",
                    _ => "exchange_unavailable",
                };
                if gate == "exchange_unavailable" {
                    tracing::error!(error = %e, id = %req.client_order_id, "order not placed");
                } else {
                    tracing::warn!(error = %e, id = %req.client_order_id, "order not placed");
                }
                self.store.journal_rejection(now, decision_id, &req, gate, &e.to_string())?;
                self.engine.on_order_closed(&req.client_order_id);
                Ok(Placement::NotPlaced(e.to_string()))
            }
        }
    }

    async fn cancel_open_orders(&mut self) -> Result<(), TraderError> {
        let now = self.clock.now();
        for o in self.store.open_orders()? {
            let cid = &o.request.client_order_id;
            match self.executor.cancel(o.request.symbol, cid).await {
                Ok(report) => self.apply_report(&report, now)?,
                Err(e) => tracing::error!(error = %e, id = %cid, "could not cancel an open order"),
            }
        }
        Ok(())
    }

    /// Applies a venue report (fills, status): the order lifecycle every mode shares
    /// (`Engine::on_report`). From here on the order's state is the venue's.
    fn apply_report(&mut self, report: &ExecutionReport, now: Timestamp) -> Result<(), TraderError> {
        let mut ledger = StoreLedger::new(&self.store, &mut self.booked, now);
        let booked = self.engine.on_report(report, &mut ledger);
        self.settle(booked, now)
    }

    /// A store failure stops the step; a fill the portfolio refused has halted trading (the
    /// engine's policy) and is logged and audited here, and the task goes on serving commands.
    fn settle(
        &mut self,
        booked: Result<(), BookingError<StoreError>>,
        now: Timestamp,
    ) -> Result<(), TraderError> {
        match booked {
            Ok(()) => Ok(()),
            Err(BookingError::Ledger(e)) => Err(e.into()),
            Err(e @ BookingError::FillRefused { .. }) => {
                tracing::error!(error = %e, "fill does not fit the ledger; trading halted");
                self.store.record(now, &AuditEvent::Halt { why: e.to_string() })?;
                Ok(())
            }
        }
    }

    /// One report from the venue's user-data stream.
    pub async fn on_venue_update(&mut self, update: VenueUpdate) -> Result<(), TraderError> {
        let now = self.clock.now();
        match update {
            VenueUpdate::Fill(fill) => {
                if self.is_ours(&fill.client_order_id)? {
                    let mut ledger = StoreLedger::new(&self.store, &mut self.booked, now);
                    let booked = self.engine.on_reported_fill(&fill, &mut ledger);
                    self.settle(booked, now)?;
                } else {
                    tracing::warn!(id = %fill.client_order_id, trade = %fill.trade_id.as_str(), "a fill of an order Mirai did not place; not booked (restart reconciliation will flag the difference)");
                }
            }
            VenueUpdate::Closed(report) => {
                if self.is_ours(&report.client_order_id)? {
                    self.apply_report(&report, now)?;
                    tracing::info!(id = %report.client_order_id, status = report.status.as_str(), "order closed by the venue");
                }
            }
            VenueUpdate::Resync => self.resync_open_orders(now).await?,
            VenueUpdate::Disconnected(reason) => {
                tracing::warn!(%reason, "Binance user data disconnected; open orders will be re-read on reconnect")
            }
        }
        self.save_risk_state()?;
        Ok(())
    }

    fn is_ours(&self, id: &ClientOrderId) -> Result<bool, TraderError> {
        Ok(self.store.order(id)?.is_some())
    }

    /// Reports missed while the user-data stream was away: every locally open order, by query.
    async fn resync_open_orders(&mut self, now: Timestamp) -> Result<(), TraderError> {
        for o in self.store.open_orders()? {
            let id = &o.request.client_order_id;
            match self.executor.query(o.request.symbol, id).await {
                Ok(Some(report)) => self.apply_report(&report, now)?,
                // Not on the venue (yet): leave it; reconciliation decides at the next start.
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, %id, "could not re-read an open order"),
            }
        }
        Ok(())
    }

    fn save_risk_state(&self) -> Result<(), TraderError> {
        // An empty value would fail the next start ("stored risk state"): a failure is an error now.
        let json = serde_json::to_string(self.engine.risk_state()).map_err(StoreError::from)?;
        self.store.set_kv(KV_RISK_STATE, &json)?;
        Ok(())
    }

    fn save_stops(&self, symbol: Symbol) -> Result<(), TraderError> {
        let stops = serde_json::to_string(&self.engine.stops(symbol)).map_err(StoreError::from)?;
        self.store.set_kv(&format!("{KV_STOPS_PREFIX}{symbol}"), &stops)?;
        Ok(())
    }

    fn snapshot_pnl(&self, ts: Timestamp) -> Result<(), TraderError> {
        let p = self.engine.portfolio();
        self.store.insert_pnl_snapshot(&PnlSnapshot {
            ts,
            equity: p.equity(),
            cash: p.cash(),
            realised: p.realised_pnl(),
            unrealised: p.unrealised_pnl(),
        })?;
        Ok(())
    }

    /// The snapshot the web tier reads.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot::of(
            &self.engine,
            Setting {
                mode: self.mode,
                dry_run: self.dry_run,
                testnet: self.testnet,
                started_at: self.started_at,
                last_event_at: self.last_event_at,
                blocked_reason: self.blocked.as_ref().and_then(|f| f()),
                advisor: self.consultant.as_ref().map(|c| c.stats()),
                market_data: self.market_data,
            },
        )
    }

    fn publish(&self) {
        self.shared.publish(self.snapshot());
    }
}

/// The next news notice; never when there is no news feed (or it ended: the loop must not spin).
async fn next_news(news: &mut Option<mpsc::Receiver<(Symbol, Timestamp)>>) -> Option<(Symbol, Timestamp)> {
    match news {
        Some(rx) => match rx.recv().await {
            Some(n) => Some(n),
            None => {
                *news = None;
                std::future::pending().await
            }
        },
        None => std::future::pending().await,
    }
}

/// The next venue report, or never when there is no venue.
async fn next_update(updates: &mut Option<mpsc::Receiver<VenueUpdate>>) -> Option<VenueUpdate> {
    match updates {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// Cash implied by the ledger: the starting cash moved by every fill.
pub fn cash_from_fills(starting_cash: Amount, fills: &[Fill]) -> Amount {
    starting_cash + fills.iter().map(Fill::cash_delta).sum::<Amount>()
}

mod proposals;

#[cfg(test)]
mod approval_tests;
#[cfg(test)]
mod tests;
