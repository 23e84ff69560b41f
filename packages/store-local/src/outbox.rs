//! The outbox: records committed locally first, then shipped to Snowflake and Milvus.
//!
//! Queuing happens in SQLite triggers (schema V2), in the same transaction as the record, for
//! the topics the worker enabled at start; the shipper (crate `mirai-outbox`) takes the oldest
//! entries, ships them, and acknowledges them. An entry stays queued until its destination
//! confirms it, so a crash or an outage at any moment means shipping again, never losing; the
//! destinations are idempotent, so shipping again never duplicates.

mod backfill;
mod queue;
mod resolve;
mod topic;

pub use queue::{OutboxBacklog, OutboxEntry};
pub use topic::OutboxTopic;
