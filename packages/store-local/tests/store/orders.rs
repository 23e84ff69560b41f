//! Orders: stored once per client order id, updated as the exchange reports, and kv state.

use mirai_core::{OrderKind, OrderStatus, Side, TimeInForce};
use mirai_store_local::{LocalStore, StoreError};

use crate::helpers::{TestResult, cid, order, price, qty, ts};

#[test]
fn insert_is_idempotent_on_client_order_id() -> TestResult {
    let store = LocalStore::open_in_memory()?;
    let o = order("mi-1", 10);
    assert!(store.insert_order(&o, OrderStatus::New)?);
    let mut retry = o.clone();
    retry.qty = qty("99");
    assert!(!store.insert_order(&retry, OrderStatus::Rejected)?);
    let stored = store.order(&cid("mi-1"))?.ok_or("order lost")?;
    assert_eq!(stored.request, o);
    assert_eq!(stored.status, OrderStatus::New);
    assert_eq!(stored.filled_qty, qty("0"));
    assert_eq!(stored.exchange_order_id, None);
    assert_eq!(stored.updated_at, ts(10));
    assert_eq!(store.orders(10)?.len(), 1);
    Ok(())
}

#[test]
fn updates_record_the_latest_state_and_keep_a_known_exchange_id() -> TestResult {
    let store = LocalStore::open_in_memory()?;
    let mut o = order("mi-limit", 10);
    o.side = Side::Sell;
    o.kind = OrderKind::Limit { price: price("62000.01000000"), time_in_force: TimeInForce::Ioc };
    store.insert_order(&o, OrderStatus::New)?;

    // Binance order ids are large; the largest SQLite integer must survive.
    let big = i64::MAX as u64;
    store.update_order(&o.client_order_id, OrderStatus::PartiallyFilled, Some(big), qty("0.0004"), ts(11))?;
    store.update_order(&o.client_order_id, OrderStatus::Filled, None, qty("0.00100000"), ts(12))?;
    let s = store.order(&o.client_order_id)?.ok_or("order lost")?;
    assert_eq!(s.request, o);
    assert_eq!(s.status, OrderStatus::Filled);
    assert_eq!(s.exchange_order_id, Some(big));
    assert_eq!(s.filled_qty.get().to_string(), "0.00100000");
    assert_eq!(s.updated_at, ts(12));
    assert!(store.open_orders()?.is_empty());

    let too_big =
        store.update_order(&o.client_order_id, OrderStatus::Filled, Some(u64::MAX), qty("1"), ts(13));
    assert!(matches!(too_big, Err(StoreError::TooLarge { .. })), "{too_big:?}");
    Ok(())
}

#[test]
fn updating_an_unknown_order_is_an_error() -> TestResult {
    let store = LocalStore::open_in_memory()?;
    let err = store
        .update_order(&cid("nope"), OrderStatus::Filled, None, qty("1"), ts(1))
        .err()
        .ok_or("unknown order updated")?;
    assert!(matches!(err, StoreError::UnknownOrder(ref c) if c.as_str() == "nope"), "{err:?}");
    assert_eq!(store.order(&cid("nope"))?, None);
    Ok(())
}

#[test]
fn kv_sets_overwrites_and_reads() -> TestResult {
    let store = LocalStore::open_in_memory()?;
    assert_eq!(store.get_kv("kill_switch")?, None);
    store.set_kv("kill_switch", "off")?;
    store.set_kv("kill_switch", "on")?;
    store.set_kv("risk_state", r#"{"losses":2,"day":"2026-01-01"}"#)?;
    store.set_kv("empty", "")?;
    assert_eq!(store.get_kv("kill_switch")?.as_deref(), Some("on"));
    assert_eq!(store.get_kv("risk_state")?.as_deref(), Some(r#"{"losses":2,"day":"2026-01-01"}"#));
    assert_eq!(store.get_kv("empty")?.as_deref(), Some(""));
    // Keys are bound, not spliced: a hostile key is just a key.
    store.set_kv("x'); DROP TABLE kv; --", "v")?;
    assert_eq!(store.get_kv("x'); DROP TABLE kv; --")?.as_deref(), Some("v"));
    assert_eq!(store.get_kv("kill_switch")?.as_deref(), Some("on"));
    Ok(())
}
