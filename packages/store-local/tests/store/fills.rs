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

/// Each fill keeps what it did to the ledger, by the ledger's own rule: a buy realises minus its
/// fee; a sell realises its proceeds less the released share of the cost basis and its fee.
#[test]
fn each_fill_keeps_the_ledger_state_it_left() -> TestResult {
    let store = LocalStore::open_in_memory()?;
    let fills = [
        fill("1", "BTCUSDT", Side::Buy, "2", "100", 1_000),
        fill("2", "BTCUSDT", Side::Buy, "1", "130", 2_000),
        fill("3", "BTCUSDT", Side::Sell, "1.5", "150", 3_000),
        fill("4", "BTCUSDT", Side::Sell, "1.5", "90", 4_000),
    ];
    let mut position = None;
    let mut expected = Vec::new();
    for f in &fills {
        let mut p = position.take().unwrap_or_else(|| Position::flat(f.symbol));
        let realised = p.apply(f)?;
        store.record_fill(f, &p)?;
        expected.push((realised, p.qty, p.cost));
        position = Some(p);
    }
    let got: Vec<_> = store
        .fill_records()?
        .into_iter()
        .map(|r| r.ledger.map(|l| (l.realised_pnl, l.position_qty, l.position_cost)))
        .collect();
    assert_eq!(got, expected.iter().copied().map(Some).collect::<Vec<_>>());
    // By hand: cost 200 + 130 = 330 for 3; selling half releases 165; 225 - 165 - 0.01 fee.
    assert_eq!(expected[2], (amount("59.99"), qty("1.5"), amount("165")));
    assert_eq!(expected[3].1, qty("0"));
    let total: mirai_core::Amount = expected.iter().map(|e| e.0).sum();
    assert_eq!(total, position.ok_or("a position")?.realised_pnl, "the fills add up to the ledger's total");
    Ok(())
}

/// Fills booked before the store kept the ledger's state get it at the migration, by replaying
/// the ledger, with the same figures recording them gives.
#[test]
fn fills_from_before_the_ledger_columns_are_filled_in_at_the_migration() -> TestResult {
    let dir = TempDir::new();
    let store = LocalStore::open(dir.path())?;
    let mut p = Position::flat(sym("ETHUSDT"));
    for f in [
        fill("1", "ETHUSDT", Side::Buy, "3", "10", 1_000),
        fill("2", "ETHUSDT", Side::Sell, "1", "12", 2_000),
        fill("3", "ETHUSDT", Side::Buy, "1", "11", 3_000),
    ] {
        p.apply(&f)?;
        store.record_fill(&f, &p)?;
    }
    let recorded = store.fill_records()?;
    drop(store);
    let raw = dir.raw()?;
    // Back to what schema 4 had.
    raw.execute_batch(
        "ALTER TABLE fills DROP COLUMN realised_pnl; ALTER TABLE fills DROP COLUMN position_qty; \
         ALTER TABLE fills DROP COLUMN position_cost; ALTER TABLE fills DROP COLUMN trip; DROP TABLE candles; \
         DROP TRIGGER outbox_proposals_new; DROP TRIGGER outbox_proposals_update; PRAGMA user_version = 4;",
    )?;
    drop(raw);

    let store = LocalStore::open(dir.path())?;
    assert_eq!(store.fill_records()?, recorded);
    assert!(recorded.iter().all(|r| r.ledger.is_some()));
    Ok(())
}
