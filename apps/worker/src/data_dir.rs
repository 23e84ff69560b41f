//! The data directory's permissions: DATA_DIR holds the ledger, the audit log, the vector index
//! and the model call log, so on unix it is the owner's alone — the directory and every
//! directory in it 0700, every file 0600 at most. `secure` creates it that way and tightens what
//! an older run, a restore from backup or a hand-made directory left more open, saying so in the
//! log; `restrict_new_files` makes the files the process creates afterwards private too.
//!
//! Only the directory and what is directly in it are changed: a subdirectory made 0700 already
//! closes everything below it, and a DATA_DIR pointed by mistake at a home directory or a checkout
//! must not have a whole tree rewritten. A directory that holds files but no `mirai.db` is not
//! taken for Mirai's and is left alone (with a warning).

use std::path::{Path, PathBuf};

/// Why the data directory could not be made private.
#[derive(Debug, thiserror::Error)]
pub enum DataDirError {
    #[error("cannot create the data directory {}: {source}", path.display())]
    Create {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot restrict the permissions of {}: {source}", path.display())]
    Restrict {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// One entry whose permissions were tightened: its path, and its mode before and after.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tightened {
    pub path: PathBuf,
    pub from: u32,
    pub to: u32,
}

/// Creates `dir` (0700) if needed and takes every group and other permission off it and off each
/// entry directly in it, symbolic links excepted (what they point at is not ours to change). Logs
/// each change as a warning and returns the list. A no-op but for the creation off unix.
pub fn secure(dir: &Path) -> Result<Vec<Tightened>, DataDirError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(|source| DataDirError::Create { path: dir.to_path_buf(), source })?;
    let mut changed = Vec::new();
    #[cfg(unix)]
    {
        let read = |source| DataDirError::Read { path: dir.to_path_buf(), source };
        let entries = std::fs::read_dir(dir)
            .map_err(read)?
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(read)?;
        if !entries.is_empty() && !dir.join(mirai_store_local::DB_FILE).exists() {
            tracing::warn!(dir = %dir.display(), "DATA_DIR holds files but no {}: not taken for Mirai's data directory, its permissions are left as they are", mirai_store_local::DB_FILE);
            return Ok(changed);
        }
        tighten(dir, &mut changed)?;
        for entry in &entries {
            tighten(entry, &mut changed)?;
        }
    }
    for t in &changed {
        tracing::warn!(path = %t.path.display(), from = %format!("{:o}", t.from), to = %format!("{:o}", t.to), "tightened permissions in the data directory (it must be readable by its owner only)");
    }
    Ok(changed)
}

/// Takes group and other permissions off `path` itself (not what a directory holds).
#[cfg(unix)]
fn tighten(path: &Path, changed: &mut Vec<Tightened>) -> Result<(), DataDirError> {
    use std::os::unix::fs::PermissionsExt as _;
    let meta = std::fs::symlink_metadata(path)
        .map_err(|source| DataDirError::Read { path: path.to_path_buf(), source })?;
    if meta.file_type().is_symlink() {
        return Ok(());
    }
    let mode = meta.permissions().mode() & 0o7777;
    // Owner bits are kept as they are: a read-only file stays read-only.
    let private = mode & 0o700;
    if private != mode {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(private))
            .map_err(|source| DataDirError::Restrict { path: path.to_path_buf(), source })?;
        changed.push(Tightened { path: path.to_path_buf(), from: mode, to: private });
    }
    Ok(())
}

/// Sets the process's file-creation mask to 077, so that everything it creates from now on (the
/// database's journal files, the vector index, the model call log) is private to its owner
/// whatever mask it was started with. The worker calls it once at start; it affects the whole
/// process. A no-op off unix.
pub fn restrict_new_files() {
    #[cfg(unix)]
    {
        let _ = rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    fn mode(p: &Path) -> u32 {
        std::fs::symlink_metadata(p).expect("metadata").permissions().mode() & 0o7777
    }

    fn chmod(p: &Path, m: u32) {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).expect("chmod");
    }

    #[test]
    fn a_missing_directory_is_created_private() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("a").join("data");
        assert_eq!(secure(&dir).expect("secured"), vec![]);
        assert_eq!(mode(&dir), 0o700);
    }

    #[test]
    fn open_permissions_are_tightened_and_listed_owner_bits_kept() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("data");
        std::fs::create_dir_all(dir.join("sub")).expect("mkdir");
        std::fs::write(dir.join("mirai.db"), b"x").expect("write");
        std::fs::write(dir.join("sub").join("key.pem"), b"x").expect("write");
        std::fs::write(dir.join("readonly"), b"x").expect("write");
        std::fs::write(dir.join("private"), b"x").expect("write");
        chmod(&dir, 0o755);
        chmod(&dir.join("sub"), 0o777);
        chmod(&dir.join("mirai.db"), 0o644);
        chmod(&dir.join("sub").join("key.pem"), 0o666);
        chmod(&dir.join("readonly"), 0o444);
        chmod(&dir.join("private"), 0o600);
        // A link is not followed: its target outside the directory keeps its mode.
        let outside = tmp.path().join("outside");
        std::fs::write(&outside, b"x").expect("write");
        chmod(&outside, 0o644);
        std::os::unix::fs::symlink(&outside, dir.join("link")).expect("symlink");

        let mut changed = secure(&dir).expect("secured");
        changed.sort_by(|a, b| a.path.cmp(&b.path));
        let got: Vec<(PathBuf, u32, u32)> = changed.into_iter().map(|t| (t.path, t.from, t.to)).collect();
        assert_eq!(
            got,
            vec![
                (dir.clone(), 0o755, 0o700),
                (dir.join("mirai.db"), 0o644, 0o600),
                (dir.join("readonly"), 0o444, 0o400),
                (dir.join("sub"), 0o777, 0o700),
            ]
        );
        // Below the first level, the closed subdirectory is protection enough.
        assert_eq!(mode(&dir.join("sub").join("key.pem")), 0o666);
        assert_eq!(mode(&dir.join("private")), 0o600);
        assert_eq!(mode(&outside), 0o644);
        // Once private, nothing more to do.
        assert_eq!(secure(&dir).expect("secured again"), vec![]);
    }

    #[test]
    fn a_directory_with_files_but_no_store_is_not_taken_for_mirais() {
        // DATA_DIR pointed at a checkout or a home directory by mistake.
        let tmp = tempfile::tempdir().expect("tempdir");
        std::fs::write(tmp.path().join("README.md"), b"x").expect("write");
        chmod(tmp.path(), 0o755);
        chmod(&tmp.path().join("README.md"), 0o644);
        assert_eq!(secure(tmp.path()).expect("left alone"), vec![]);
        assert_eq!((mode(tmp.path()), mode(&tmp.path().join("README.md"))), (0o755, 0o644));
    }
}
