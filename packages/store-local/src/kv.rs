//! Small named state that must survive a restart: the kill switch, risk state JSON, the replay
//! cursor. Values are opaque strings; their meaning belongs to the caller.

use rusqlite::params;

use crate::{LocalStore, Result, codec, rows};

impl LocalStore {
    pub fn get_kv(&self, key: &str) -> Result<Option<String>> {
        rows::first(&self.conn(), "SELECT value FROM kv WHERE key = ?1", [key], |row| codec::text(row, 0))
    }

    /// Sets `key` to `value`, replacing any previous value.
    pub fn set_kv(&self, key: &str, value: &str) -> Result<()> {
        set(&self.conn(), key, value)
    }
}

/// [`LocalStore::set_kv`] on `conn`, inside the caller's transaction if it has one.
pub(crate) fn set(conn: &rusqlite::Connection, key: &str, value: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO kv (key, value) VALUES (?1, ?2) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )?
    .execute(params![key, value])?;
    Ok(())
}
