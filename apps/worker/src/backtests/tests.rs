//! Backtests on request, through the worker's HTTP API (the real app on a free port) and
//! through the job registry's bounds.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use mirai_web::{BackendError, BacktestRequest, JobStatus};
use serde_json::{Value, json};

use super::{BacktestJobs, Budget, Limits};
use crate::app::start;
use crate::config::Settings;

const PASSWORD: &str = "correct horse battery staple";

async fn app(dir: &std::path::Path) -> (crate::app::Running, reqwest::Client, String, String) {
    let env: HashMap<&str, String> = [
        ("PORT", "0".to_owned()),
        ("DATA_DIR", dir.display().to_string()),
        ("WEB_PASS", PASSWORD.to_owned()),
        ("JWT_SECRET", "test-jwt-secret-that-is-at-least-32-bytes-long".to_owned()),
    ]
    .into_iter()
    .collect();
    let settings = Settings::from_lookup(&|k| env.get(k).cloned()).expect("settings");
    let running = start(settings).await.expect("app starts");
    let base = format!("http://{}", running.addr);
    let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().expect("client");
    let login: Value = client
        .post(format!("{base}/api/auth/login"))
        .json(&json!({ "username": "admin", "password": PASSWORD }))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("login json");
    let token = login["token"].as_str().expect("token").to_owned();
    (running, client, base, token)
}

async fn send(req: reqwest::RequestBuilder, token: &str) -> (u16, Value) {
    let resp = req.bearer_auth(token).send().await.expect("request");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backtest_runs_on_request_and_matches_the_reference_engines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (running, client, base, token) = app(dir.path()).await;
    let body = json!({ "strategy": "sma-cross", "params": { "fast": 10, "slow": 20 }, "data": { "bundled": { "name": "goog-daily" } } });
    let (status, job) = send(client.post(format!("{base}/api/backtests")).json(&body), &token).await;
    assert_eq!(status, 202, "{job}");
    assert_eq!(job["bars_total"], 2148);
    let id = job["id"].as_str().expect("id").to_owned();

    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, job) = send(client.get(format!("{base}/api/backtests/{id}")), &token).await;
        assert_eq!(status, 200);
        if job["status"] == "done" {
            assert_eq!(job["bars_done"], 2148);
            break;
        }
        assert_ne!(job["status"], "failed", "{job}");
        assert!(Instant::now() < deadline, "not done in 30 s: {job}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (status, result) = send(client.get(format!("{base}/api/backtests/{id}/result")), &token).await;
    assert_eq!(status, 200);
    assert_eq!((result["trades"].as_u64(), result["open_trades"].as_u64()), (Some(46), Some(1)));
    assert_eq!(result["final_equity"], "69336.74099");
    assert_eq!(result["stats"]["max_drawdown_pct"].as_f64().map(|d| (d * 1000.0).round()), Some(-19578.0));
    assert_eq!(result["trade_list"].as_array().map(Vec::len), Some(46));

    // The worker's own checks, worded for the user.
    for (body, mention) in [
        (json!({ "data": { "bundled": { "name": "nasdaq" } } }), "no bundled series \"nasdaq\""),
        (
            json!({ "params": { "fast": 30, "slow": 20 }, "data": { "bundled": { "name": "goog-daily" } } }),
            "must be shorter",
        ),
        (
            json!({ "params": { "speed": 3 }, "data": { "bundled": { "name": "goog-daily" } } }),
            "no parameter \"speed\"",
        ),
        (json!({ "data": { "generated": { "bars": 10, "interval": "1y" } } }), "interval"),
    ] {
        let (status, err) = send(client.post(format!("{base}/api/backtests")).json(&body), &token).await;
        assert_eq!(status, 422, "{body}: {err}");
        let fields = err["fields"].as_array().cloned().unwrap_or_default();
        assert!(
            fields.iter().any(|f| [&f["field"], &f["message"]]
                .iter()
                .any(|v| v.as_str().unwrap_or_default().contains(mention))),
            "{err} lacks {mention}"
        );
    }
    let (status, _) = send(client.get(format!("{base}/api/backtests/bt-0000/result")), &token).await;
    assert_eq!(status, 404);
    running.stop().await;
}

fn generated(bars: u32) -> BacktestRequest {
    serde_json::from_value(json!({ "data": { "generated": { "bars": bars, "seed": 3 } } })).expect("request")
}

async fn wait_done(jobs: &BacktestJobs, id: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while jobs.view(id).expect("job").status != JobStatus::Done {
        assert!(Instant::now() < deadline, "job {id} did not finish");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_are_bounded_in_number_and_the_oldest_finished_are_forgotten() {
    let jobs = BacktestJobs::new(Limits { max_active: 1, max_kept: 2, ..Limits::default() });
    let first = jobs.create(generated(200_000)).expect("first");
    assert_eq!(first.bars_total, 200_000);
    match jobs.create(generated(100)) {
        Err(BackendError::Refused(m)) => assert!(m.contains("already running"), "{m}"),
        other => panic!("a second job while one runs: {other:?}"),
    }
    assert!(matches!(jobs.result(&first.id), Err(BackendError::Refused(m)) if m.contains("still running")));
    wait_done(&jobs, &first.id).await;
    let result = jobs.result(&first.id).expect("result");
    assert!(result.trades > 0);
    assert!(result.trade_list.as_array().is_some_and(|t| t.len() <= 500));
    let second = jobs.create(generated(100)).expect("second");
    wait_done(&jobs, &second.id).await;
    let third = jobs.create(generated(100)).expect("third");
    wait_done(&jobs, &third.id).await;
    assert!(matches!(jobs.view(&first.id), Err(BackendError::NotFound(_))), "the oldest went first");
    assert!(jobs.view(&second.id).is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_in_one_process_keep_their_own_backtests() {
    let (dir_a, dir_b) = (tempfile::tempdir().expect("tempdir"), tempfile::tempdir().expect("tempdir"));
    let (a, client, base_a, token_a) = app(dir_a.path()).await;
    let (b, _, base_b, token_b) = app(dir_b.path()).await;
    let body = json!({ "data": { "generated": { "bars": 100, "seed": 1 } } });
    let (status, job) = send(client.post(format!("{base_a}/api/backtests")).json(&body), &token_a).await;
    assert_eq!(status, 202, "{job}");
    let id = job["id"].as_str().expect("id").to_owned();
    let (status, _) = send(client.get(format!("{base_a}/api/backtests/{id}")), &token_a).await;
    assert_eq!(status, 200, "the worker that runs it knows it");
    let (status, err) = send(client.get(format!("{base_b}/api/backtests/{id}")), &token_b).await;
    assert_eq!(status, 404, "another worker in the same process must not see it: {err}");
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_finished_run_is_queued_for_analytics() {
    use mirai_core::AnalyticsRecord;
    use mirai_store_local::LocalStore;
    use mirai_store_local::outbox::OutboxTopic;

    let store = std::sync::Arc::new(LocalStore::open_in_memory().expect("store"));
    store.enable_outbox(&[OutboxTopic::Analytics]).expect("outbox on");
    let jobs = BacktestJobs::new(Limits::default()).recording_to(store.clone());
    let job = jobs.create(generated(2_000)).expect("job");
    wait_done(&jobs, &job.id).await;
    let result = jobs.result(&job.id).expect("result");

    let queued = store.outbox_next(OutboxTopic::Analytics, 10).expect("outbox");
    assert_eq!(queued.len(), 1, "one record per finished run");
    // Its 2,000 input bars are never recorded (nor shipped to CANDLES).
    let all = (mirai_core::Timestamp::from_millis(i64::MIN), mirai_core::Timestamp::from_millis(i64::MAX));
    assert!(store.candles(None, all.0, all.1).expect("candles").is_empty(), "backtest bars recorded");
    let AnalyticsRecord::BacktestRun(run) = &queued[0].record else {
        panic!("not a backtest run: {:?}", queued[0].record)
    };
    assert_eq!(run.id, job.id);
    assert_eq!(run.created_at, job.created_at);
    assert_eq!(run.strategy, "sma-cross");
    let metrics: Value = serde_json::from_str(&run.metrics_json).expect("metrics JSON");
    assert_eq!(metrics["trades"].as_u64(), Some(result.trades));
    assert_eq!(metrics["final_equity"], json!(result.final_equity));
    let data: Value = serde_json::from_str(&run.data_source).expect("data JSON");
    assert_eq!(data["generated"]["bars"], 2_000);
    let settings: Value = serde_json::from_str(&run.params_json).expect("params JSON");
    assert_eq!(settings["fill"], "next-open", "{settings}");

    // A registry without a store records nothing, and a failed run is not a finished one.
    let quiet = BacktestJobs::new(Limits::default());
    let other = quiet.create(generated(100)).expect("job");
    wait_done(&quiet, &other.id).await;
    assert_eq!(store.outbox_next(OutboxTopic::Analytics, 10).expect("outbox").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_past_its_time_budget_stops_and_says_why() {
    let budget = Budget { time: Duration::from_millis(1), ..Budget::default() };
    let jobs = BacktestJobs::new(Limits { budget, ..Limits::default() });
    let job = jobs.create(generated(1_000_000)).expect("job");
    let deadline = Instant::now() + Duration::from_secs(60);
    let view = loop {
        let view = jobs.view(&job.id).expect("job");
        if !matches!(view.status, JobStatus::Queued | JobStatus::Running) {
            break view;
        }
        assert!(Instant::now() < deadline, "the job ran on past its budget");
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    assert_eq!(view.status, JobStatus::Failed);
    let error = view.error.unwrap_or_default();
    assert!(error.contains("the worker allows 0.001 s a backtest"), "{error}");
    assert!(view.bars_done < 1_000_000, "{} bars done", view.bars_done);
    assert!(matches!(jobs.result(&job.id), Err(BackendError::Refused(m)) if m.contains("failed")));
    // The registry is free for the next request.
    let next = jobs.create(generated(100)).expect("next");
    assert_eq!(next.status, JobStatus::Queued);
}

#[test]
fn requests_beyond_the_budget_are_refused_naming_the_field() {
    let budget =
        Budget { max_bars: 1_000, memory_bytes: super::memory_bound(100, 0, 0), ..Budget::default() };
    let jobs = BacktestJobs::new(Limits { budget, ..Limits::default() });
    let field_of = |body: Value| match jobs.create(serde_json::from_value(body).expect("request")) {
        Err(BackendError::InvalidField { field, message }) => (field, message),
        other => panic!("not refused by field: {other:?}"),
    };
    let (field, message) = field_of(json!({ "data": { "generated": { "bars": 1_001 } } }));
    assert_eq!((field.as_str(), message.as_str()), ("data.bars", "must be from 1 to 1000"));
    let (field, message) = field_of(json!({ "data": { "generated": { "bars": 1_000 } } }));
    assert_eq!(field, "data.bars");
    assert_eq!(message, "a run of 1000 bars may need 4.1 MB; the worker allows 4.0 MB a backtest");
    let (field, message) =
        field_of(json!({ "params": { "fast": 2, "slow": 11 }, "data": { "generated": { "bars": 10 } } }));
    assert_eq!(field, "params.slow");
    assert_eq!(message, "a window of 11 bars needs at least 11 bars of data; the data has 10");
    // A window as long as the data is fine.
    let fits: BacktestRequest = serde_json::from_value(
        json!({ "params": { "fast": 2, "slow": 10 }, "data": { "generated": { "bars": 10 } } }),
    )
    .expect("request");
    let result = super::run_now(&fits, &budget).expect("a 10-bar window on 10 bars runs");
    assert_eq!(result.trades, 0);
}
