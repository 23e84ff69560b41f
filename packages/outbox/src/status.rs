//! `TopicStatus`: what the worker shows about one destination — backlog, lag, the last error.

use mirai_core::Timestamp;
use mirai_store_local::outbox::OutboxTopic;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TopicStatus {
    pub topic: OutboxTopic,
    /// The sink's name ("snowflake", "rationales").
    pub destination: String,
    /// Records waiting to be shipped.
    pub pending: u64,
    /// Records the destination refused, set aside; see `last_error`.
    pub parked: u64,
    /// When the oldest waiting record was queued.
    pub oldest_queued_at: Option<Timestamp>,
    /// How long the oldest waiting record has waited, in milliseconds (0 when none waits).
    pub lag_ms: i64,
    /// Records shipped since this process started.
    pub shipped: u64,
    pub last_shipped_at: Option<Timestamp>,
    /// Failed attempts in a row; 0 when the last attempt succeeded.
    pub consecutive_failures: u32,
    pub last_error: Option<String>,
    /// Milliseconds until the next attempt, while backing off.
    pub retry_in_ms: Option<u64>,
}

/// Anything that can report a topic's status; lets the worker hold shippers of different sink
/// types in one list.
pub trait StatusSource: Send + Sync {
    fn status(&self) -> TopicStatus;
}
