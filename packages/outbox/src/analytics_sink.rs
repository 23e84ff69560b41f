//! `AnalyticsSink`: the analytics topic into any `AnalyticsStore` (Snowflake in production).

use std::sync::Arc;

use mirai_core::{AnalyticsRecord, AnalyticsStore};
use mirai_store_local::outbox::OutboxTopic;

use crate::{Sink, SinkError};

#[derive(Debug)]
pub struct AnalyticsSink<A> {
    store: Arc<A>,
    name: String,
}

impl<A: AnalyticsStore> AnalyticsSink<A> {
    pub fn new(store: Arc<A>, name: impl Into<String>) -> Self {
        Self { store, name: name.into() }
    }
}

impl<A: AnalyticsStore + 'static> Sink for AnalyticsSink<A> {
    fn topic(&self) -> OutboxTopic {
        OutboxTopic::Analytics
    }

    fn name(&self) -> &str {
        &self.name
    }

    async fn ship(&self, records: &[AnalyticsRecord]) -> Result<(), SinkError> {
        self.store
            .write_batch(records)
            .await
            .map_err(|e| SinkError { retryable: e.is_retryable(), message: e.to_string() })
    }
}
