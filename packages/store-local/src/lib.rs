//! Mirai's embedded store: one SQLite file (`mirai.db`) that keeps decisions, orders, fills,
//! positions, risk events, P&L snapshots, a hash-chained audit log and small key/value state
//! across restarts, with nothing to install or configure.
//!
//! Money is stored as decimal TEXT and read back exactly; times are INTEGER milliseconds UTC.
//! The API is synchronous: every call takes a short lock on one connection, so the worker may call
//! it from async tasks as long as it does so briefly.

mod audit;
mod backup;
mod candles;
mod canonical_json;
mod codec;
mod counts;
mod decisions;
mod dir_lock;
mod error;
mod fills;
mod journal;
mod kv;
mod live_approval;
mod orders;
pub mod outbox;
mod pnl;
mod positions;
mod proposals;
mod risk_events;
mod risk_limits;
mod rows;
mod schema;
mod store;
mod users;
pub mod vectors;

pub use audit::{AuditEntry, GENESIS_HASH, audit_hash};
pub use backup::{BackupSummary, verify_file};
pub use canonical_json::canonical_json;
pub use counts::{LedgerCounts, MAX_GROUPS};
pub use dir_lock::{DataDirLock, DirLockError, LOCK_FILE};
pub use error::{Result, StoreError};
pub use live_approval::{
    DEFAULT_LIVE_APPROVAL_HOURS, LiveApproval, MAX_LIVE_APPROVAL_HOURS, live_approval_end,
};
pub use orders::StoredOrder;
pub use pnl::PnlSnapshot;
pub use risk_events::RiskEvent;
pub use risk_limits::{KV_RISK_LIMITS, StoredRiskLimits};
pub use schema::SCHEMA_VERSION;
pub use store::{DB_FILE, LocalStore};
pub use users::{KV_USERS_VERSION, StoredUser, UserChange};
