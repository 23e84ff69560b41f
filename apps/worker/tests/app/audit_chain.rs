//! The audit log's hash chain checked from outside: `mirai audit verify` counts an intact log and
//! names the first entry of a tampered copy; a worker started on a tampered store refuses to
//! trade, says why in `/api/status`, and fails its health check.

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use mirai_core::Timestamp;
use mirai_store_local::{DB_FILE, LocalStore};
use serde_json::json;

use crate::health::health;
use crate::helpers::spawn;

/// `mirai audit verify` with `args` after it and only `vars` (and PATH) set.
fn verify(dir: &Path, args: &[&str], vars: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mirai"))
        .args(["audit", "verify"])
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(vars.iter().copied())
        .output()
        .expect("mirai audit verify runs")
}

/// Edits entry `seq` behind the store's back, as someone covering their tracks would: the
/// append-only trigger dropped, one field changed, the hash left alone.
fn tamper(data: &Path, seq: i64) {
    let conn = rusqlite::Connection::open(data.join(DB_FILE)).expect("raw connection");
    conn.execute_batch("DROP TRIGGER audit_log_no_update").expect("drop trigger");
    let n = conn.execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = ?1", [seq]).expect("update");
    assert_eq!(n, 1, "no entry {seq}");
}

#[test]
fn audit_verify_counts_an_intact_log_and_names_the_first_tampered_entry() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    {
        let store = LocalStore::open(&data).expect("store");
        for i in 1..=5 {
            store
                .append_audit(Timestamp::from_millis(i), "order", "engine", &json!({ "n": i }))
                .expect("append");
        }
    }
    let out = verify(dir.path(), &["--data-dir", data.to_str().expect("utf-8")], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("intact: 5 entries"), "{stdout}");

    // A copy, tampered at entry 3 (the store closed cleanly, so the file holds everything).
    let copy = dir.path().join("copy");
    std::fs::create_dir(&copy).expect("mkdir");
    std::fs::copy(data.join(DB_FILE), copy.join(DB_FILE)).expect("copy");
    tamper(&copy, 3);
    let out = verify(dir.path(), &[], &[("DATA_DIR", copy.to_str().expect("utf-8"))]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("seq 3") && stderr.contains("content does not match its hash"), "{stderr}");
    assert!(out.stdout.is_empty());

    // The original is untouched; a directory without a store is not an intact one.
    assert_eq!(
        verify(dir.path(), &["--data-dir", data.to_str().expect("utf-8")], &[]).status.code(),
        Some(0)
    );
    let none = verify(dir.path(), &["--data-dir", dir.path().join("nothing").to_str().expect("utf-8")], &[]);
    assert_eq!(none.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&none.stderr).contains("no store"));
    assert!(!dir.path().join("nothing").exists(), "verify created a store");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_on_a_tampered_store_refuses_to_trade_and_says_why() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let app = spawn(&data).await;
    app.wait_for_trades(2, 30).await;
    app.stop().await;

    let count = |store: &LocalStore| {
        (
            store.orders(usize::MAX >> 1).expect("orders").len(),
            store.all_fills().expect("fills").len(),
            store.decisions(usize::MAX >> 1).expect("decisions").len(),
        )
    };
    let before = count(&LocalStore::open(&data).expect("store"));
    tamper(&data, 2);

    let app = spawn(&data).await;
    let status = app.get("/api/status").await;
    let reason = status["blocked_reason"].as_str().unwrap_or_else(|| panic!("not blocked: {status}"));
    assert!(reason.contains("audit log broken at seq 2"), "{reason}");
    let resp = app.client.get(format!("{}/healthz", app.base)).send().await.expect("healthz");
    assert_eq!(resp.status(), 503);
    let port = app.running.addr.port().to_string();
    let out = health(dir.path(), &[("BIND_ADDR", "127.0.0.1"), ("PORT", port.as_str())]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("trading is blocked"));

    // The first run traded within seconds at this replay speed; this one decides nothing.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(count(&app.running.store), before, "orders, fills or decisions were added");
    // The operator can still use the switches.
    app.control("pause").await;
    app.stop().await;
}
