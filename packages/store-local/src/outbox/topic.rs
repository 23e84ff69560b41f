//! `OutboxTopic`: where queued records go.

use mirai_core::AnalyticsRecord;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxTopic {
    /// Every record, to the analytics store (Snowflake).
    Analytics,
    /// Decisions, whose rationales go to the vector store's Rationales collection.
    Rationales,
}

impl OutboxTopic {
    pub const ALL: [OutboxTopic; 2] = [OutboxTopic::Analytics, OutboxTopic::Rationales];

    /// The spelling stored in the `outbox` tables (and their CHECK constraint).
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxTopic::Analytics => "analytics",
            OutboxTopic::Rationales => "rationales",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// Whether this topic ships `record` at all.
    pub fn accepts(self, record: &AnalyticsRecord) -> bool {
        match self {
            OutboxTopic::Analytics => true,
            OutboxTopic::Rationales => matches!(record, AnalyticsRecord::Decision(_)),
        }
    }
}

impl std::fmt::Display for OutboxTopic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
