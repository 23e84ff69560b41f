//! Which data directory an operator's command works on: `--data-dir`, else `DATA_DIR`, else
//! `./data` — the worker's own rule, so a command run beside it finds its store — and that store,
//! which must already exist.

use std::path::{Path, PathBuf};

use mirai_store_local::{DB_FILE, LocalStore};

use super::Failure;

pub fn data_dir(flag: Option<&Path>) -> PathBuf {
    flag.map(Path::to_path_buf)
        .or_else(|| std::env::var_os("DATA_DIR").filter(|v| !v.is_empty()).map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("./data"))
}

/// The store in `dir`, which must exist: opening would create an empty one, and a mistyped path
/// must not pass for an intact, empty ledger (nothing to back up, an audit log that "verifies").
pub fn open_existing(dir: &Path) -> Result<LocalStore, Failure> {
    let db = dir.join(DB_FILE);
    if !db.is_file() {
        return Err(Failure::System(format!("no store at {}", db.display())));
    }
    LocalStore::open(dir).map_err(|e| Failure::System(format!("opening the store in {}: {e}", dir.display())))
}
