//! `Shared`: what the trading task publishes for the web tier — a snapshot of status and
//! positions, replaced after every event — and the channel that carries operator commands to it.

use std::sync::{Arc, RwLock};

use mirai_store_local::LocalStore;
use mirai_web::{ControlAction, PositionView, StatusView};
use tokio::sync::{mpsc, oneshot};

/// A command for the trading task, answered once it has taken effect (and been persisted).
#[derive(Debug)]
pub struct Command {
    pub action: ControlAction,
    /// Who gave it (a dashboard user), for the audit log.
    pub by: String,
    pub reply: oneshot::Sender<Result<(), String>>,
}

#[derive(Clone, Debug)]
pub struct Snapshot {
    pub status: StatusView,
    pub positions: Vec<PositionView>,
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
