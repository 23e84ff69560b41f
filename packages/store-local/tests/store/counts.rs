//! Ledger counts for `/metrics`: orders by side and status, fills by side, refusals by gate,
//! straight from the rows, and never more groups than `MAX_GROUPS`.

use mirai_core::{DecisionId, OrderStatus, Side};
use mirai_store_local::{LedgerCounts, LocalStore, MAX_GROUPS};

use crate::helpers::{TestResult, after, cid, fill, order, qty, sym, ts};

#[test]
fn an_empty_ledger_counts_nothing() -> TestResult {
    let store = LocalStore::open_in_memory()?;
    assert_eq!(store.ledger_counts()?, LedgerCounts::default());
    Ok(())
}

#[test]
fn orders_fills_and_refusals_are_counted_by_their_labels() -> TestResult {
    let store = LocalStore::open_in_memory()?;
    let mut sell = order("mi-3", 30);
    sell.side = Side::Sell;
    for (o, status) in [
        (order("mi-1", 10), OrderStatus::New),
        (order("mi-2", 20), OrderStatus::New),
        (sell, OrderStatus::New),
    ] {
        store.insert_order(&o, status)?;
    }
    store.update_order(&cid("mi-1"), OrderStatus::Filled, None, qty("0.001"), ts(11))?;
    let bought = fill("t-1", "BTCUSDT", Side::Buy, "0.001", "62000", 11);
    let position = after(None, &bought);
    store.record_fill(&bought, &position)?;
    let sold = fill("t-2", "BTCUSDT", Side::Sell, "0.001", "62100", 31);
    store.record_fill(&sold, &after(Some(position), &sold))?;
    let (s, at) = (sym("BTCUSDT"), ts(40));
    let d = DecisionId::new("sma", s, at);
    for gate in ["paused", "kill_switch", "paused"] {
        store.insert_risk_event(at, Some(&d), s, gate, "why")?;
    }

    let counts = store.ledger_counts()?;
    let owned = |a: &str, b: &str, n| (a.to_owned(), b.to_owned(), n);
    assert_eq!(counts.orders, [owned("BUY", "FILLED", 1), owned("BUY", "NEW", 1), owned("SELL", "NEW", 1)]);
    assert_eq!(counts.fills, [("BUY".to_owned(), 1), ("SELL".to_owned(), 1)]);
    assert_eq!(counts.refusals, [("kill_switch".to_owned(), 1), ("paused".to_owned(), 2)]);
    Ok(())
}

#[test]
fn a_ledger_with_junk_labels_gives_at_most_max_groups() -> TestResult {
    let store = LocalStore::open_in_memory()?;
    let (s, at) = (sym("BTCUSDT"), ts(1));
    for i in 0..MAX_GROUPS + 10 {
        store.insert_risk_event(at, None, s, &format!("gate-{i:03}"), "edited in")?;
    }
    assert_eq!(store.ledger_counts()?.refusals.len(), MAX_GROUPS);
    Ok(())
}
