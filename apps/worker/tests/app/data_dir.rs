//! The data directory on unix, on the real binary started under the common umask 022: a directory
//! left 0755 with a database and a file 0644 in it is tightened at start (and the log says so),
//! and everything the worker creates there afterwards (the write-ahead log, the vector index) is
//! private: the directory 0700, every file 0600.

#![cfg(unix)]

use std::io::{BufRead as _, BufReader};
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use mirai_store_local::{DB_FILE, LocalStore};

use crate::helpers::{JWT_SECRET, PASSWORD};

fn mode(p: &Path) -> u32 {
    std::fs::symlink_metadata(p).expect("metadata").permissions().mode() & 0o777
}

fn chmod(p: &Path, m: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).expect("chmod");
}

/// Every file and directory under `dir`, `dir` included.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut all = vec![dir.to_path_buf()];
    for entry in std::fs::read_dir(dir).expect("read_dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() { all.extend(walk(&path)) } else { all.push(path) }
    }
    all
}

#[test]
fn the_data_directory_and_its_files_are_private_to_the_worker() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    drop(LocalStore::open(&data).expect("an existing store"));
    std::fs::write(data.join("notes.txt"), "left by hand").expect("write");
    chmod(&data, 0o755);
    chmod(&data.join(DB_FILE), 0o644);
    chmod(&data.join("notes.txt"), 0o644);

    // Through sh, so the worker starts with umask 022 whatever this test process's mask is.
    let mut child = Command::new("sh")
        .args(["-c", "umask 022 && exec \"$0\" 2>&1", env!("CARGO_BIN_EXE_mirai")])
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs([
            ("PORT", "0"),
            ("DATA_DIR", data.to_str().expect("utf-8 path")),
            ("WEB_PASS", PASSWORD),
            ("JWT_SECRET", JWT_SECRET),
            ("REPLAY_BARS_PER_SECOND", "100"),
        ])
        .stdout(Stdio::piped())
        .spawn()
        .expect("mirai starts");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut all = String::new();
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.contains("Dashboard: http://") {
                let _ = tx.send(());
            }
            all.push_str(&line);
            all.push('\n');
        }
        all
    });
    let started = rx.recv_timeout(Duration::from_secs(60)).is_ok();

    // Trading writes through the write-ahead log: wait for it, then look at everything.
    let wal = data.join(format!("{DB_FILE}-wal"));
    let deadline = Instant::now() + Duration::from_secs(30);
    while started && !wal.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let files = walk(&data);
    let modes: Vec<(PathBuf, u32)> = files.iter().map(|p| (p.clone(), mode(p))).collect();
    let _ = child.kill();
    let _ = child.wait();
    let log = reader.join().unwrap_or_default();
    assert!(started, "the worker did not start:\n{log}");

    for name in [format!("{DB_FILE}-wal"), format!("{DB_FILE}-shm"), "vectors.db".to_owned()] {
        assert!(files.contains(&data.join(&name)), "{name} not created: {files:?}");
    }
    for (path, m) in &modes {
        let want = if path.is_dir() { 0o700 } else { 0o600 };
        assert_eq!(*m, want, "{} is {m:o}", path.display());
    }
    for (tightened, from) in
        [(data.clone(), "755"), (data.join(DB_FILE), "644"), (data.join("notes.txt"), "644")]
    {
        let path = format!("path={}", tightened.display());
        let line = log
            .lines()
            .find(|l| l.contains("tightened permissions") && l.contains(&path))
            .unwrap_or_else(|| panic!("no log line for {}:\n{log}", tightened.display()));
        assert!(line.contains(&format!("from={from}")), "{line}");
    }
}
