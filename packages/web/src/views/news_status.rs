//! `NewsStatusView`: where news and rationales are kept and how the last news poll went, as
//! `/api/status` shows it.

use mirai_core::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NewsStatusView {
    /// `embedded` (the index in the data directory) or `milvus`.
    pub vector_store: String,
    /// The embedding model the collections are built with.
    pub embedding_model: String,
    /// When the last poll ended; `None` before the first.
    pub last_poll_at: Option<Timestamp>,
    /// Articles read by the last poll.
    pub last_poll_items: u64,
    /// Sources that failed in the last poll (the others still ran).
    pub last_poll_failures: Vec<String>,
    /// Set when the last poll could store nothing (vector store or embedder down).
    pub last_error: Option<String>,
}
