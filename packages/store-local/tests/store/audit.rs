//! The audit log: the chain verifies, tampering is found and named, and the database itself
//! refuses to update or delete entries.

use mirai_store_local::{GENESIS_HASH, LocalStore, StoreError, audit_hash, canonical_json};
use serde_json::json;

use crate::helpers::{TempDir, TestResult, ts};

fn store_with_entries(dir: &TempDir, n: i64) -> Result<LocalStore, StoreError> {
    let store = LocalStore::open(dir.path())?;
    for i in 1..=n {
        store.append_audit(ts(1_000 + i), "order", "engine", &json!({"n": i, "cid": format!("mi-{i}")}))?;
    }
    Ok(store)
}

fn broken_seq(store: &LocalStore) -> Result<u64, Box<dyn std::error::Error>> {
    match store.verify_audit() {
        Err(StoreError::AuditBroken { seq, why }) => {
            assert!(!why.is_empty());
            Ok(seq)
        }
        other => Err(format!("tampering not detected: {other:?}").into()),
    }
}

#[test]
fn the_chain_links_and_verifies() -> TestResult {
    let store = LocalStore::open_in_memory()?;
    assert_eq!(store.verify_audit()?, 0);
    let payload = json!({"z": 1, "a": [1, 2, {"y": null, "b": "0.00000001"}]});
    let first = store.append_audit(ts(5), "decision", "engine", &payload)?;
    assert_eq!(first.seq, 1);
    assert_eq!(first.prev_hash, GENESIS_HASH);
    assert_eq!(first.prev_hash, "0".repeat(64));
    assert_eq!(
        first.hash,
        audit_hash(GENESIS_HASH, 1, ts(5), "decision", "engine", &canonical_json(&payload))
    );
    let second = store.append_audit(ts(4), "login", "alice", &json!("plain string"))?;
    assert_eq!(second.seq, 2);
    assert_eq!(second.prev_hash, first.hash);
    assert_eq!(store.audit(10)?, vec![second, first.clone()]);
    assert_eq!(store.audit(10)?[1].payload, payload);
    assert_eq!(store.verify_audit()?, 2);

    // The same payload written with other key order hashes the same way.
    let reordered: serde_json::Value =
        serde_json::from_str(r#"{"a":[1,2,{"b":"0.00000001","y":null}],"z":1}"#)?;
    assert_eq!(canonical_json(&reordered), canonical_json(&payload));
    Ok(())
}

#[test]
fn an_edited_entry_is_found_and_named() -> TestResult {
    let dir = TempDir::new();
    drop(store_with_entries(&dir, 4)?);

    let raw = dir.raw()?;
    raw.execute_batch("DROP TRIGGER audit_log_no_update")?;
    raw.execute(
        "UPDATE audit_log SET payload = ?1 WHERE seq = ?2",
        rusqlite::params![r#"{"cid":"mi-3","n":300}"#, 3],
    )?;
    drop(raw);

    let store = LocalStore::open(dir.path())?;
    assert_eq!(broken_seq(&store)?, 3);
    let msg = store.verify_audit().err().ok_or("verified")?.to_string();
    assert!(msg.contains("seq 3"), "{msg}");
    Ok(())
}

#[test]
fn a_recomputed_hash_still_breaks_the_link_to_the_next_entry() -> TestResult {
    // A careful forger rewrites entry 2 and its hash; entry 3 still names the old hash.
    let dir = TempDir::new();
    drop(store_with_entries(&dir, 3)?);
    let store = LocalStore::open(dir.path())?;
    let e2 = store.audit(10)?.into_iter().find(|e| e.seq == 2).ok_or("no entry 2")?;
    drop(store);

    let forged_payload = r#"{"cid":"mi-2","n":-1}"#;
    let forged_hash = audit_hash(&e2.prev_hash, 2, e2.ts, &e2.kind, &e2.actor, forged_payload);
    let raw = dir.raw()?;
    raw.execute_batch("DROP TRIGGER audit_log_no_update")?;
    raw.execute(
        "UPDATE audit_log SET payload = ?1, hash = ?2 WHERE seq = 2",
        rusqlite::params![forged_payload, forged_hash],
    )?;
    drop(raw);

    assert_eq!(broken_seq(&LocalStore::open(dir.path())?)?, 3);
    Ok(())
}

#[test]
fn a_deleted_entry_is_found_and_named() -> TestResult {
    let dir = TempDir::new();
    drop(store_with_entries(&dir, 4)?);
    let raw = dir.raw()?;
    raw.execute_batch("DROP TRIGGER audit_log_no_delete")?;
    raw.execute("DELETE FROM audit_log WHERE seq = ?1", [2])?;
    drop(raw);
    assert_eq!(broken_seq(&LocalStore::open(dir.path())?)?, 2);
    Ok(())
}

#[test]
fn update_and_delete_are_refused_by_the_database() -> TestResult {
    let dir = TempDir::new();
    let store = store_with_entries(&dir, 2)?;
    let raw = dir.raw()?;
    let update = raw.execute("UPDATE audit_log SET actor = ?1 WHERE seq = 1", ["mallory"]);
    let msg = update.err().ok_or("UPDATE accepted")?.to_string();
    assert!(msg.contains("append-only"), "{msg}");
    let delete = raw.execute("DELETE FROM audit_log WHERE seq = ?1", [1]);
    assert!(delete.err().ok_or("DELETE accepted")?.to_string().contains("append-only"));
    assert_eq!(store.verify_audit()?, 2);
    drop(store);

    // Dropping the guards by hand does not last: the next open puts them back.
    raw.execute_batch("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;")?;
    drop(LocalStore::open(dir.path())?);
    assert!(raw.execute("DELETE FROM audit_log WHERE seq = ?1", [2]).is_err());
    assert_eq!(LocalStore::open(dir.path())?.verify_audit()?, 2);
    Ok(())
}
