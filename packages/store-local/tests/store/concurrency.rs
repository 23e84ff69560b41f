//! The store is shared by the worker's tasks: it must be `Send + Sync` and keep the audit chain
//! intact under concurrent appends.

use std::sync::Arc;
use std::thread;

use mirai_store_local::LocalStore;
use serde_json::json;

use crate::helpers::{TempDir, TestResult, ts};

#[test]
fn the_store_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<LocalStore>();
}

#[test]
fn concurrent_appends_keep_one_unbroken_chain() -> TestResult {
    let dir = TempDir::new();
    let store = Arc::new(LocalStore::open(dir.path())?);
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let store = Arc::clone(&store);
            thread::spawn(move || -> Result<(), mirai_store_local::StoreError> {
                for i in 0..25 {
                    store.append_audit(ts(i), "tick", &format!("thread-{t}"), &json!({ "i": i }))?;
                    store.set_kv(&format!("cursor-{t}"), &i.to_string())?;
                }
                Ok(())
            })
        })
        .collect();
    for h in handles {
        h.join().map_err(|_| "writer thread panicked")??;
    }
    assert_eq!(store.verify_audit()?, 100);
    assert_eq!(store.get_kv("cursor-3")?.as_deref(), Some("24"));
    Ok(())
}
