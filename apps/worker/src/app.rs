//! Start-up: the one place that picks concrete adapters and wires them. It restores state from the
//! local store (ledger, kill switch, risk counters, feed position), reconciles orders left open by
//! a crash, and starts the feed, the trading task and the web server.
//!
//! Two venues: the paper exchange (`DRY_RUN=true`, the default), on replayed bars or, with
//! `MARKET_DATA=binance`, on Binance's public market data (`venue::market_data`, no key); or
//! Binance (`DRY_RUN=false` with keys), whose start-up lives in `venue::boot`.

mod paper;
mod restore;

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context as _;
use mirai_core::{AuditEvent, CandleSource, Clock, ManualClock, Price, RiskState, SystemClock, Timestamp};
use mirai_engine::{Engine, EngineConfig, RuleBasedAdvisor, Sizing};
use mirai_outbox::{AnalyticsSink, ShipperConfig};
use mirai_store_local::LocalStore;
use mirai_web::{Auth, Backend, Ctx, LoginLimiter, Mode};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use self::paper::start_paper;
use self::restore::{reconcile_open_orders, starting_limits, verify_audit_chain, warn_on_market_switch};
use crate::backend::LocalBackend;
use crate::config::Settings;
use crate::feed::{BAR_MS, replay_rules};
use crate::shared::Shared;
use crate::shipping::Shipping;
use crate::trader::{KV_RISK_STATE, KV_STOPS_PREFIX, cash_from_fills};
use crate::venue::boot::{self as binance, TraderParts};

const KV_ANCHOR: &str = "replay.anchor_ms";

/// A started system. Dropping it does not stop it; call [`Running::stop`].
#[derive(Debug)]
pub struct Running {
    pub addr: SocketAddr,
    pub user: String,
    /// Paper, or the Binance environment traded on.
    pub mode: Mode,
    /// Where the market data comes from: the replay, Binance's public data (paper), the venue.
    pub market_data: CandleSource,
    /// Set at the first start when no WEB_PASS was configured: the first admin's password, shown
    /// once on the console, never logged (only its hash is kept).
    pub generated_password: Option<SecretString>,
    /// Whether this start made the first admin (`user`): the store had no user.
    pub first_admin_created: bool,
    pub store: Arc<LocalStore>,
    pub shipping: Arc<Shipping>,
    pub knowledge: Arc<crate::knowledge::Knowledge>,
    shutdown: oneshot::Sender<()>,
    trader_stop: oneshot::Sender<()>,
    trader: JoinHandle<()>,
    feed: JoinHandle<()>,
    server: JoinHandle<()>,
    /// The alerter and Telegram's commands: they end when this is dropped, at the end of a stop.
    _alerts: crate::alerts::Alerts,
    /// Held until everything above has stopped: no other process may use the data directory.
    _dir_lock: mirai_store_local::DataDirLock,
}

/// How long [`Running::stop`] may take in all: under the 10 s a service manager gives before it
/// kills (Docker's default grace), with room for the process to exit.
pub const STOP_BUDGET: std::time::Duration = std::time::Duration::from_secs(8);

/// What a stop did, for the last lines of the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stopped {
    pub elapsed: std::time::Duration,
    /// The trading task finished the step in hand; `false`: it was cut short at half the budget
    /// (an order it was sending is journaled, and reconciled at the next start).
    pub trader_finished: bool,
    /// Orders the store still shows open: settled by reconciliation at the next start.
    pub open_orders: usize,
    /// Outbox records delivered by the final flush.
    pub flushed: usize,
}

impl Running {
    /// Stops cleanly within [`STOP_BUDGET`]. First no new orders: the trading task finishes the
    /// event in hand (an order being sent gets its answer and is booked; no step is cut in half)
    /// and stops taking events. Then the market and user-data streams close, the web server stops
    /// accepting (open requests may finish), the news task stops, and the outbox is flushed as
    /// far as its destinations answer in the time left.
    pub async fn stop(self) -> Stopped {
        let started = std::time::Instant::now();
        let deadline = tokio::time::Instant::now() + STOP_BUDGET;
        let _ = self.trader_stop.send(());
        let mut trader = self.trader;
        let trader_finished =
            match tokio::time::timeout_at(tokio::time::Instant::now() + STOP_BUDGET / 2, &mut trader).await {
                Ok(_) => true,
                Err(_) => {
                    // A venue call that hangs past its own timeouts. The order is in the journal
                    // already, so the next start's reconciliation settles it.
                    tracing::error!(
                        "the trading task did not finish its step within {} s; cut short",
                        (STOP_BUDGET / 2).as_secs()
                    );
                    trader.abort();
                    let _ = trader.await;
                    false
                }
            };
        self.feed.abort();
        let _ = self.feed.await;
        let _ = self.shutdown.send(());
        let mut server = self.server;
        let server = async {
            if tokio::time::timeout_at(deadline, &mut server).await.is_err() {
                tracing::warn!("open web requests were cut off at the stop's deadline");
                server.abort();
            }
        };
        let knowledge = self.knowledge.clone();
        let shipping = self.shipping.clone();
        let rest = async move {
            if tokio::time::timeout_at(deadline, knowledge.stop()).await.is_err() {
                tracing::warn!("the news task did not stop by the stop's deadline");
            }
            shipping.stop_by(deadline).await
        };
        let ((), flushed) = tokio::join!(server, rest);
        let open_orders = match self.store.open_orders() {
            Ok(o) => o.len(),
            Err(e) => {
                tracing::error!(error = %e, "could not count the open orders");
                0
            }
        };
        Stopped { elapsed: started.elapsed(), trader_finished, open_orders, flushed }
    }
}

/// Starts the worker on `settings`. Also sets the process's file-creation mask to 077 (see
/// `data_dir`): DATA_DIR and everything in it are private to the user running it.
pub async fn start(settings: Settings) -> anyhow::Result<Running> {
    crate::data_dir::restrict_new_files();
    crate::data_dir::secure(&settings.data_dir).context("securing the data directory")?;
    // Two workers on one ledger would trade the account twice; a restore must not swap the file
    // beneath a running one.
    let dir_lock = mirai_store_local::DataDirLock::acquire(&settings.data_dir)?;
    let store = Arc::new(
        LocalStore::open(&settings.data_dir)
            .with_context(|| format!("opening the local store in {}", settings.data_dir.display()))?,
    );
    let wall_now = SystemClock.now();
    let audit_broken = verify_audit_chain(&store)?;
    // On Binance the account is reconciled with the ledger before the engine is restored from it.
    // With the audit chain broken the venue is not even contacted: nothing is traded or booked.
    let binance = match settings.trading_venue() {
        Some(b) => Some(match &audit_broken {
            Some(why) => binance::Prepared { env: b.env, venue: Err(why.clone()) },
            None => {
                binance::prepare(b, &settings.trading.symbols, &store, settings.paper.starting_cash, wall_now)
                    .await
            }
        }),
        None => None,
    };
    // A dry run on Binance's public market data: the symbols' real rules first, as the engine
    // and the paper exchange are built with them. Not contacted with the audit chain broken
    // (nothing would trade). Unreachable: the worker starts and refuses to trade, saying why.
    let public_market = match settings.paper_market_data() {
        Some(m) if audit_broken.is_none() => {
            Some(crate::venue::connect_public(m, &settings.trading.symbols).await.map_err(|e| {
                let why = format!("no Binance market data ({}): {e}; restart once it is reachable", m.rest);
                tracing::error!(reason = %why, "trading refused");
                why
            }))
        }
        _ => None,
    };
    let market_data = settings.market_source();
    warn_on_market_switch(&store, market_data)?;
    let mode = settings.mode();
    let anchor = match store.get_kv(KV_ANCHOR)? {
        Some(v) => Timestamp::from_millis(v.parse().context("stored replay anchor")?),
        None => {
            let a = Timestamp::from_millis(wall_now.millis() - wall_now.millis().rem_euclid(BAR_MS));
            store.set_kv(KV_ANCHOR, &a.millis().to_string())?;
            a
        }
    };

    // The engine, restored from the ledger.
    let clock = Arc::new(ManualClock::new(wall_now));
    let config = EngineConfig {
        starting_cash: settings.paper.starting_cash,
        fee_rate: settings.paper.fee_rate,
        sizing: Sizing::FractionOfEquity(settings.trading.position_size),
        limits: starting_limits(&store, &settings.trading.limits)?,
    };
    let mut engine = Engine::new(config, RuleBasedAdvisor::default(), clock.clone());
    for s in &settings.trading.symbols {
        let rules = binance
            .as_ref()
            .and_then(|b| b.rules(*s))
            .or_else(|| public_market.as_ref().and_then(|m| m.as_ref().ok()?.rules(*s)))
            .unwrap_or_else(|| replay_rules(*s));
        engine.add_symbol(*s, settings.build_strategy(*s), Some(rules));
    }
    let fills = store.all_fills()?;
    let cash = cash_from_fills(settings.paper.starting_cash, &fills);
    let positions = store.positions()?;
    let risk: RiskState = match store.get_kv(KV_RISK_STATE)? {
        Some(json) => serde_json::from_str(&json).context("stored risk state")?,
        None => RiskState::default(),
    };
    let halted = risk.halted;
    engine.restore(cash, positions.clone(), risk);
    for s in &settings.trading.symbols {
        if let Some(json) = store.get_kv(&format!("{KV_STOPS_PREFIX}{s}"))? {
            // Unreadable stops are an error, not "no stops": a position would lose its stop-loss.
            let (sl, tp): (Option<Price>, Option<Price>) =
                serde_json::from_str(&json).with_context(|| format!("stored stops of {s}"))?;
            engine.restore_stops(*s, sl, tp);
        }
    }
    // A broken chain leaves the ledger as found, for whoever investigates it.
    if binance.is_none() && audit_broken.is_none() {
        reconcile_open_orders(&store, &fills, wall_now)?;
    }

    // The outbox: with Snowflake configured, every record written from here on (and the history
    // already stored, once) is shipped there in the background. Trading never waits for it.
    let mut shipping =
        Shipping::new(store.clone(), ShipperConfig::default()).context("setting up the outbox")?;
    if let Some(s) = settings.snowflake.clone() {
        let snowflake = crate::shipping::open_snowflake(s).context("Snowflake settings")?;
        shipping
            .spawn(AnalyticsSink::new(Arc::new(snowflake), "snowflake"))
            .context("starting the Snowflake shipper")?;
        tracing::info!("shipping history to Snowflake");
    }
    // News as it is ingested reaches the trading task's news-embargo gate.
    let (news_tx, news_rx) = mpsc::channel(256);
    let knowledge = crate::knowledge::start(&settings, &store, &mut shipping, news_tx)
        .await
        .context("news and vector search")?;
    let shipping = Arc::new(shipping);
    let consultant = crate::advice::start(&settings, &knowledge)?;

    let (event_tx, event_rx) = mpsc::channel(1024);
    let (command_tx, command_rx) = mpsc::channel(16);
    // What the dashboard shows until the trading task publishes: the restored engine's state.
    let shared_placeholder = Arc::new(Shared::new(
        crate::shared::Snapshot::of(
            &engine,
            crate::shared::Setting {
                mode,
                dry_run: settings.dry_run,
                testnet: settings.testnet,
                started_at: wall_now,
                last_event_at: None,
                blocked_reason: audit_broken
                    .clone()
                    .or_else(|| binance.as_ref().and_then(|b| b.blocked_reason()))
                    .or_else(|| public_market.as_ref().and_then(|m| m.as_ref().err().cloned())),
                advisor: consultant.as_ref().map(|c| c.stats()),
                market_data: Some(market_data),
            },
        ),
        store.clone(),
        command_tx,
    ));
    let (trader_stop_tx, trader_stop_rx) = oneshot::channel::<()>();
    let engine = engine.with_model_advice(consultant.is_some());
    let parts = TraderParts {
        consultant: consultant.clone(),
        approval: settings.trading.approval,
        news: news_rx,
        engine,
        clock: clock.clone(),
        store: store.clone(),
        shared: shared_placeholder.clone(),
        mode,
        started_at: wall_now,
        events: (event_tx, event_rx),
        commands: command_rx,
        stop: trader_stop_rx,
    };

    // The web tier. The users are in the store (`mirai users`); WEB_USER and WEB_PASS (or a
    // password generated here, shown once) make the first admin when there is none. Without
    // JWT_SECRET the secret is kept in DATA_DIR, so a restart logs nobody out.
    let first = crate::users::bootstrap(&store, &settings.web.user, settings.web.pass.as_ref(), wall_now)?;
    let (first_admin_created, generated_password) = match first {
        crate::users::Bootstrap::Created { generated, .. } => (true, generated),
        crate::users::Bootstrap::Existing { .. } => (false, None),
    };
    let jwt_secret = match &settings.web.jwt_secret {
        Some(s) => s.clone(),
        None => crate::users::jwt_secret(&settings.data_dir).context("the JWT secret kept in DATA_DIR")?,
    };
    // A connection of its own: the check of every request never waits behind the trading task.
    let users = Arc::new(crate::users::StoreUsers::new(Arc::new(
        LocalStore::open(&settings.data_dir).context("opening the store for the users")?,
    )));
    let auth =
        Auth::with_users(jwt_secret.expose_secret().as_bytes(), users.clone()).context("setting up login")?;
    let backend: Arc<dyn Backend> = Arc::new(
        LocalBackend::new(
            shared_placeholder.clone(),
            knowledge.clone(),
            shipping.clone(),
            settings.backtests,
        )
        .with_users(users)
        .with_admin(crate::backend::AdminSettings {
            reader: Arc::new(
                LocalStore::open(&settings.data_dir).context("opening the store for the admin routes")?,
            ),
            approval_hours: settings.trading.live_approval_hours,
            live_configured: mode == Mode::Live,
            preflight: crate::backend::preflight_of(settings.data_dir.clone()),
        }),
    );
    let ctx = Arc::new(
        Ctx::new(auth, backend.clone())
            .with_limiter(LoginLimiter::new(settings.web.login_policy))
            .with_request_limits(settings.web.request_limits),
    );
    // SECRETS_SOURCE=aws: SIGHUP and SECRETS_REFRESH_MINUTES re-read the secret; a new JWT secret
    // and Binance key apply in place (rotation.rs). The task ends with the web tier.
    if let Some(secrets) = &settings.secrets {
        crate::rotation::spawn(secrets.clone(), &ctx, binance.as_ref().and_then(|b| b.credential()));
    }
    // Alerts (NOTIFY_WEBHOOK_URL, TELEGRAM_*) follow the store and the status; Telegram's commands
    // take the dashboard's path. Before trading starts, so a blocked start is alerted.
    let alerts = crate::alerts::start(&settings, &store, backend.clone(), binance.as_ref())
        .context("starting alerts")?;
    let metrics = Arc::new(crate::metrics::Metrics::new(store.clone()));
    let app =
        crate::server::App::new(ctx, backend, settings.web.service_token.clone(), settings.web.http, metrics);
    let listener = tokio::net::TcpListener::bind((settings.web.bind, settings.web.port))
        .await
        .with_context(|| format!("binding {}:{}", settings.web.bind, settings.web.port))?;
    let addr = listener.local_addr()?;

    // Trading starts only once the dashboard can be served.
    let (trader_task, feed_task, next_index) = match binance {
        Some(prepared) => {
            let (trader, feed) = binance::launch(prepared, parts).await;
            (trader, feed, 0)
        }
        None => {
            let blocked =
                audit_broken.or_else(|| public_market.as_ref().and_then(|m| m.as_ref().err().cloned()));
            let market = public_market.and_then(Result::ok);
            start_paper(&settings, parts, &positions, cash, &fills, anchor, blocked, market).await?
        }
    };

    store.record(
        wall_now,
        &AuditEvent::Startup {
            mode,
            dry_run: settings.dry_run,
            testnet: settings.testnet,
            halted,
            resume_bar: next_index,
        },
    )?;
    tracing::info!(%addr, mode = mode.as_str(), dry_run = settings.dry_run, testnet = settings.testnet, halted, "mirai started");

    let (shutdown_tx, shutdown_rx) = oneshot::channel::<()>();
    let server = tokio::spawn(app.serve(listener, async move {
        let _ = shutdown_rx.await;
    }));

    Ok(Running {
        addr,
        user: settings.web.user,
        mode,
        market_data,
        generated_password,
        first_admin_created,
        store,
        shipping,
        knowledge,
        shutdown: shutdown_tx,
        trader_stop: trader_stop_tx,
        trader: trader_task,
        feed: feed_task,
        server,
        _alerts: alerts,
        _dir_lock: dir_lock,
    })
}
