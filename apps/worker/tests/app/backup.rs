//! `mirai backup` while the worker trades, `mirai restore` once it stopped: the restored ledger is
//! the backup's, its audit chain verifies, a running worker cannot have its ledger swapped, and a
//! forged backup is refused without touching the ledger in place (docs/runbook.md, section 4).

use std::path::Path;
use std::process::Output;

use mirai_store_local::{DB_FILE, LocalStore};

use crate::helpers::*;

fn mirai(dir: &Path, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_mirai"))
        .args(args)
        .env("DATA_DIR", dir)
        .env_remove("RUST_LOG")
        .current_dir(dir)
        .output()
        .expect("mirai runs")
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// Fills in the database file at `path`, counted without opening it as a store.
fn fills_in(path: &Path) -> i64 {
    let conn = rusqlite::Connection::open(path).expect("the database opens");
    conn.query_row("SELECT COUNT(*) FROM fills", [], |r| r.get(0)).expect("fills count")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_trading_restores_with_its_chain_intact() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let backups = tempfile::tempdir().unwrap();
    let file = backups.path().join("mirai.backup.db");
    let file_arg = file.to_str().unwrap();

    let app = spawn(&data).await;
    app.wait_for_trades(2, 60).await;
    let out = tokio::task::block_in_place(|| mirai(&data, &["backup", "--out", file_arg]));
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("verified"), "{}", text(&out));
    let backed_up = fills_in(&file);
    assert!(backed_up >= 2, "the backup holds the fills so far: {backed_up}");

    // A second process may not swap the ledger of a running worker.
    let out = tokio::task::block_in_place(|| mirai(&data, &["restore", "--from", file_arg]));
    assert!(!out.status.success());
    assert!(text(&out).contains("another Mirai process"), "{}", text(&out));

    // Trading goes on after the backup; then the worker stops.
    app.wait_for_trades(backed_up as usize + 2, 60).await;
    app.stop().await;
    assert!(fills_in(&data.join(DB_FILE)) > backed_up);

    // A forged copy is refused and the ledger in place is left as it was.
    let forged = backups.path().join("forged.db");
    std::fs::copy(&file, &forged).unwrap();
    {
        let conn = rusqlite::Connection::open(&forged).unwrap();
        conn.execute_batch(
            "DROP TRIGGER audit_log_no_update;
             UPDATE audit_log SET actor = 'mallory' WHERE seq = 2;",
        )
        .unwrap();
    }
    let before = fills_in(&data.join(DB_FILE));
    let out = tokio::task::block_in_place(|| mirai(&data, &["restore", "--from", forged.to_str().unwrap()]));
    assert!(!out.status.success());
    assert!(text(&out).contains("seq 2"), "names the forged entry: {}", text(&out));
    assert_eq!(fills_in(&data.join(DB_FILE)), before, "the ledger in place is untouched");

    // The real backup restores: the ledger is the backup's, and the chain verifies.
    let out = tokio::task::block_in_place(|| mirai(&data, &["restore", "--from", file_arg]));
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("before-restore"), "says where the replaced ledger went: {}", text(&out));
    assert_eq!(fills_in(&data.join(DB_FILE)), backed_up);
    let store = LocalStore::open(&data).unwrap();
    store.verify_audit().expect("the restored chain verifies");
    drop(store);
    let out = tokio::task::block_in_place(|| mirai(&data, &["audit", "verify"]));
    assert!(out.status.success(), "{}", text(&out));

    // The worker starts on the restored ledger and trades on from it.
    let app = spawn(&data).await;
    let trades = app.wait_for_trades(backed_up as usize + 1, 60).await;
    assert!(trades.len() > backed_up as usize);
    app.stop().await;
}
