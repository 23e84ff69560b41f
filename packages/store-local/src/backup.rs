//! Backups of the ledger while the worker runs. `VACUUM INTO` copies one snapshot (it reads in a
//! single transaction), so a backup holds every write committed up to a moment and none after —
//! never half a journal entry — and it is compact. The ledger's own file is all a backup needs:
//! the vector index lives in another file and is rebuilt from the news.

use std::path::Path;

use crate::{LocalStore, Result, StoreError};

/// What a backup holds, read back from the copy itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BackupSummary {
    /// Entries in the copy's audit log, all verified.
    pub audit_entries: u64,
    pub bytes: u64,
}

impl LocalStore {
    /// Writes a copy of the whole database to `dest`, a new file (mode 0600 on unix), then opens
    /// the copy and verifies its audit chain: a backup that would not restore is an error now,
    /// not on the day it is needed. Refuses a `dest` that exists.
    pub fn backup_into(&self, dest: &Path) -> Result<BackupSummary> {
        let text = dest.to_str().ok_or_else(|| StoreError::CreateFile {
            path: dest.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "the path is not UTF-8"),
        })?;
        create_new_private(dest)
            .map_err(|source| StoreError::CreateFile { path: dest.to_path_buf(), source })?;
        // VACUUM INTO accepts an existing empty file, which keeps the mode set above.
        if let Err(e) = self.conn().execute("VACUUM INTO ?1", [text]) {
            let _ = std::fs::remove_file(dest);
            return Err(e.into());
        }
        let bytes = std::fs::metadata(dest).map(|m| m.len()).unwrap_or(0);
        let audit_entries = verify_file(dest)?;
        Ok(BackupSummary { audit_entries, bytes })
    }
}

/// Opens the existing database file at `path` (never creating one: a wrong path must not pass
/// for an empty, intact store), brings its schema up to date like any open, and verifies its
/// audit chain; the number of entries.
pub fn verify_file(path: &Path) -> Result<u64> {
    let conn = rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE)?;
    LocalStore::prepare(conn, path.display().to_string())?.verify_audit()
}

/// Creates `path` empty with mode 0600; an error if it exists.
fn create_new_private(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;
    use mirai_core::{AuditEvent, Timestamp};

    fn store_with_history(dir: &Path) -> LocalStore {
        let store = LocalStore::open(dir).unwrap();
        for i in 0..3 {
            store.record(Timestamp::from_millis(i), &AuditEvent::Halt { why: format!("test {i}") }).unwrap();
        }
        store.set_kv("k", "v").unwrap();
        store
    }

    #[test]
    fn a_backup_is_a_private_verified_copy_and_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with_history(&dir.path().join("data"));
        let dest = dir.path().join("backup.db");
        let summary = store.backup_into(&dest).unwrap();
        assert_eq!(summary.audit_entries, 3);
        assert!(summary.bytes > 0);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&dest).unwrap().permissions().mode() & 0o777, 0o600);
        }
        // Writes after the backup are not in it.
        store.set_kv("k", "later").unwrap();
        let copy_dir = dir.path().join("restored");
        std::fs::create_dir(&copy_dir).unwrap();
        std::fs::copy(&dest, copy_dir.join(crate::DB_FILE)).unwrap();
        let copy = LocalStore::open(&copy_dir).unwrap();
        assert_eq!(copy.get_kv("k").unwrap().as_deref(), Some("v"));
        assert_eq!(copy.verify_audit().unwrap(), 3);

        let again = store.backup_into(&dest).unwrap_err();
        assert!(again.to_string().contains("backup.db"), "{again}");
        assert_eq!(verify_file(&dest).unwrap(), 3, "the refused second backup left the first intact");
    }

    #[test]
    fn verifying_a_tampered_copy_names_the_entry() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with_history(&dir.path().join("data"));
        let dest = dir.path().join("backup.db");
        store.backup_into(&dest).unwrap();
        let conn = rusqlite::Connection::open(&dest).unwrap();
        // The log refuses updates through SQL; a forger with the file drops the guard first.
        conn.execute_batch(
            "DROP TRIGGER audit_log_no_update;
             UPDATE audit_log SET payload = '{\"why\":\"forged\"}' WHERE seq = 2;",
        )
        .unwrap();
        drop(conn);
        match verify_file(&dest) {
            Err(StoreError::AuditBroken { seq, .. }) => assert_eq!(seq, 2),
            other => panic!("expected a broken chain at 2, got {other:?}"),
        }
    }
}
