//! Starting the worker on Binance (`DRY_RUN=false` with keys): connect (the live approval is
//! checked first), reconcile the account with the ledger BEFORE the engine is restored from it,
//! warm the strategies on the exchange's recent bars, then run the kline feed (with gap fill),
//! the user-data pump and the trading task on the venue executor.
//!
//! A venue that cannot be reached, a live run without approval, or a ledger that does not match
//! the account never stops the worker: it starts, serves the dashboard, and refuses every new
//! order with the reason in `/api/status` and the logs. The kill switch and cancels still work
//! whenever the venue is reachable.

use std::collections::HashMap;
use std::sync::Arc;

use mirai_core::{
    Amount, AuditEvent, CandleSource, ClientOrderId, Decimal, ExecError, ExecutionReport, Executor,
    MarketEvent, OrderRequest, RiskApproved, Symbol, SymbolRules, Timestamp,
};
use mirai_store_local::LocalStore;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::approval;
use super::connect::{BinanceVenue, connect};
use super::feed::{FeedConfig, spawn_feed};
use super::reconcile::{Expected, reconcile};
use super::settings::BinanceSettings;
use super::store_approval::StoreApproval;
use super::user_data::spawn_user_data;
use crate::candles::CandleLog;
use crate::shared::Command;
use crate::trader::{BlockedReason, Trader, TradingEngine};

/// Recent closed bars fed to the strategies (without acting) before trading starts.
const WARM_UP_BARS: u16 = 200;

/// The venue after start-up checks: connected or not, and whether it may trade.
#[derive(Debug)]
pub struct Prepared {
    pub env: mirai_binance::Environment,
    /// `Err`: why the worker could not connect (it then refuses every order).
    pub venue: Result<BinanceVenue, String>,
}

impl Prepared {
    /// The exchange's rules for `symbol`, when connected.
    pub fn rules(&self, symbol: Symbol) -> Option<SymbolRules> {
        self.venue.as_ref().ok()?.rules.iter().find(|r| r.symbol == symbol).cloned()
    }

    /// The key the connected venue signs with, to replace when it is rotated; `None` when not
    /// connected (a rotated key is then used from the next start).
    pub fn credential(&self) -> Option<mirai_binance::SharedCredential> {
        self.venue.as_ref().ok().map(|v| v.credential.clone())
    }

    /// Why new orders are refused now, for the status view and logs.
    pub fn blocked_reason(&self) -> Option<String> {
        match &self.venue {
            Err(why) => Some(why.clone()),
            Ok(v) => v.executor.blocked_reason(),
        }
    }
}

/// Connects, then reconciles the account with the ledger in `store`. Run before the engine is
/// restored: fills reconciliation books must be in the store the engine restores from.
pub async fn prepare(
    settings: &BinanceSettings,
    symbols: &[Symbol],
    store: &Arc<LocalStore>,
    starting_cash: Amount,
    now: Timestamp,
) -> Prepared {
    let approval = Arc::new(StoreApproval(store.clone()));
    let venue = match connect(settings, symbols, approval).await {
        Ok(v) => v,
        Err(e) => {
            let why = format!("not connected to Binance {}: {e}", settings.env);
            tracing::error!(reason = %why, "trading refused");
            let event = AuditEvent::VenueUnavailable {
                venue: settings.env.as_str().to_owned(),
                ok: false,
                why: why.clone(),
            };
            if let Err(e) = store.record(now, &event) {
                tracing::error!(error = %e, "the refusal could not be audited");
            }
            return Prepared { env: settings.env, venue: Err(why) };
        }
    };
    let expected = Expected {
        starting_cash,
        // Fills are booked net of base-asset commissions, so holdings match the ledger exactly.
        tolerance: Decimal::ZERO,
    };
    // A failure blocks the executor with its reasons (and logs them); the worker carries on.
    let _ = reconcile(store, &venue, &expected, now).await;
    Prepared { env: settings.env, venue: Ok(venue) }
}

/// What the trading task needs from `app.rs`.
pub struct TraderParts {
    pub engine: TradingEngine,
    pub clock: Arc<mirai_core::ManualClock>,
    pub store: Arc<LocalStore>,
    pub shared: Arc<crate::shared::Shared>,
    pub mode: mirai_web::Mode,
    pub started_at: Timestamp,
    pub events: (mpsc::Sender<MarketEvent>, mpsc::Receiver<MarketEvent>),
    pub commands: mpsc::Receiver<Command>,
    pub stop: oneshot::Receiver<()>,
    /// The model consulted about entries (the engine then waits for advice), if configured.
    pub consultant: Option<Arc<dyn crate::consult::Consultant>>,
    /// Which approved orders wait for a person.
    pub approval: crate::approval::ApprovalPolicy,
    /// News as it is ingested, for the news-embargo gate.
    pub news: mpsc::Receiver<(mirai_core::Symbol, Timestamp)>,
}

impl std::fmt::Debug for TraderParts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TraderParts").field("mode", &self.mode).finish_non_exhaustive()
    }
}

/// Starts the market feed, the user-data pump and the trading task. Returns the trading task and
/// a task owning the feeds (aborting it stops them).
pub async fn launch(prepared: Prepared, parts: TraderParts) -> (JoinHandle<()>, JoinHandle<()>) {
    let TraderParts {
        mut engine,
        clock,
        store,
        shared,
        mode,
        started_at,
        events,
        commands,
        stop,
        consultant,
        approval: approval_policy,
        news,
    } = parts;
    let (event_tx, event_rx) = events;
    let env = prepared.env;
    let mut feeds: Vec<JoinHandle<()>> = Vec::new();
    // The venue's bars are recorded as such (none arrive without a venue).
    let mut candle_log = None;
    let (execution, updates, blocked): (Execution, _, BlockedReason) = match prepared.venue {
        Err(why) => {
            // Nothing to trade on: no feed. The sender is kept so the trading task keeps serving
            // operator commands.
            feeds.push(tokio::spawn(async move {
                let _keep = event_tx;
                std::future::pending::<()>().await
            }));
            let reason = why.clone();
            (Execution::Unavailable(why), None, Arc::new(move || Some(reason.clone())))
        }
        Ok(venue) => {
            let symbols: Vec<Symbol> = venue.rules.iter().map(|r| r.symbol).collect();
            let resume = warm_up(&venue.client, venue.kline_interval, &symbols, &mut engine).await;
            candle_log = Some(CandleLog::new(CandleSource::Venue, venue.kline_interval.as_str()));
            let config = FeedConfig {
                streams_url: venue.endpoints.streams.clone(),
                symbols: venue.rules.iter().map(|r| r.symbol).collect(),
                interval: venue.kline_interval,
                quotes: false,
                resume,
                stream: None,
            };
            feeds.push(spawn_feed(Arc::clone(&venue.client), config, event_tx));
            let (update_tx, update_rx) = mpsc::channel(1024);
            feeds.push(spawn_user_data(&venue, update_tx));
            let executor = venue.executor.clone();
            let approval = StoreApproval(store.clone());
            // Blocked by reconciliation, or (live) an approval revoked since the start.
            let blocked: BlockedReason = Arc::new(move || {
                executor
                    .blocked_reason()
                    .or_else(|| approval::check(env, &approval).err().map(|e| e.to_string()))
            });
            (Execution::Venue(venue.executor), Some(update_rx), blocked)
        }
    };
    if let Some(why) = blocked() {
        tracing::error!(reason = %why, "the worker is up but refuses to trade");
    }
    let mut trader = Trader::new(
        engine,
        clock,
        execution,
        None,
        store,
        shared.clone(),
        mode,
        false,
        env == mirai_binance::Environment::Testnet,
        started_at,
    )
    .with_blocked_reason(blocked)
    .with_approval(approval_policy)
    .with_news(news)
    .with_market_data(CandleSource::Venue);
    if let Some(rx) = updates {
        trader = trader.with_venue_updates(rx);
    }
    if let Some(log) = candle_log {
        trader = trader.with_candle_log(log);
    }
    if let Some(c) = consultant {
        trader = trader.with_consultant(c);
    }
    shared.publish(trader.snapshot());
    let trader_task = tokio::spawn(trader.run(event_rx, commands, stop));
    let feeds_task = tokio::spawn(async move {
        // Dropping the guard (when this task is aborted) stops every feed.
        let _guard = AbortAll(feeds);
        std::future::pending::<()>().await
    });
    (trader_task, feeds_task)
}

/// Feeds the strategies the exchange's recent closed bars and returns, per symbol, the last one:
/// the feed goes on from there. Bars that closed while the worker was down are never traded
/// late; they only warm the strategies. Also the warm-up on Binance's public market data
/// (`market_data.rs`).
pub(super) async fn warm_up(
    client: &mirai_binance::BinanceHttpClient,
    interval: mirai_binance::KlineInterval,
    symbols: &[Symbol],
    engine: &mut TradingEngine,
) -> HashMap<Symbol, Timestamp> {
    let mut resume = HashMap::new();
    for &symbol in symbols {
        match client.klines(symbol, interval, None, None, WARM_UP_BARS + 1).await {
            Ok(bars) => {
                let mut warmed = 0usize;
                for bar in bars.iter().filter(|b| b.closed) {
                    engine.warm_up(bar);
                    resume.insert(symbol, bar.open_time);
                    warmed += 1;
                }
                tracing::info!(%symbol, bars = warmed, "strategy warmed up on the last closed bars from REST");
            }
            Err(e) => {
                tracing::warn!(%symbol, error = %e, "no warm-up bars; the strategy starts cold")
            }
        }
    }
    resume
}

/// Aborts its tasks when dropped.
struct AbortAll(Vec<JoinHandle<()>>);

impl Drop for AbortAll {
    fn drop(&mut self) {
        for t in &self.0 {
            t.abort();
        }
    }
}

/// The trading task's executor on Binance: the venue, or a refusal when it could not be set up.
#[derive(Debug, Clone)]
pub enum Execution {
    Venue(super::VenueExecutor),
    Unavailable(String),
}

impl Executor for Execution {
    async fn submit(&self, order: RiskApproved<OrderRequest>) -> Result<ExecutionReport, ExecError> {
        match self {
            Execution::Venue(v) => v.submit(order).await,
            Execution::Unavailable(why) => Err(ExecError::Refused(why.clone())),
        }
    }

    async fn cancel(&self, symbol: Symbol, id: &ClientOrderId) -> Result<ExecutionReport, ExecError> {
        match self {
            Execution::Venue(v) => v.cancel(symbol, id).await,
            Execution::Unavailable(why) => Err(ExecError::Refused(why.clone())),
        }
    }

    async fn query(&self, symbol: Symbol, id: &ClientOrderId) -> Result<Option<ExecutionReport>, ExecError> {
        match self {
            Execution::Venue(v) => v.query(symbol, id).await,
            Execution::Unavailable(why) => Err(ExecError::Refused(why.clone())),
        }
    }
}
