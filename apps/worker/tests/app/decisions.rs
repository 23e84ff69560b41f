//! `GET /api/decisions` on a running worker whose position limit refuses every buy: the "why
//! not?" feed holds those refusals with their gate and reason, as the ledger recorded them, and
//! each decision's outcome is `mirai_reports::decision_outcomes` of the worker's own ledger.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use mirai_reports::{DecisionOutcome, decision_outcomes};
use mirai_store_local::LocalStore;
use mirai_worker::report_inputs::outcome_inputs;
use serde_json::Value;

use crate::helpers::*;

fn outcomes(store: &LocalStore) -> HashMap<String, DecisionOutcome> {
    let inputs = outcome_inputs(store).unwrap_or_else(|e| panic!("the ledger reads: {e}"));
    decision_outcomes(&inputs).into_iter().map(|d| (d.decision_id.as_str().to_owned(), d)).collect()
}

/// Every page of `path` (which has a query string), following `next`.
async fn all_pages(app: &TestApp, path: &str) -> Vec<Value> {
    let mut all = Vec::new();
    let mut url = path.to_owned();
    loop {
        let page = app.get(&url).await;
        all.extend(page["decisions"].as_array().cloned().unwrap_or_else(|| panic!("{page}")));
        match page["next"].as_str() {
            Some(cursor) => url = format!("{path}&cursor={cursor}"),
            None => return all,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_position_limit_refusal_is_in_the_feed_with_its_gate_and_reason() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    // 0.01 % of 10,000 USDT: a position of 1 USDT, far below any order the sizing makes.
    let app = spawn_with(dir.path(), &[("MAX_POSITION_PCT", "0.01")]).await;
    let store = app.running.store.clone();
    let deadline = Instant::now() + Duration::from_secs(120);
    while !store
        .risk_event_records()
        .unwrap_or_else(|e| panic!("{e}"))
        .iter()
        .any(|e| e.gate == "max_position")
    {
        assert!(Instant::now() < deadline, "no buy refused for its position in 120 s");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let refused = all_pages(&app, "/api/decisions?kind=refused&limit=3").await;
    // Read after the feed: the ledger only grows, and a refusal stays one.
    let ledger = outcomes(&store);
    assert!(!refused.is_empty());
    let ids: Vec<&str> = refused.iter().map(|d| d["decision_id"].as_str().unwrap_or_default()).collect();
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), ids.len(), "a decision listed twice");
    let times: Vec<i64> = refused.iter().map(|d| d["ts"].as_i64().unwrap_or_default()).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first: {times:?}");
    for d in &refused {
        let id = d["decision_id"].as_str().unwrap_or_default();
        let mine = ledger.get(id).unwrap_or_else(|| panic!("{id} is not in the ledger"));
        assert_eq!(d["outcome"], "refused", "{d}");
        assert_eq!(mine.outcome.name(), "refused", "{id}");
        assert_eq!(d["refused_by"].as_str(), mine.refused_by.as_deref(), "{id}");
        assert_eq!(d["refusal_reason"].as_str(), mine.refusal_reason.as_deref(), "{id}");
        assert!(d["refusal_reason"].as_str().is_some_and(|r| !r.is_empty()), "{d}");
        assert_eq!((d["orders"].clone(), d["fills"].clone()), (0.into(), 0.into()), "{d}");
    }
    let by_position: Vec<&Value> = refused.iter().filter(|d| d["refused_by"] == "max_position").collect();
    assert!(!by_position.is_empty(), "{refused:?}");
    assert_eq!(by_position[0]["action"], "buy");
    // The reason is the gate's own words, as the ledger recorded them.
    let recorded: Vec<(String, String)> = store
        .risk_event_records()
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .filter(|e| e.decision_id.as_ref().is_some_and(|d| d.as_str() == by_position[0]["decision_id"]))
        .map(|e| (e.gate, e.reason))
        .collect();
    assert_eq!(
        recorded.first().map(|(g, r)| (g.as_str(), r.as_str())),
        Some(("max_position", by_position[0]["refusal_reason"].as_str().unwrap_or_default()))
    );

    // The whole feed: each decision's outcome as the report computes it; kinds filter it.
    let feed = app.get("/api/decisions?limit=500").await;
    let ledger = outcomes(&store);
    for d in feed["decisions"].as_array().cloned().unwrap_or_default() {
        let id = d["decision_id"].as_str().unwrap_or_default();
        let mine = ledger.get(id).unwrap_or_else(|| panic!("{id} is not in the ledger"));
        assert_eq!(d["outcome"].as_str(), Some(mine.outcome.name().as_str()), "{id}");
        assert_eq!(d["advisor_kind"], "rules", "ADVISOR=rules by default");
    }
    let holds = app.get("/api/decisions?kind=hold&limit=500").await;
    assert!(holds["decisions"].as_array().is_some_and(|v| v.iter().all(|d| d["outcome"] == "hold")));
    let symbol = by_position[0]["symbol"].as_str().unwrap_or_default().to_owned();
    let one = app.get(&format!("/api/decisions?symbol={}&limit=500", symbol.to_lowercase())).await;
    assert!(
        one["decisions"]
            .as_array()
            .is_some_and(|v| !v.is_empty() && v.iter().all(|d| d["symbol"] == symbol.as_str()))
    );

    let resp = app
        .client
        .get(format!("{}/api/decisions?kind=why", app.base))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(resp.status(), 422);
    let body: Value = resp.json().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(body["fields"][0]["field"], "kind");
    let anonymous =
        app.client.get(format!("{}/api/decisions", app.base)).send().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(anonymous.status(), 401);
    app.stop().await;
}
