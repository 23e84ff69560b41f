//! `OutboxError`: the local store failed while taking, acknowledging or parking entries.

#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    #[error("local outbox: {0}")]
    Store(#[from] mirai_store_local::StoreError),
}
