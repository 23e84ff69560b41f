//! `mirai backup --out FILE` and `mirai restore --from FILE`: the ledger (DATA_DIR/mirai.db),
//! copied consistently while the worker runs, and put back while it is stopped. Each checks the
//! audit chain of what it wrote or is about to restore, so a backup that would not restore is
//! known the day it is taken. The last backup is recorded in the store for `mirai preflight`.

use std::path::{Path, PathBuf};

use clap::Args;
use mirai_core::{Clock as _, SystemClock, Timestamp};
use mirai_store_local::{DB_FILE, DataDirLock, LocalStore, verify_file};
use serde::{Deserialize, Serialize};

use super::data_dir::{data_dir, open_existing};
use super::{Failure, failure::print};

/// The store key under which the last backup is recorded.
pub const LAST_BACKUP_KEY: &str = "backup.last";

/// The last backup taken, as recorded in the store.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct LastBackup {
    pub at: Timestamp,
    pub path: String,
    pub audit_entries: u64,
}

#[derive(Debug, Clone, Args)]
pub struct BackupArgs {
    /// Where to write the copy: a new file (an existing one is never overwritten). Keep it off
    /// this machine (docs/runbook.md).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// The data directory whose store to copy (default: DATA_DIR, else ./data).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct RestoreArgs {
    /// The backup to restore (a file `mirai backup` wrote).
    #[arg(long, value_name = "FILE")]
    pub from: PathBuf,
    /// The data directory to restore into (default: DATA_DIR, else ./data). The worker must be
    /// stopped.
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

pub fn backup(args: &BackupArgs) -> Result<(), Failure> {
    let dir = data_dir(args.data_dir.as_deref());
    let store = open_existing(&dir)?;
    let summary = store.backup_into(&args.out).map_err(|e| {
        Failure::System(format!("backing up {} to {}: {e}", dir.display(), args.out.display()))
    })?;
    let last = LastBackup {
        at: SystemClock.now(),
        path: args.out.display().to_string(),
        audit_entries: summary.audit_entries,
    };
    let json = serde_json::to_string(&last).map_err(|e| Failure::System(e.to_string()))?;
    store.set_kv(LAST_BACKUP_KEY, &json).map_err(|e| Failure::System(e.to_string()))?;
    print(&format!(
        "backed up {} to {} ({} bytes, audit log of {} entries verified)\n",
        dir.join(DB_FILE).display(),
        args.out.display(),
        summary.bytes,
        summary.audit_entries
    ))
}

pub fn restore(args: &RestoreArgs) -> Result<(), Failure> {
    let dir = data_dir(args.data_dir.as_deref());
    if !args.from.is_file() {
        return Err(Failure::Usage(format!("no backup at {}", args.from.display())));
    }
    std::fs::create_dir_all(&dir).map_err(|e| Failure::System(format!("creating {}: {e}", dir.display())))?;
    // Held to the end: no worker may start on the directory while its ledger is swapped.
    let _lock = DataDirLock::acquire(&dir).map_err(|e| Failure::System(e.to_string()))?;
    let stamp = SystemClock.now().millis();
    // Checked as a copy inside the directory, so the final step is one rename on one disk and
    // the backup itself is never touched.
    let incoming = dir.join(format!("{DB_FILE}.restoring-{stamp}"));
    copy_private(&args.from, &incoming)?;
    let entries = match verify_file(&incoming) {
        Ok(n) => n,
        Err(e) => {
            let _ = std::fs::remove_file(&incoming);
            return Err(Failure::System(format!("not restoring {}: {e}", args.from.display())));
        }
    };
    // The current ledger is kept, with its write-ahead log (a killed worker may leave committed
    // writes there), under names SQLite still pairs: FILE, FILE-wal, FILE-shm.
    let current = dir.join(DB_FILE);
    let kept = dir.join(format!("{DB_FILE}.before-restore-{stamp}"));
    if current.exists() {
        for suffix in ["", "-wal", "-shm"] {
            let from = PathBuf::from(format!("{}{suffix}", current.display()));
            if from.exists() {
                let to = PathBuf::from(format!("{}{suffix}", kept.display()));
                std::fs::rename(&from, &to)
                    .map_err(|e| Failure::System(format!("moving {} aside: {e}", from.display())))?;
            }
        }
    }
    std::fs::rename(&incoming, &current)
        .map_err(|e| Failure::System(format!("putting the backup in place at {}: {e}", current.display())))?;
    let before =
        if kept.exists() { format!("; the ledger it replaced is {}", kept.display()) } else { String::new() };
    print(&format!(
        "restored {} into {} (audit log of {entries} entries verified){before}\n\
         At its next start the worker reconciles open orders with the venue.\n",
        args.from.display(),
        current.display(),
    ))
}

/// Copies `from` to the new file `to`, readable by its owner only.
fn copy_private(from: &Path, to: &Path) -> Result<(), Failure> {
    let fail =
        |e: std::io::Error| Failure::System(format!("copying {} to {}: {e}", from.display(), to.display()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut out = options.open(to).map_err(fail)?;
    let mut input = std::fs::File::open(from).map_err(fail)?;
    std::io::copy(&mut input, &mut out).map_err(fail)?;
    out.sync_all().map_err(fail)
}

/// The last backup recorded in `store`, if any.
pub fn last_backup(store: &LocalStore) -> Result<Option<LastBackup>, String> {
    match store.get_kv(LAST_BACKUP_KEY).map_err(|e| e.to_string())? {
        None => Ok(None),
        Some(json) => serde_json::from_str(&json)
            .map(Some)
            .map_err(|e| format!("the recorded backup is unreadable: {e}")),
    }
}
