//! Fills and positions: recorded together, exactly once, whatever the exchange re-delivers.

use mirai_core::{Position, Side};
use mirai_store_local::{LocalStore, StoreError};

use crate::helpers::{TempDir, TestResult, after, amount, fill, qty, sym, ts};

#[test]
fn redelivered_fill_changes_nothing_not_even_the_position() -> TestResult {
    let dir = TempDir::new();
    let store = LocalStore::open(dir.path())?;
    let f = fill("t1", "BTCUSDT", Side::Buy, "0.5", "100", 1_000);
    let pos = after(None, &f);
    assert!(store.record_fill(&f, &pos)?);

    // A naive worker re-applies the re-delivered fill; the doubled position must not be stored.
    let doubled = after(Some(pos.clone()), &f);
    assert_eq!(doubled.qty, qty("1"));
    assert!(!store.record_fill(&f, &doubled)?);
    // Even a re-delivery that differs in content keeps the first version.
    let mut changed = f.clone();
    changed.qty = qty("7");
    assert!(!store.record_fill(&changed, &doubled)?);

    drop(store);
    let store = LocalStore::open(dir.path())?;
    assert_eq!(store.all_fills()?, vec![f]);
    assert_eq!(store.positions()?, vec![pos]);
    Ok(())
}

#[test]
fn the_same_trade_id_on_another_symbol_is_a_different_fill() -> TestResult {
    // Binance numbers trades per symbol, so "7" on BTCUSDT and "7" on ETHUSDT are two trades.
    let store = LocalStore::open_in_memory()?;
    let btc = fill("7", "BTCUSDT", Side::Buy, "1", "100", 1);
    let eth = fill("7", "ETHUSDT", Side::Buy, "2", "10", 2);
    assert!(store.record_fill(&btc, &after(None, &btc))?);
    assert!(store.record_fill(&eth, &after(None, &eth))?);
    assert_eq!(store.all_fills()?, vec![btc, eth]);
    Ok(())
}

#[test]
fn a_position_for_another_symbol_is_refused_and_nothing_is_written() -> TestResult {
    let store = LocalStore::open_in_memory()?;
    let f = fill("t1", "BTCUSDT", Side::Buy, "1", "100", 1);
    let wrong = Position::flat(sym("ETHUSDT"));
    let err = store.record_fill(&f, &wrong).err().ok_or("mismatch accepted")?;
    assert!(matches!(err, StoreError::PositionMismatch { .. }), "{err:?}");
    assert!(store.all_fills()?.is_empty());
    assert!(store.positions()?.is_empty());
    Ok(())
}

#[test]
fn positions_list_open_ones_first_then_flat_ones() -> TestResult {
    let store = LocalStore::open_in_memory()?;
    // AAAUSDT is bought and sold back to flat; the others stay open.
    let a_buy = fill("1", "AAAUSDT", Side::Buy, "1", "10", 1);
    let a_pos = after(None, &a_buy);
    store.record_fill(&a_buy, &a_pos)?;
    let a_sell = fill("2", "AAAUSDT", Side::Sell, "1", "12", 2);
    let a_flat = after(Some(a_pos), &a_sell);
    store.record_fill(&a_sell, &a_flat)?;
    let z = fill("3", "ZZZUSDT", Side::Buy, "1", "1", 3);
    store.record_fill(&z, &after(None, &z))?;
    let b = fill("4", "BTCUSDT", Side::Buy, "1", "1", 4);
    store.record_fill(&b, &after(None, &b))?;

    let listed: Vec<_> = store.positions()?.iter().map(|p| p.symbol).collect();
    assert_eq!(listed, vec![sym("BTCUSDT"), sym("ZZZUSDT"), sym("AAAUSDT")]);
    let flat = store.position(sym("AAAUSDT"))?.ok_or("flat position lost")?;
    assert!(flat.is_flat());
    assert_eq!(flat.realised_pnl, amount("1.98"));
    assert_eq!(flat.updated_at, ts(2));
    assert_eq!(store.position(sym("ETHUSDT"))?, None);
    Ok(())
}
