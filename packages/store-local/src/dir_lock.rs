//! One process at a time in a data directory. Two workers on one ledger would each trade the
//! same account and book each other's fills twice, and a restore under a running worker would
//! swap the file beneath it; both take this lock first. It is an OS file lock (`flock` on unix),
//! so it vanishes with the process, however it ends: a killed worker never leaves it behind.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

/// The lock file inside the data directory (it stays; the lock on it is what counts).
pub const LOCK_FILE: &str = "mirai.lock";

#[derive(Debug, thiserror::Error)]
pub enum DirLockError {
    #[error(
        "another Mirai process is using {}: stop it first (two workers on one ledger would trade the account twice)",
        dir.display()
    )]
    Busy { dir: PathBuf },
    #[error("cannot lock {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Held for as long as the value lives.
#[derive(Debug)]
pub struct DataDirLock {
    _file: File,
}

impl DataDirLock {
    /// Takes the data directory's lock without waiting; [`DirLockError::Busy`] if another
    /// process holds it. The directory must exist.
    pub fn acquire(dir: &Path) -> Result<Self, DirLockError> {
        let path = dir.join(LOCK_FILE);
        let io = |source| DirLockError::Io { path: path.clone(), source };
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(&path).map_err(io)?;
        match file.try_lock() {
            Ok(()) => Ok(Self { _file: file }),
            Err(TryLockError::WouldBlock) => Err(DirLockError::Busy { dir: dir.to_path_buf() }),
            Err(TryLockError::Error(e)) => Err(io(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_until_the_first_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let first = DataDirLock::acquire(dir.path()).unwrap();
        // A lock on a second open file description conflicts even within one process.
        let second = DataDirLock::acquire(dir.path()).unwrap_err();
        assert!(matches!(second, DirLockError::Busy { .. }), "{second}");
        assert!(second.to_string().contains("another Mirai process"), "{second}");
        drop(first);
        DataDirLock::acquire(dir.path()).expect("free again once the holder is gone");
    }
}
