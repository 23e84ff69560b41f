//! Telegram's way in: the dashboard's own [`Backend`], so a `/kill` is the dashboard's kill —
//! sent to the trading task, applied, persisted and audited before it is answered.

use std::sync::Arc;

use mirai_alerts::telegram::{ChatAction, Controller, StatusReport};
use mirai_web::{Backend, ControlAction};

pub struct ChatControl {
    backend: Arc<dyn Backend>,
}

impl ChatControl {
    pub fn new(backend: Arc<dyn Backend>) -> Self {
        Self { backend }
    }
}

impl Controller for ChatControl {
    async fn status(&self) -> Result<StatusReport, String> {
        let s = self.backend.status().await.map_err(|e| e.to_string())?;
        let positions = self.backend.positions().await.map_err(|e| e.to_string())?;
        Ok(StatusReport {
            mode: s.mode.as_str().to_owned(),
            equity: s.equity,
            open_positions: positions.iter().filter(|p| !p.qty.is_zero()).count(),
            paused: s.paused,
            halted: s.halted,
            blocked: s.blocked_reason,
        })
    }

    async fn control(&self, action: ChatAction, by: String) -> Result<(), String> {
        let action = match action {
            ChatAction::Pause => ControlAction::Pause,
            ChatAction::Kill => ControlAction::Kill,
        };
        self.backend.control(action, by).await.map(|_| ()).map_err(|e| e.to_string())
    }
}
