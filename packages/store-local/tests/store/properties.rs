//! Property: whatever sequence of fills arrives, duplicates included, each trade is stored
//! exactly once, as first delivered, and `record_fill` says `true` only the first time.

use std::collections::HashMap;

use mirai_core::{Fill, Side};
use mirai_store_local::LocalStore;
use proptest::prelude::*;

use crate::helpers::{after, fill};

/// (trade number, buy?, qty in satoshi-like units, timestamp): few trade numbers, so duplicates
/// are common; a duplicate may differ in content, as a confused venue might send.
fn arb_delivery() -> impl Strategy<Value = (u8, bool, u32, i64)> {
    (0u8..8, any::<bool>(), 1u32..1_000_000, 0i64..50)
}

fn to_fill((n, buy, q, at): (u8, bool, u32, i64)) -> Fill {
    let side = if buy { Side::Buy } else { Side::Sell };
    let symbol = if n % 2 == 0 { "BTCUSDT" } else { "ETHUSDT" };
    let qty = rust_decimal::Decimal::new(i64::from(q), 8).to_string();
    fill(&format!("trade-{n}"), symbol, side, &qty, "100.5", at)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn each_trade_is_stored_exactly_once(deliveries in proptest::collection::vec(arb_delivery(), 1..40)) {
        let store = LocalStore::open_in_memory().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut first: HashMap<String, Fill> = HashMap::new();
        let mut positions = HashMap::new();
        for d in deliveries {
            let f = to_fill(d);
            // Sells are booked as buys of the position here: the property is about storage,
            // not accounting, and must not depend on holdings.
            let mut booked = f.clone();
            booked.side = Side::Buy;
            let pos = after(positions.get(&f.symbol).cloned(), &booked);
            let inserted = store.record_fill(&f, &pos).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let new = !first.contains_key(f.trade_id.as_str());
            prop_assert_eq!(inserted, new);
            if new {
                first.insert(f.trade_id.as_str().to_owned(), f.clone());
                positions.insert(f.symbol, pos);
            }
        }
        let stored = store.all_fills().map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(stored.len(), first.len());
        for f in &stored {
            prop_assert_eq!(Some(f), first.get(f.trade_id.as_str()));
        }
        // Each position is the one stored with its symbol's last new fill, never a duplicate's.
        let mut stored_positions = store.positions().map_err(|e| TestCaseError::fail(e.to_string()))?;
        stored_positions.sort_by_key(|p| p.symbol);
        let mut expected: Vec<_> = positions.into_values().collect();
        expected.sort_by_key(|p| p.symbol);
        prop_assert_eq!(stored_positions, expected);
    }
}
