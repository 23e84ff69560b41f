//! `GET /api/backtests` on a running worker: the jobs it keeps, newest first, a page at a time,
//! each with its status and, once done, the headline of its result.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::*;

impl TestApp {
    async fn start_backtest(&self, body: &Value) -> String {
        let resp = self
            .client
            .post(format!("{}/api/backtests", self.base))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(resp.status(), 202);
        let job: Value = resp.json().await.unwrap_or_else(|e| panic!("{e}"));
        job["id"].as_str().unwrap_or_else(|| panic!("{job}")).to_owned()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_pages_newest_first_with_each_finished_jobs_headline() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let app = spawn(dir.path()).await;
    let empty = app.get("/api/backtests").await;
    assert_eq!((empty["backtests"].clone(), empty["next"].clone()), (json!([]), Value::Null));

    let first = app
        .start_backtest(
            &json!({ "params": { "fast": 5, "slow": 20 }, "data": { "generated": { "bars": 2000 } } }),
        )
        .await;
    // Created a millisecond apart at least, so that their order is their creation's.
    tokio::time::sleep(Duration::from_millis(5)).await;
    let second = app.start_backtest(&json!({ "params": { "fast": 3, "slow": 30 }, "data": { "generated": { "bars": 3000, "seed": 7 } } })).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    for id in [&first, &second] {
        while app.get(&format!("/api/backtests/{id}")).await["status"] != "done" {
            assert!(Instant::now() < deadline, "backtest {id} not done in 60 s");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    let page = app.get("/api/backtests?limit=1").await;
    let newest = &page["backtests"][0];
    assert_eq!(newest["id"], second.as_str());
    let cursor = page["next"].as_str().unwrap_or_else(|| panic!("a next page: {page}"));
    let page = app.get(&format!("/api/backtests?limit=1&cursor={cursor}")).await;
    assert_eq!(page["backtests"][0]["id"], first.as_str());
    assert_eq!(page["next"], Value::Null, "two jobs, two pages");

    // Each job as its own route shows it, and its result's headline.
    for job in app.get("/api/backtests").await["backtests"].as_array().cloned().unwrap_or_default() {
        let id = job["id"].as_str().unwrap_or_default();
        let progress = app.get(&format!("/api/backtests/{id}")).await;
        for field in ["status", "bars_done", "bars_total", "created_at", "finished_at", "request"] {
            assert_eq!(job[field], progress[field], "{id} {field}");
        }
        let result = app.get(&format!("/api/backtests/{id}/result")).await;
        let m = &job["metrics"];
        assert_eq!(
            (m["trades"].clone(), m["open_trades"].clone()),
            (result["trades"].clone(), result["open_trades"].clone())
        );
        assert_eq!(m["final_equity"], result["final_equity"], "{id}");
        let as_ratio = |v: &Value| v.as_f64().map(|f| (f * 10_000.0).round() / 10_000.0);
        let shown = |v: &Value| v.as_str().map(|s| s.parse::<f64>().unwrap_or(f64::NAN));
        for (headline, full) in [("return_pct", "return_pct"), ("max_drawdown_pct", "max_drawdown_pct")] {
            let (a, b) = (shown(&m[headline]), as_ratio(&result[full]));
            assert!(a.zip(b).is_some_and(|(a, b)| (a - b).abs() < 1e-9), "{id} {headline}: {a:?} vs {b:?}");
        }
    }

    let resp = app
        .client
        .get(format!("{}/api/backtests?limit=501", app.base))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(resp.status(), 422);
    let anonymous =
        app.client.get(format!("{}/api/backtests", app.base)).send().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(anonymous.status(), 401);
    app.stop().await;
}
