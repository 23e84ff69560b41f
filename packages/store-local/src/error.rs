//! `StoreError`, the one error type of this crate, and its `Result` alias.

use std::path::PathBuf;

use mirai_core::{ClientOrderId, Symbol, TradeId};
use thiserror::Error;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),

    #[error("cannot create the store directory {}: {source}", path.display())]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("cannot create the database file {}: {source}", path.display())]
    CreateFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error(
        "the database {location} has schema version {found}, newer than the version {supported} \
         this build knows; run a newer Mirai or point it at another data directory"
    )]
    NewerSchema { location: String, found: i64, supported: i64 },

    /// A stored value no longer decodes: edited by hand, damaged, or written by a buggy build.
    #[error("corrupt value in column {column}: {value:?} ({why})")]
    Corrupt { column: String, value: String, why: String },

    /// The audit log's hash chain does not hold; `seq` is the first entry that fails.
    #[error("audit log broken at seq {seq}: {why}")]
    AuditBroken { seq: u64, why: String },

    #[error("cannot encode JSON: {0}")]
    Json(#[from] serde_json::Error),

    /// SQLite integers are signed 64-bit; a larger unsigned id cannot be stored faithfully.
    #[error("{what} {value} is beyond SQLite's integer range")]
    TooLarge { what: &'static str, value: u64 },

    #[error("order {0} is not in the store")]
    UnknownOrder(ClientOrderId),

    #[error("there is no user {0:?}")]
    UnknownUser(String),

    #[error("a user {0:?} already exists")]
    UserExists(String),

    /// Refused: the change would leave no enabled admin to manage the users and the kill switch.
    #[error("{0:?} is the last enabled admin; add or enable another admin first")]
    LastAdmin(String),

    /// Refused before writing anything: the caller paired a fill with another symbol's position.
    #[error("fill {trade_id} is for {fill_symbol} but the position given is for {position_symbol}")]
    PositionMismatch { trade_id: TradeId, fill_symbol: Symbol, position_symbol: Symbol },
}

impl StoreError {
    /// True when retrying the same call later may succeed: another process held the database
    /// longer than the busy timeout. Everything else needs a person or a code change.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(e, _))
                if matches!(e.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
        )
    }
}
