//! `Sink`: a destination the shipper delivers one topic's records to.

use std::future::Future;

use mirai_core::AnalyticsRecord;
use mirai_store_local::outbox::OutboxTopic;

/// A failed delivery, and whether the same records may succeed later as they are.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SinkError {
    pub retryable: bool,
    pub message: String,
}

impl SinkError {
    pub fn retryable(message: impl Into<String>) -> Self {
        Self { retryable: true, message: message.into() }
    }

    pub fn refused(message: impl Into<String>) -> Self {
        Self { retryable: false, message: message.into() }
    }
}

pub trait Sink: Send + Sync + 'static {
    /// The queue this sink drains.
    fn topic(&self) -> OutboxTopic;

    /// A short name for status and logs ("snowflake", "rationales").
    fn name(&self) -> &str;

    /// Delivers the records, all or nothing as far as the caller knows: `Ok` means every one
    /// is stored. Must be idempotent: the same records may come again after any failure.
    fn ship(&self, records: &[AnalyticsRecord]) -> impl Future<Output = Result<(), SinkError>> + Send;
}
