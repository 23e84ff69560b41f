//! The store survives a restart: everything written is read back after the store is dropped and
//! the file reopened, and the file is set up as promised.

use mirai_core::{OrderStatus, Side};
use mirai_store_local::{LocalStore, PnlSnapshot, SCHEMA_VERSION, StoreError};
use serde_json::json;

use crate::helpers::{TempDir, TestResult, after, amount, cid, decision, fill, order, qty, sym, ts};

#[test]
fn everything_written_is_there_after_reopening() -> TestResult {
    let dir = TempDir::new();
    let d = decision(1_000);
    let o = order("mi-reopen-1", 1_000);
    let f = fill("t1", "BTCUSDT", Side::Buy, "0.001", "62000.1", 1_100);
    let pos = after(None, &f);
    let pnl = PnlSnapshot {
        ts: ts(1_200),
        equity: amount("10000.5"),
        cash: amount("9938.39"),
        realised: amount("-0.01"),
        unrealised: amount("0"),
    };
    let entry = {
        let store = LocalStore::open(dir.path())?;
        assert!(store.insert_decision(&d)?);
        assert!(store.insert_order(&o, OrderStatus::New)?);
        store.update_order(&o.client_order_id, OrderStatus::Filled, Some(42), qty("0.001"), ts(1_100))?;
        assert!(store.record_fill(&f, &pos)?);
        store.insert_risk_event(ts(1_150), Some(&d.id), sym("BTCUSDT"), "max_position", "too big")?;
        store.insert_pnl_snapshot(&pnl)?;
        store.set_kv("kill_switch", "on")?;
        store.append_audit(ts(1_000), "decision", "engine", &json!({"id": d.id.as_str()}))?;
        store.append_audit(ts(1_300), "login", "alice", &json!({"ip": "127.0.0.1"}))?
    };

    let store = LocalStore::open(dir.path())?;
    assert_eq!(store.decisions(10)?, vec![d.clone()]);
    let stored = store.order(&cid("mi-reopen-1"))?.ok_or("order lost")?;
    assert_eq!(stored.request, o);
    assert_eq!(stored.status, OrderStatus::Filled);
    assert_eq!(stored.exchange_order_id, Some(42));
    assert_eq!(stored.filled_qty, qty("0.001"));
    assert_eq!(stored.updated_at, ts(1_100));
    assert!(store.open_orders()?.is_empty());
    assert_eq!(store.all_fills()?, vec![f]);
    assert_eq!(store.positions()?, vec![pos.clone()]);
    assert_eq!(store.position(sym("BTCUSDT"))?, Some(pos));
    let events = store.risk_events(10)?;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].decision_id.as_ref(), Some(&d.id));
    assert_eq!((events[0].gate.as_str(), events[0].reason.as_str()), ("max_position", "too big"));
    assert_eq!(store.latest_pnl()?, Some(pnl));
    assert_eq!(store.get_kv("kill_switch")?.as_deref(), Some("on"));
    assert_eq!(store.audit(1)?, vec![entry.clone()]);
    assert_eq!(store.verify_audit()?, 2);

    // The chain continues from where it was, not from genesis.
    let next = store.append_audit(ts(1_400), "mode_change", "alice", &json!({"to": "paper"}))?;
    assert_eq!(next.seq, 3);
    assert_eq!(next.prev_hash, entry.hash);
    assert_eq!(store.verify_audit()?, 3);
    Ok(())
}

#[test]
fn file_settings_and_version_are_as_promised() -> TestResult {
    let dir = TempDir::new();
    let nested = dir.path().join("does/not/exist/yet");
    let store = LocalStore::open(&nested)?;
    assert!(nested.join("mirai.db").is_file());
    assert!(store.location().ends_with("mirai.db"));
    drop(store);

    let raw = rusqlite::Connection::open(nested.join("mirai.db"))?;
    let mode: String = raw.pragma_query_value(None, "journal_mode", |r| r.get(0))?;
    assert_eq!(mode, "wal");
    let version: i64 = raw.pragma_query_value(None, "user_version", |r| r.get(0))?;
    assert_eq!(version, SCHEMA_VERSION);
    Ok(())
}

#[test]
fn decisions_stored_before_models_existed_read_back_as_the_rules() -> TestResult {
    let dir = TempDir::new();
    let store = LocalStore::open(dir.path())?;
    let d = decision(1_000);
    store.insert_decision(&d)?;
    // A row as schema 2 wrote it: no `advisor` column value.
    dir.raw()?.execute(
        "INSERT INTO decisions (id, ts, symbol, strategy, action, size_fraction, price, confidence, \
         rationale, citations) SELECT 'old', ts, symbol, strategy, action, size_fraction, price, \
         confidence, rationale, citations FROM decisions WHERE id = ?1",
        [d.id.as_str()],
    )?;
    let back = store.decisions(10)?;
    let old = back.iter().find(|x| x.id.as_str() == "old").ok_or("the old row")?;
    assert_eq!(old.advisor, mirai_core::AdviceSource::Rules);
    let new = back.iter().find(|x| x.id == d.id).ok_or("the new row")?;
    assert_eq!(new.advisor, d.advisor, "a model's fallback and its reason survive the store");
    Ok(())
}

#[test]
fn reopening_does_not_migrate_twice() -> TestResult {
    let dir = TempDir::new();
    for _ in 0..3 {
        let store = LocalStore::open(dir.path())?;
        store.set_kv("opens", "x")?;
    }
    Ok(())
}

#[test]
fn a_database_from_a_newer_build_is_refused() -> TestResult {
    let dir = TempDir::new();
    drop(LocalStore::open(dir.path())?);
    dir.raw()?.pragma_update(None, "user_version", SCHEMA_VERSION + 98)?;

    let err = LocalStore::open(dir.path()).err().ok_or("newer database was accepted")?;
    assert!(
        matches!(err, StoreError::NewerSchema { found, supported, .. } if found == SCHEMA_VERSION + 98 && supported == SCHEMA_VERSION),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(msg.contains("newer") && msg.contains(&(SCHEMA_VERSION + 98).to_string()), "{msg}");
    // Refusing must not have touched it.
    let version: i64 = dir.raw()?.pragma_query_value(None, "user_version", |r| r.get(0))?;
    assert_eq!(version, SCHEMA_VERSION + 98);
    Ok(())
}

#[cfg(unix)]
#[test]
fn what_open_creates_is_private_to_its_owner() -> TestResult {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = TempDir::new();
    let store = LocalStore::open(&dir.path().join("nested"))?;
    store.set_kv("k", "v")?;
    let mode = |p: &std::path::Path| -> std::io::Result<u32> {
        Ok(std::fs::metadata(p)?.permissions().mode() & 0o777)
    };
    assert_eq!(mode(&dir.path().join("nested"))?, 0o700);
    let db = dir.path().join("nested").join(mirai_store_local::DB_FILE);
    assert_eq!(mode(&db)?, 0o600);
    // SQLite gives the write-ahead log and its index the database file's mode.
    for suffix in ["-wal", "-shm"] {
        let side = db.with_file_name(format!("{}{suffix}", mirai_store_local::DB_FILE));
        assert_eq!(mode(&side)?, 0o600, "{}", side.display());
    }
    Ok(())
}
