//! The journal: each trading write and its audit entry land together, once, or not at all.

use mirai_core::{FillSource, OrderStatus, RefusalReason, Side};
use mirai_store_local::{LocalStore, StoreError};

use crate::helpers::{TestResult, after, decision, fill, order, sym, ts};

fn kinds(store: &LocalStore) -> Result<Vec<(String, String)>, StoreError> {
    let mut entries = store.audit(100)?;
    entries.reverse();
    Ok(entries.into_iter().map(|e| (e.kind, e.actor)).collect())
}

#[test]
fn each_write_lands_with_its_audit_entry_and_a_replay_adds_neither() -> TestResult {
    let store = LocalStore::open_in_memory()?;
    let d = decision(1_000);
    assert!(store.journal_decision(ts(1_000), &d)?);
    assert!(!store.journal_decision(ts(1_000), &d)?, "a replayed decision");
    store.journal_refusal(ts(1_001), &d, &RefusalReason::Paused)?;
    let o = order("mi-1", 1_002);
    store.journal_order(ts(1_002), &o)?;
    let f = fill("t1", "BTCUSDT", Side::Buy, "0.5", "100", 1_003);
    assert!(store.journal_fill(&f, &after(None, &f), None, FillSource::Exchange)?);
    assert!(!store.journal_fill(&f, &after(None, &f), None, FillSource::Exchange)?, "a re-delivered fill");
    let rejected = order("mi-2", 1_004);
    store.journal_order(ts(1_004), &rejected)?;
    store.journal_rejection(ts(1_005), &d.id, &rejected, "exchange", "-2010: insufficient balance")?;

    let expected = [
        ("decision", "engine"),
        ("risk_refused", "risk"),
        ("order", "engine"),
        ("fill", "exchange"),
        ("order", "engine"),
        ("order_rejected", "exchange"),
    ];
    let got = kinds(&store)?;
    assert_eq!(got, expected.map(|(k, a)| (k.to_owned(), a.to_owned())).to_vec());
    assert_eq!(store.verify_audit()?, 6);
    assert_eq!(store.all_fills()?, vec![f.clone()]);
    assert_eq!(store.position(sym("BTCUSDT"))?, Some(after(None, &f)));
    assert_eq!(store.order(&rejected.client_order_id)?.map(|o| o.status), Some(OrderStatus::Rejected));
    let gates: Vec<String> = store.risk_events(10)?.into_iter().map(|e| e.gate).collect();
    assert_eq!(gates, vec!["exchange".to_owned(), "paused".to_owned()]);
    Ok(())
}

#[test]
fn a_failed_write_leaves_no_audit_entry_behind() -> TestResult {
    let store = LocalStore::open_in_memory()?;
    // Rejecting an order that was never stored fails, and takes its risk event and audit entry
    // with it.
    let ghost = order("mi-ghost", 2_000);
    let e = store.journal_rejection(ts(2_000), &ghost.decision_id, &ghost, "exchange", "nope").unwrap_err();
    assert!(matches!(e, StoreError::UnknownOrder(_)), "{e}");
    assert!(store.audit(10)?.is_empty());
    assert!(store.risk_events(10)?.is_empty());
    Ok(())
}
