//! Money round-trips exactly: every digit, the sign and the scale, stored as TEXT not REAL.

use mirai_core::{Amount, Position, Side};
use mirai_store_local::{LocalStore, PnlSnapshot};

use crate::helpers::{TempDir, TestResult, amount, decision, fill, price, qty, sym, ts};

const AWKWARD: [&str; 4] =
    ["0.00000001", "123456789.123456789012", "0.00100000", "79228162514264337593543950335"];

#[test]
fn prices_and_quantities_round_trip_to_the_last_digit() -> TestResult {
    let dir = TempDir::new();
    let store = LocalStore::open(dir.path())?;
    for (i, text) in AWKWARD.iter().enumerate() {
        let mut f = fill(&format!("t{i}"), "BTCUSDT", Side::Buy, text, text, i as i64);
        f.fee = amount(text);
        let mut p = Position::flat(sym("BTCUSDT"));
        p.qty = qty(text);
        p.cost = amount(text);
        store.record_fill(&f, &p)?;
    }
    drop(store);

    let store = LocalStore::open(dir.path())?;
    let fills = store.all_fills()?;
    assert_eq!(fills.len(), AWKWARD.len());
    for (f, text) in fills.iter().zip(AWKWARD) {
        // Compare the text, not only the value: "0.00100000" must keep its trailing zeros.
        assert_eq!(f.qty.get().to_string(), text);
        assert_eq!(f.price.get().to_string(), text);
        assert_eq!(f.fee.get().to_string(), text);
    }
    let p = store.position(sym("BTCUSDT"))?.ok_or("position lost")?;
    assert_eq!(p.qty.get().to_string(), AWKWARD[3]);

    // And SQLite holds them as TEXT, never as a float.
    let raw = dir.raw()?;
    let kinds: Vec<String> = raw
        .prepare("SELECT DISTINCT typeof(qty) || typeof(price) || typeof(fee) FROM fills")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    assert_eq!(kinds, vec!["texttexttext".to_owned()]);
    Ok(())
}

#[test]
fn negative_and_tiny_amounts_round_trip() -> TestResult {
    let store = LocalStore::open_in_memory()?;
    let snap = PnlSnapshot {
        ts: ts(1),
        equity: amount("123456789.123456789012"),
        cash: amount("-0.00000001"),
        realised: amount("-98765432109876.5432101234"),
        unrealised: Amount::new(-rust_decimal_macros::dec!(0.000000000001)),
    };
    store.insert_pnl_snapshot(&snap)?;
    let back = store.latest_pnl()?.ok_or("snapshot lost")?;
    assert_eq!(back, snap);
    assert_eq!(back.cash.get().to_string(), "-0.00000001");
    assert_eq!(back.realised.get().to_string(), "-98765432109876.5432101234");
    assert_eq!(back.unrealised.get().to_string(), "-0.000000000001");

    let f = fill("neg", "BTCUSDT", Side::Sell, "0.00000001", "0.00000001", 2);
    let mut p = Position::flat(sym("BTCUSDT"));
    p.realised_pnl = amount("-123456789.123456789012");
    p.fees = amount("0.00000001");
    store.record_fill(&f, &p)?;
    assert_eq!(store.positions()?, vec![p]);
    Ok(())
}

#[test]
fn decision_decimals_and_citations_round_trip() -> TestResult {
    let store = LocalStore::open_in_memory()?;
    let mut d = decision(5);
    d.price = price("123456789.123456789012");
    d.size_fraction = rust_decimal_macros::dec!(0.00000001);
    d.take_profit = Some(price("0.00000001"));
    d.citations.clear();
    assert!(store.insert_decision(&d)?);
    let mut d2 = decision(6);
    d2.stop_loss = None;
    store.insert_decision(&d2)?;
    assert_eq!(store.decisions(10)?, vec![d2, d]);
    Ok(())
}
