//! `LocalStore`: opening the database file, its connection settings, and the lock around it.

use std::path::Path;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rusqlite::Connection;

use crate::{Result, StoreError, schema};

/// The database file created inside the data directory.
pub const DB_FILE: &str = "mirai.db";

/// How long a call waits for another process (a backup, an inspecting `sqlite3`) to release the
/// file before failing with a transient error.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The embedded store. `Send + Sync`: one connection behind a mutex, because SQLite serialises
/// writers anyway and the worker's calls are short.
#[derive(Debug)]
pub struct LocalStore {
    conn: Mutex<Connection>,
    location: String,
}

impl LocalStore {
    /// Opens (creating if needed) `dir/mirai.db` and brings its schema up to date. Refuses a
    /// database written by a newer build rather than risk misreading it.
    pub fn open(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir)
            .map_err(|source| StoreError::CreateDir { path: dir.to_path_buf(), source })?;
        let path = dir.join(DB_FILE);
        let conn = Connection::open(&path)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // WAL lets the dashboard's readers run while the worker writes; NORMAL is durable across
        // process crashes in WAL mode and only risks the last commits on power loss.
        let mode: String = conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!(path = %path.display(), %mode, "SQLite refused WAL mode; continuing");
        }
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        Self::prepare(conn, path.display().to_string())
    }

    /// A private database that vanishes when dropped; for tests.
    pub fn open_in_memory() -> Result<Self> {
        Self::prepare(Connection::open_in_memory()?, ":memory:".to_owned())
    }

    fn prepare(mut conn: Connection, location: String) -> Result<Self> {
        conn.pragma_update(None, "foreign_keys", true)?;
        schema::migrate(&mut conn, &location)?;
        tracing::debug!(%location, "local store open");
        Ok(Self { conn: Mutex::new(conn), location })
    }

    /// Where the data lives: the database file's path, or `:memory:`.
    pub fn location(&self) -> &str {
        &self.location
    }

    /// The connection. A panic while it was held cannot leave a half-applied write behind (an
    /// open transaction rolls back when dropped), so a poisoned lock is safe to take over.
    pub(crate) fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
