//! `OutboxView`: one shipping destination's backlog and lag, as `/api/status` shows it.

use mirai_core::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OutboxView {
    /// `analytics` (to Snowflake) or `rationales` (to the vector store).
    pub topic: String,
    pub destination: String,
    /// Records committed locally and not yet shipped.
    pub pending: u64,
    /// Records the destination refused, set aside.
    pub parked: u64,
    /// How long the oldest waiting record has waited, in milliseconds.
    pub lag_ms: i64,
    pub oldest_queued_at: Option<Timestamp>,
    /// Records shipped since the worker started.
    pub shipped: u64,
    pub last_shipped_at: Option<Timestamp>,
    pub consecutive_failures: u32,
    pub last_error: Option<String>,
}
