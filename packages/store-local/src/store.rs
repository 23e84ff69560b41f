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

/// `create_dir_all`, with the directories it creates readable by their owner only.
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Creates `path` empty with mode 0600 unless it exists, so that SQLite, which would create it
/// with the process's default mode (often 0644), finds a private file to open.
fn create_private_file(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

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
    ///
    /// On unix what it creates is private to its owner: the directory 0700, the file 0600 (SQLite
    /// gives the `-wal` and `-shm` files the database file's mode). What already exists is left as
    /// it is; the worker tightens that at start.
    pub fn open(dir: &Path) -> Result<Self> {
        create_private_dir(dir)
            .map_err(|source| StoreError::CreateDir { path: dir.to_path_buf(), source })?;
        let path = dir.join(DB_FILE);
        create_private_file(&path).map_err(|source| StoreError::CreateFile { path: path.clone(), source })?;
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

    pub(crate) fn prepare(mut conn: Connection, location: String) -> Result<Self> {
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
