//! Backfill: queues every record already in the store for a topic, for when a destination is
//! configured after the fact ("move history to Snowflake"). Destinations are idempotent, so a
//! record queued twice is written once.

use rusqlite::TransactionBehavior;

use super::OutboxTopic;
use crate::{LocalStore, Result};

/// The tables each topic takes, oldest rows first within each.
fn sources(topic: OutboxTopic) -> &'static [&'static str] {
    match topic {
        OutboxTopic::Analytics => &[
            "decisions",
            "orders",
            "fills",
            "risk_events",
            "pnl_snapshots",
            "audit_log",
            "candles",
            "proposals",
        ],
        OutboxTopic::Rationales => &["decisions"],
    }
}

impl LocalStore {
    /// Queues every stored record of the kinds `topic` takes; returns how many.
    pub fn outbox_backfill(&self, topic: OutboxTopic) -> Result<u64> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut n = 0;
        for table in sources(topic) {
            // `table` comes from the constant list above.
            n += tx.execute(
                &format!(
                    "INSERT INTO outbox (topic, source, source_seq, queued_at) \
                     SELECT ?1, '{table}', seq, CAST(unixepoch('subsec') * 1000 AS INTEGER) FROM {table} ORDER BY seq"
                ),
                [topic.as_str()],
            )?;
        }
        tx.commit()?;
        tracing::info!(%topic, records = n, "outbox backfilled");
        Ok(n as u64)
    }
}
