//! `GET /api/round-trips` on a running worker: paging through every closed trip with the cursor
//! lists each exactly once, newest exit first, and the pages are `mirai_reports::round_trips` of
//! the worker's own ledger.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use mirai_reports::{RoundTrip, round_trips};
use mirai_store_local::LocalStore;
use mirai_worker::report_inputs::trip_inputs;
use serde_json::Value;

use crate::helpers::*;

fn closed_trips(store: &LocalStore) -> Vec<RoundTrip> {
    round_trips(&trip_inputs(store).unwrap_or_else(|e| panic!("the ledger reads: {e}")))
}

/// A trip as the API shows it, reduced to what identifies and measures it.
fn shown(t: &Value) -> (String, u64, i64, String, String, Option<String>) {
    (
        t["symbol"].as_str().unwrap_or_default().to_owned(),
        t["trip_no"].as_u64().unwrap_or_default(),
        t["exit_time"].as_i64().unwrap_or_default(),
        t["pnl"].as_str().unwrap_or_default().to_owned(),
        t["fees"].as_str().unwrap_or_default().to_owned(),
        t["opening_decision_id"].as_str().map(str::to_owned),
    )
}

fn from_ledger(t: &RoundTrip) -> (String, u64, i64, String, String, Option<String>) {
    let text =
        |d: rust_decimal::Decimal| if d.is_zero() { "0".to_owned() } else { d.normalize().to_string() };
    (
        t.symbol.to_string(),
        t.trip_no,
        t.exit_time.millis(),
        text(t.pnl),
        text(t.fees),
        t.opening_decision.as_ref().map(|d| d.as_str().to_owned()),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paging_lists_every_closed_trip_once_as_the_ledger_has_them() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let app = spawn(dir.path()).await;
    let store = app.running.store.clone();
    let deadline = Instant::now() + Duration::from_secs(120);
    while closed_trips(&store).len() < 3 {
        assert!(Instant::now() < deadline, "fewer than three round trips closed in 120 s");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Paused, so that no trip closes while we page.
    app.control("pause").await;
    let mut expected = closed_trips(&store);
    expected.sort_by(|a, b| {
        (b.exit_time, b.symbol.as_str(), b.trip_no).cmp(&(a.exit_time, a.symbol.as_str(), a.trip_no))
    });

    let mut pages = Vec::new();
    let mut url = "/api/round-trips?limit=1".to_owned();
    loop {
        let page = app.get(&url).await;
        let trips = page["round_trips"].as_array().cloned().unwrap_or_else(|| panic!("{page}"));
        assert!(trips.len() <= 1, "{page}");
        pages.extend(trips);
        match page["next"].as_str() {
            Some(cursor) => url = format!("/api/round-trips?limit=1&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(closed_trips(&store).len(), expected.len(), "a trip closed while paused");
    let listed: Vec<_> = pages.iter().map(shown).collect();
    let unique: HashSet<_> = listed.iter().map(|t| (t.0.clone(), t.1)).collect();
    assert_eq!(unique.len(), listed.len(), "a trip listed twice: {listed:?}");
    assert_eq!(listed, expected.iter().map(from_ledger).collect::<Vec<_>>());

    // Each trip carries what the ROUND_TRIPS view has: prices, return and duration too.
    let first = &pages[0];
    let t = &expected[0];
    assert_eq!(first["entry_time"], t.entry_time.millis());
    assert_eq!(first["duration_ms"], t.duration_ms());
    let price =
        |v: &Value| v.as_str().map(|s| s.parse::<rust_decimal::Decimal>().unwrap_or_else(|e| panic!("{e}")));
    assert_eq!(price(&first["entry_price"]), t.entry_price());
    assert_eq!(price(&first["return"]), t.return_fraction());

    // One page holds them all; a symbol and a window filter them.
    let all = app.get("/api/round-trips?limit=500").await;
    assert_eq!(
        all["round_trips"].as_array().map(|v| v.iter().map(shown).collect::<Vec<_>>()),
        Some(listed.clone())
    );
    assert_eq!(all["next"], Value::Null);
    let symbol = expected[0].symbol.to_string();
    let one = app.get(&format!("/api/round-trips?symbol={}", symbol.to_lowercase())).await;
    let mine: Vec<_> = expected.iter().filter(|t| t.symbol.as_str() == symbol).map(from_ledger).collect();
    assert_eq!(one["round_trips"].as_array().map(|v| v.iter().map(shown).collect::<Vec<_>>()), Some(mine));
    let exit = expected[0].exit_time.millis();
    let before = app.get(&format!("/api/round-trips?to={exit}&limit=500")).await;
    assert_eq!(
        before["round_trips"].as_array().map(Vec::len),
        Some(expected.iter().filter(|t| t.exit_time.millis() < exit).count())
    );

    // A bad cursor or limit is refused as the other routes refuse bad values; no token, no trips.
    for (q, field) in [("cursor=garbage", "cursor"), ("limit=0", "limit")] {
        let resp = app
            .client
            .get(format!("{}/api/round-trips?{q}", app.base))
            .bearer_auth(&app.token)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(resp.status(), 422, "{q}");
        let body: Value = resp.json().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(body["fields"][0]["field"], field, "{q}");
    }
    let anonymous = app
        .client
        .get(format!("{}/api/round-trips", app.base))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(anonymous.status(), 401);
    app.stop().await;
}
