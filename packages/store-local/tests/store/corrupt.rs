//! Damaged cells become `StoreError::Corrupt`, naming the column, never a panic or a wrong value.

use mirai_core::{OrderStatus, Side};
use mirai_store_local::{LocalStore, PnlSnapshot, StoreError};

use crate::helpers::{TempDir, TestResult, after, amount, decision, fill, order, ts};

/// Writes a store with one row in each table, then applies `damage` through a raw connection.
fn damaged(damage: &str) -> Result<(TempDir, LocalStore), Box<dyn std::error::Error>> {
    let dir = TempDir::new();
    {
        let store = LocalStore::open(dir.path())?;
        store.insert_decision(&decision(1))?;
        store.insert_order(&order("mi-1", 1), OrderStatus::New)?;
        let f = fill("t1", "BTCUSDT", Side::Buy, "1", "100", 1);
        store.record_fill(&f, &after(None, &f))?;
        let z = amount("0");
        store.insert_pnl_snapshot(&PnlSnapshot {
            ts: ts(1),
            equity: z,
            cash: z,
            realised: z,
            unrealised: z,
        })?;
        store.append_audit(ts(1), "k", "a", &serde_json::json!({}))?;
    }
    dir.raw()?.execute_batch(damage)?;
    let store = LocalStore::open(dir.path())?;
    Ok((dir, store))
}

fn assert_corrupt<T: std::fmt::Debug>(result: Result<T, StoreError>, column: &str) -> TestResult {
    match result {
        Err(StoreError::Corrupt { column: c, value, why }) => {
            assert_eq!(c, column, "value {value:?}: {why}");
            Ok(())
        }
        other => Err(format!("expected corrupt {column}, got {other:?}").into()),
    }
}

#[test]
fn a_non_decimal_price_is_an_error() -> TestResult {
    let (_dir, store) = damaged("UPDATE fills SET price = 'twelve'")?;
    assert_corrupt(store.all_fills(), "price")?;
    assert_corrupt(store.fills(10, None), "price")?;
    let err = store.all_fills().err().ok_or("decoded")?.to_string();
    assert!(err.contains("price") && err.contains("twelve"), "{err}");
    Ok(())
}

#[test]
fn a_negative_quantity_is_an_error() -> TestResult {
    let (_dir, store) = damaged("UPDATE positions SET qty = '-1'")?;
    assert_corrupt(store.positions(), "qty")
}

#[test]
fn a_blank_or_nan_amount_is_an_error() -> TestResult {
    let (_dir, store) = damaged("UPDATE pnl_snapshots SET equity = ''")?;
    assert_corrupt(store.latest_pnl(), "equity")?;
    let (_dir, store) = damaged("UPDATE pnl_snapshots SET cash = 'NaN'")?;
    assert_corrupt(store.pnl_since(ts(0)), "cash")
}

#[test]
fn bad_enums_ids_and_json_are_errors() -> TestResult {
    let (_dir, store) = damaged("UPDATE orders SET status = 'BOGUS'")?;
    assert_corrupt(store.orders(10), "status")?;
    let (_dir, store) = damaged("UPDATE orders SET kind = 'LIMIT'")?;
    assert_corrupt(store.open_orders(), "limit_price")?;
    let (_dir, store) = damaged("UPDATE fills SET side = 'sideways'")?;
    assert_corrupt(store.all_fills(), "side")?;
    let (_dir, store) = damaged("UPDATE decisions SET citations = '[{'")?;
    assert_corrupt(store.decisions(10), "citations")?;
    let (_dir, store) = damaged("UPDATE decisions SET symbol = 'BTC-USDT'")?;
    assert_corrupt(store.decisions(10), "symbol")?;
    Ok(())
}

#[test]
fn an_unreadable_audit_payload_is_an_error_and_breaks_the_chain() -> TestResult {
    let (_dir, store) =
        damaged("DROP TRIGGER audit_log_no_update; UPDATE audit_log SET payload = 'not json'")?;
    assert_corrupt(store.audit(10), "payload")?;
    assert!(matches!(store.verify_audit(), Err(StoreError::AuditBroken { seq: 1, .. })));
    Ok(())
}
