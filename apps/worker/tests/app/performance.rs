//! `GET /api/performance` on a running worker: its figures are the round trips of the worker's own
//! ledger added up, and its P&L is what the ledger realised on the trips that closed.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use mirai_core::TripMark;
use mirai_reports::{RoundTrip, round_trips};
use mirai_store_local::LocalStore;
use mirai_worker::report_inputs::inputs;
use rust_decimal::Decimal;
use serde_json::Value;

use crate::helpers::*;

fn closed_trips(store: &LocalStore) -> Vec<RoundTrip> {
    let mut trips = round_trips(&inputs(store).expect("the ledger reads"));
    trips.sort_by(|a, b| (a.symbol.as_str(), a.trip_no).cmp(&(b.symbol.as_str(), b.trip_no)));
    trips
}

fn dec(v: &Value) -> Decimal {
    v.as_str().unwrap_or_else(|| panic!("{v} is no decimal string")).parse().expect("decimal")
}

/// What the ledger realised on closed trips, from its positions rather than its trips: each
/// symbol's realised P&L (every fill's, fees included) less what the fills after its last
/// closing fill realised (the trip still open, if any).
fn realised_on_closed_trips(store: &LocalStore) -> Decimal {
    let mut since_last_close: BTreeMap<String, Decimal> = BTreeMap::new();
    for record in store.fill_records().expect("fills") {
        let ledger = record.ledger.expect("a fresh ledger keeps every fill's state");
        let open = since_last_close.entry(record.fill.symbol.to_string()).or_default();
        *open =
            if ledger.trip == TripMark::Closes { Decimal::ZERO } else { *open + ledger.realised_pnl.get() };
    }
    let realised: Decimal = store.positions().expect("positions").iter().map(|p| p.realised_pnl.get()).sum();
    realised - since_last_close.values().sum::<Decimal>()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn performance_adds_up_the_ledgers_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn(dir.path()).await;
    let store = app.running.store.clone();
    let deadline = Instant::now() + Duration::from_secs(120);
    while closed_trips(&store).len() < 2 {
        assert!(Instant::now() < deadline, "fewer than two round trips closed in 120 s");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Paused, so that the ledger holds still while we compare it with what the API shows.
    app.control("pause").await;
    let trips = closed_trips(&store);
    let v = app.get("/api/performance").await;
    assert_eq!(closed_trips(&store), trips, "the ledger moved while paused");

    assert!(v["definition"].as_str().is_some_and(|d| d.contains("ROUND_TRIPS")), "{v}");
    let total = &v["total"];
    let sum = |f: fn(&RoundTrip) -> Decimal| trips.iter().map(f).sum::<Decimal>();
    assert_eq!(total["trades"], trips.len());
    assert_eq!(dec(&total["pnl"]), sum(|t| t.pnl));
    assert_eq!(dec(&total["fees"]), sum(|t| t.fees));
    assert_eq!(dec(&total["gross_profit"]), sum(|t| t.pnl.max(Decimal::ZERO)));
    assert_eq!(dec(&total["gross_loss"]), -sum(|t| t.pnl.min(Decimal::ZERO)));
    assert_eq!(total["wins"], trips.iter().filter(|t| t.pnl > Decimal::ZERO).count());
    assert_eq!(total["losses"], trips.iter().filter(|t| t.pnl < Decimal::ZERO).count());
    assert_eq!(total["first_entry"], trips.iter().map(|t| t.entry_time.millis()).min().expect("trips"));
    assert_eq!(total["last_exit"], trips.iter().map(|t| t.exit_time.millis()).max().expect("trips"));
    assert!(dec(&total["max_drawdown"]) >= Decimal::ZERO);
    assert!(dec(&total["max_drawdown"]) <= dec(&total["gross_loss"]));

    // Per symbol: sorted, each its own trips, adding up to the total.
    let symbols = v["symbols"].as_array().expect("symbols");
    let names: Vec<&str> = symbols.iter().map(|s| s["symbol"].as_str().expect("symbol")).collect();
    let mut expected: Vec<&str> = trips.iter().map(|t| t.symbol.as_str()).collect();
    expected.dedup();
    assert_eq!(names, expected);
    for s in symbols {
        let own: Vec<&RoundTrip> = trips.iter().filter(|t| s["symbol"] == t.symbol.as_str()).collect();
        assert_eq!(s["trades"], own.len(), "{s}");
        assert_eq!(dec(&s["pnl"]), own.iter().map(|t| t.pnl).sum::<Decimal>(), "{s}");
    }
    assert_eq!(symbols.iter().map(|s| dec(&s["pnl"])).sum::<Decimal>(), dec(&total["pnl"]));

    // The same P&L as the ledger's own books.
    assert_eq!(dec(&total["pnl"]), realised_on_closed_trips(&store));

    // Windows on the exit: all of it, none of it, and a bad one refused as the other routes do.
    let all = app.get("/api/performance?from=2001-01-01&to=2999-01-01").await;
    assert_eq!(all["total"], v["total"]);
    for empty in ["/api/performance?to=2001-01-01", "/api/performance?from=2999-01-01"] {
        let none = app.get(empty).await;
        assert_eq!(none["total"]["trades"], 0, "{empty}");
        assert_eq!(none["total"]["win_rate"], Value::Null, "{empty}");
    }
    let bad = app
        .client
        .get(format!("{}/api/performance?from=2026-02-30", app.base))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    assert_eq!(bad.json::<Value>().await.unwrap()["fields"][0]["field"], "from");
    let anonymous = app.client.get(format!("{}/api/performance", app.base)).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    app.stop().await;
}
