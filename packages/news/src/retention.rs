//! Retention by age: news and decision rationales are kept two years (the security policy),
//! then deleted from the vector store.

use mirai_core::{Collection, Timestamp, VectorStore};

use crate::error::Result;

/// Two years, in days: the longest the policy allows.
pub const RETENTION_DAYS: u32 = 730;
const MS_PER_DAY: i64 = 86_400_000;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RetentionReport {
    pub cutoff: Timestamp,
    pub news_deleted: u64,
    pub rationales_deleted: u64,
}

/// Deletes news and rationales published more than `days` before `now`.
pub async fn apply_retention<S: VectorStore>(
    store: &S,
    now: Timestamp,
    days: u32,
) -> Result<RetentionReport> {
    let cutoff = now.plus_millis(-i64::from(days) * MS_PER_DAY);
    let news_deleted = store.delete_older_than(Collection::News, cutoff).await?;
    let rationales_deleted = store.delete_older_than(Collection::Rationales, cutoff).await?;
    if news_deleted + rationales_deleted > 0 {
        tracing::info!(%cutoff, news_deleted, rationales_deleted, "retention applied to the vector store");
    }
    Ok(RetentionReport { cutoff, news_deleted, rationales_deleted })
}
