//! `ControlAction`: the commands an operator can send to the worker.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ControlAction {
    /// Stop opening new orders; open orders and positions are kept.
    Pause,
    /// Continue after a pause, or after the kill switch: the operator decides trading may go on.
    Resume,
    /// The kill switch: halt trading and cancel open orders.
    Kill,
}

impl ControlAction {
    pub fn as_str(self) -> &'static str {
        match self {
            ControlAction::Pause => "pause",
            ControlAction::Resume => "resume",
            ControlAction::Kill => "kill",
        }
    }
}

impl std::fmt::Display for ControlAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
