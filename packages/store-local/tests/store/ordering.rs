//! Listings come newest first with ties broken by recording order, and `before_ts` pages.

use mirai_core::{OrderStatus, Side, TradeId};
use mirai_store_local::{LocalStore, PnlSnapshot};
use serde_json::json;

use crate::helpers::{TestResult, after, amount, decision, fill, order, sym, ts};

fn trade_ids(fills: &[mirai_core::Fill]) -> Vec<&str> {
    fills.iter().map(|f| f.trade_id.as_str()).collect()
}

#[test]
fn fills_newest_first_ties_by_insertion_and_paged_by_time() -> TestResult {
    let store = LocalStore::open_in_memory()?;
    // Recorded out of time order, with two pairs sharing a millisecond.
    let plan = [("a", 300), ("b", 100), ("c", 300), ("d", 200), ("e", 100), ("f", 400)];
    let mut pos = None;
    for (id, at) in plan {
        let f = fill(id, "BTCUSDT", Side::Buy, "1", "10", at);
        let p = after(pos, &f);
        store.record_fill(&f, &p)?;
        pos = Some(p);
    }

    assert_eq!(trade_ids(&store.fills(10, None)?), ["f", "c", "a", "d", "e", "b"]);
    assert_eq!(trade_ids(&store.fills(2, None)?), ["f", "c"]);
    assert_eq!(trade_ids(&store.fills(10, Some(ts(300)))?), ["d", "e", "b"]);
    assert_eq!(trade_ids(&store.fills(1, Some(ts(200)))?), ["e"]);
    assert!(store.fills(10, Some(ts(100)))?.is_empty());
    assert!(store.fills(0, None)?.is_empty());
    assert_eq!(trade_ids(&store.all_fills()?), ["b", "e", "d", "a", "c", "f"]);

    // Walking pages by the oldest ts of each page visits every fill once when no millisecond
    // straddles a page boundary.
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = store.fills(3, cursor)?;
        let Some(last) = page.last() else { break };
        cursor = Some(last.ts);
        seen.extend(page.iter().map(|f| f.trade_id.clone()));
    }
    let expected: Vec<TradeId> = ["f", "c", "a", "d", "e", "b"].into_iter().map(TradeId::new).collect();
    assert_eq!(seen, expected);
    Ok(())
}

#[test]
fn decisions_orders_events_and_audit_are_newest_first() -> TestResult {
    let store = LocalStore::open_in_memory()?;
    for at in [20, 10, 30] {
        store.insert_decision(&decision(at))?;
    }
    let times: Vec<i64> = store.decisions(10)?.iter().map(|d| d.ts.millis()).collect();
    assert_eq!(times, [30, 20, 10]);
    assert_eq!(store.decisions(1)?.len(), 1);

    store.insert_order(&order("o-2", 20), OrderStatus::New)?;
    store.insert_order(&order("o-1", 10), OrderStatus::PartiallyFilled)?;
    store.insert_order(&order("o-3", 20), OrderStatus::Rejected)?;
    let ids: Vec<String> = store.orders(10)?.iter().map(|o| o.request.client_order_id.to_string()).collect();
    assert_eq!(ids, ["o-3", "o-2", "o-1"]);
    // Open orders come oldest first: the order in which to reconcile them.
    let open: Vec<String> =
        store.open_orders()?.iter().map(|o| o.request.client_order_id.to_string()).collect();
    assert_eq!(open, ["o-1", "o-2"]);

    for (at, gate) in [(5, "first"), (9, "last"), (5, "second")] {
        store.insert_risk_event(ts(at), None, sym("BTCUSDT"), gate, "why")?;
    }
    let gates: Vec<String> = store.risk_events(10)?.into_iter().map(|e| e.gate).collect();
    assert_eq!(gates, ["last", "second", "first"]);
    assert_eq!(store.risk_events(10)?[0].decision_id, None);

    for n in 1..=3 {
        store.append_audit(ts(100 - n), "k", "a", &json!({ "n": n }))?;
    }
    let seqs: Vec<u64> = store.audit(2)?.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, [3, 2]);
    Ok(())
}

#[test]
fn pnl_latest_and_since() -> TestResult {
    let store = LocalStore::open_in_memory()?;
    assert_eq!(store.latest_pnl()?, None);
    let snap = |at: i64, eq: &str| PnlSnapshot {
        ts: ts(at),
        equity: amount(eq),
        cash: amount(eq),
        realised: amount("0"),
        unrealised: amount("0"),
    };
    for (at, eq) in [(10, "1"), (30, "3"), (20, "2"), (30, "3.5")] {
        store.insert_pnl_snapshot(&snap(at, eq))?;
    }
    assert_eq!(store.latest_pnl()?, Some(snap(30, "3.5")));
    let since: Vec<String> = store.pnl_since(ts(20))?.iter().map(|s| s.equity.to_string()).collect();
    assert_eq!(since, ["2", "3", "3.5"]);
    assert!(store.pnl_since(ts(31))?.is_empty());
    let between = |from, to| -> Result<Vec<String>, Box<dyn std::error::Error>> {
        Ok(store.pnl_between(from, to)?.iter().map(|s| s.equity.to_string()).collect())
    };
    assert_eq!(between(Some(ts(10)), Some(ts(30)))?, ["1", "2"], "`to` excluded");
    assert_eq!(between(Some(ts(11)), None)?, ["2", "3", "3.5"]);
    assert_eq!(between(None, None)?, ["1", "2", "3", "3.5"]);
    assert!(between(Some(ts(30)), Some(ts(30)))?.is_empty());
    Ok(())
}
