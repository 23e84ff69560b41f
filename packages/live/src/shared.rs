//! `Shared`: what the trading task publishes for the web tier — a snapshot of status and
//! positions, replaced after every event — and the channel that carries operator commands to it.

use std::sync::{Arc, RwLock};

use mirai_core::{Advisor, AdvisorStats, CandleSource, ClientOrderId, Clock, RiskLimits, Timestamp};
use mirai_engine::Engine;
use mirai_store_local::LocalStore;
use mirai_web::{BackendError, ControlAction, Mode, PositionView, StatusView};
use tokio::sync::{mpsc, oneshot};

/// A command for the trading task, answered once it has taken effect (and been persisted).
#[derive(Debug)]
pub struct Command {
    pub act: Act,
    /// Who gave it (a dashboard user), for the audit log.
    pub by: String,
    pub reply: oneshot::Sender<Result<(), BackendError>>,
}

/// What a command asks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Act {
    /// Pause, resume, kill.
    Control(ControlAction),
    /// Resume after a pause, refused while the kill switch (or a halt) is on: for a user who may
    /// not lift it. Checked by the trading task between commands, so a kill given meanwhile stays.
    ResumeUnlessHalted,
    /// Approve or reject the proposal for order `id`.
    Proposal { id: ClientOrderId, approve: bool },
    /// Replace the risk limits from the next decision on: persisted (with its audit entry, at
    /// the wall-clock time `at`) before they apply, so they survive a restart.
    SetRiskLimits { limits: RiskLimits, at: Timestamp },
}

#[derive(Clone, Debug)]
pub struct Snapshot {
    pub status: StatusView,
    pub positions: Vec<PositionView>,
    /// The risk limits the gates enforce now.
    pub limits: RiskLimits,
}

/// What a snapshot says beside the engine's own state.
#[derive(Clone, Debug)]
pub struct Setting {
    pub mode: Mode,
    pub dry_run: bool,
    pub testnet: bool,
    pub started_at: Timestamp,
    pub last_event_at: Option<Timestamp>,
    pub blocked_reason: Option<String>,
    /// The model's totals; `None`: the rules decide.
    pub advisor: Option<AdvisorStats>,
    /// Where the market data comes from (replay, Binance's public data, or the venue's streams).
    pub market_data: Option<CandleSource>,
}

impl Snapshot {
    /// The engine's switches, totals and positions as the web tier shows them: published by the
    /// trading task after every event, and once before it starts.
    pub fn of<A: Advisor, C: Clock>(engine: &Engine<A, C>, setting: Setting) -> Self {
        let p = engine.portfolio();
        let risk = engine.risk_state();
        Snapshot {
            status: StatusView {
                mode: setting.mode,
                dry_run: setting.dry_run,
                testnet: setting.testnet,
                market_data: setting.market_data,
                halted: risk.halted,
                paused: risk.paused,
                symbols: engine.symbols().collect(),
                equity: p.equity(),
                cash: p.cash(),
                realised_pnl: p.realised_pnl(),
                unrealised_pnl: p.unrealised_pnl(),
                started_at: setting.started_at,
                last_event_at: setting.last_event_at,
                trades_today: risk.trades_today,
                blocked_reason: setting.blocked_reason,
                outbox: Vec::new(),
                news: None,
                advisor: setting
                    .advisor
                    .unwrap_or_else(|| AdvisorStats { kind: "rules".into(), ..AdvisorStats::default() }),
            },
            positions: p.positions().map(|(pos, mark)| PositionView::from_position(pos, mark)).collect(),
            limits: engine.limits().clone(),
        }
    }
}

#[derive(Debug)]
pub struct Shared {
    snapshot: RwLock<Snapshot>,
    pub store: Arc<LocalStore>,
    pub commands: mpsc::Sender<Command>,
}

impl Shared {
    pub fn new(initial: Snapshot, store: Arc<LocalStore>, commands: mpsc::Sender<Command>) -> Self {
        Self { snapshot: RwLock::new(initial), store, commands }
    }

    pub fn snapshot(&self) -> Snapshot {
        // A poisoned lock still holds the last complete snapshot; reading it is safe.
        self.snapshot.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn publish(&self, s: Snapshot) {
        *self.snapshot.write().unwrap_or_else(|p| p.into_inner()) = s;
    }
}
