//! The guards outlive the process: a spent budget stays spent and an open breaker stays open
//! after a restart (a crash loop cannot reopen either), a new UTC day starts from zero, a damaged
//! record fails closed, and a replay-only backtest never touches the worker's record.

use std::path::{Path, PathBuf};
use std::time::Duration;

use mirai_core::{Clock, Decimal, ExternalAdvice, SystemClock, Timestamp};
use mirai_llm::advisor::Source;
use mirai_llm::advisor::guard::{Prices, StateFile};
use serde_json::Value;

use crate::support::{Running, T, TempDir, advisor, dec, fallback_reason, model_advice, news, request_at};

/// A call log's directory whose guard record (beside it) is removed with it.
struct Log {
    dir: TempDir,
    state: PathBuf,
}

impl Log {
    fn new(name: &str) -> Self {
        let dir = TempDir::new(name);
        std::fs::create_dir_all(dir.path()).expect("the log's directory");
        let state = StateFile::beside(dir.path()).path().to_path_buf();
        Self { dir, state }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn record(&self) -> Value {
        serde_json::from_slice(&std::fs::read(&self.state).expect("the guard record")).expect("JSON")
    }

    fn write(&self, v: &Value) {
        std::fs::write(&self.state, serde_json::to_vec(v).expect("JSON")).expect("written");
    }

    fn damaged_copy(&self) -> PathBuf {
        let mut p = self.state.clone().into_os_string();
        p.push(".damaged");
        p.into()
    }
}

impl Drop for Log {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.state);
        let _ = std::fs::remove_file(self.damaged_copy());
    }
}

fn today() -> String {
    Timestamp::from_millis(SystemClock.now().millis()).to_iso8601()[..10].to_owned()
}

#[tokio::test]
async fn a_spent_budget_stays_spent_after_a_restart() {
    let running = Running::start().await;
    let log = Log::new("restart-budget");
    let mut s = running.settings("sim-follow");
    s.prices = Prices { input_per_mtok: dec("1"), output_per_mtok: dec("4") };
    s.daily_budget_usd = dec("0.001");
    let shown = [news(1)];

    let first = advisor(&s, log.path(), Source::Network);
    let mut i = 0;
    while matches!(
        first.advise(&request_at(T + i * 60_000), &shown).await.expect("never errs"),
        ExternalAdvice::Model(_)
    ) {
        i += 1;
        assert!(i < 20, "the budget never closed");
    }
    let before = first.stats();
    assert!(before.spent_today_usd >= s.daily_budget_usd, "{before:?}");
    let asked = running.sim.calls();
    drop(first);

    let record = log.record();
    assert_eq!(record["day"], today());
    assert_eq!(record["spent_usd"].as_str().map(dec), Some(before.spent_today_usd), "{record}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&log.state).expect("the record").permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "owner-only");
    }

    let restarted = advisor(&s, log.path(), Source::Network);
    let after = restarted.stats();
    assert_eq!(after.spent_today_usd, before.spent_today_usd, "the day's spend is read back");
    assert_eq!((after.calls, after.tokens_in), (before.calls, before.tokens_in));
    let advice = restarted.advise(&request_at(T + 3_600_000), &shown).await.expect("never errs");
    let reason = fallback_reason(&advice);
    assert!(reason.contains("budget") && reason.contains("spent"), "{reason}");
    assert_eq!(running.sim.calls(), asked, "a restart did not reopen the budget");
    assert_eq!(restarted.stats().fallbacks_by_cause.get("budget_spent"), Some(&2), "one before, one after");
}

#[tokio::test]
async fn an_open_breaker_stays_open_after_a_restart_until_its_time() {
    let running = Running::start().await;
    let log = Log::new("restart-breaker");
    let mut s = running.settings("sim-500");
    s.breaker_failures = 1;
    s.breaker_cooldown = Duration::from_secs(600);
    let shown = [news(1)];

    let first = advisor(&s, log.path(), Source::Network);
    let advice = first.advise(&request_at(T), &shown).await.expect("never errs");
    assert!(fallback_reason(&advice).contains("server failed"), "{advice:?}");
    drop(first);
    assert_eq!(running.sim.calls(), 1);

    let restarted = advisor(&s, log.path(), Source::Network);
    assert!(restarted.stats().breaker_open_until.is_some(), "the status shows the open breaker");
    let advice = restarted.advise(&request_at(T + 60_000), &shown).await.expect("never errs");
    assert!(fallback_reason(&advice).contains("not asked again"), "{advice:?}");
    assert_eq!(running.sim.calls(), 1, "a restart did not close the breaker");
    drop(restarted);

    // Its time has come: the cool-down ended while the worker was down.
    let mut record = log.record();
    let until = record["breaker_open_until_ms"].as_i64().expect("the breaker's time");
    record["breaker_open_until_ms"] = Value::from(until - 600_000);
    log.write(&record);
    let later = advisor(&s, log.path(), Source::Network);
    let advice = later.advise(&request_at(T + 120_000), &shown).await.expect("never errs");
    assert!(fallback_reason(&advice).contains("server failed"), "asked again: {advice:?}");
    assert_eq!(running.sim.calls(), 2, "half-open after the cool-down");
    assert!(later.stats().breaker_open_until.is_some(), "and open again after that failure");
}

#[tokio::test]
async fn a_new_utc_day_starts_from_zero() {
    let running = Running::start().await;
    let log = Log::new("new-day");
    let s = running.settings("sim-follow");
    log.write(&serde_json::json!({
        "version": 1,
        "day": "2001-01-01",
        "spent_usd": "1000",
        "calls": 7, "tokens_in": 70, "tokens_out": 7, "fallbacks": 3,
        "fallbacks_by_cause": {"timeout": 3},
        "last_fallback_reason": "no answer within 8000 ms",
        "closed": "the old day was closed",
        "breaker_failures": 0,
        "breaker_open_until_ms": null
    }));
    let a = advisor(&s, log.path(), Source::Network);
    let stats = a.stats();
    assert_eq!((stats.calls, stats.fallbacks, stats.spent_today_usd), (0, 0, Decimal::ZERO), "{stats:?}");
    assert!(stats.fallbacks_by_cause.is_empty() && stats.budget_closed_reason.is_none(), "{stats:?}");
    model_advice(&a.advise(&request_at(T), &[news(1)]).await.expect("never errs"));
    assert_eq!(a.stats().calls, 1);
    let record = log.record();
    assert_eq!((record["day"].as_str(), record["calls"].as_u64()), (Some(today().as_str()), Some(1)));
}

#[tokio::test]
async fn a_damaged_record_fails_closed_and_keeps_the_evidence() {
    let running = Running::start().await;
    let log = Log::new("damaged");
    let s = running.settings("sim-follow");
    std::fs::write(&log.state, b"{\"version\":1,\"day\":").expect("written");

    let a = advisor(&s, log.path(), Source::Network);
    let closed = a.stats().budget_closed_reason.expect("the status says why the budget is closed");
    assert!(closed.contains("is damaged"), "{closed}");
    let advice = a.advise(&request_at(T), &[news(1)]).await.expect("never errs");
    let reason = fallback_reason(&advice);
    assert!(reason.contains("cannot be known") && reason.contains("00:00 UTC"), "{reason}");
    assert_eq!(running.sim.calls(), 0, "an unknown spend asks nothing");
    assert_eq!(a.stats().fallbacks_by_cause.get("budget_unknown"), Some(&1));
    assert_eq!(std::fs::read(log.damaged_copy()).expect("the copy"), b"{\"version\":1,\"day\":");
    drop(a);

    let restarted = advisor(&s, log.path(), Source::Network);
    let advice = restarted.advise(&request_at(T + 60_000), &[news(1)]).await.expect("never errs");
    assert!(fallback_reason(&advice).contains("cannot be known"), "a restart stays closed: {advice:?}");
    assert_eq!(running.sim.calls(), 0);
}

#[tokio::test]
async fn a_replay_only_advisor_never_touches_the_record() {
    let running = Running::start().await;
    let log = Log::new("replay-untouched");
    let s = running.settings("sim-follow");
    let live = advisor(&s, log.path(), Source::Network);
    model_advice(&live.advise(&request_at(T), &[news(1)]).await.expect("never errs"));
    drop(live);
    let before = std::fs::read(&log.state).expect("the worker's record");

    let replay = advisor(&s, log.path(), Source::ReplayOnly);
    model_advice(&replay.advise(&request_at(T), &[news(1)]).await.expect("recorded"));
    assert!(replay.advise(&request_at(T + 60_000), &[news(1)]).await.is_err(), "never recorded");
    let stats = replay.stats();
    assert_eq!((stats.calls, stats.fallbacks), (1, 0), "its own counts, in memory");
    drop(replay);
    assert_eq!(std::fs::read(&log.state).expect("still there"), before, "byte for byte");

    std::fs::remove_file(&log.state).expect("removed");
    let replay = advisor(&s, log.path(), Source::ReplayOnly);
    model_advice(&replay.advise(&request_at(T), &[news(1)]).await.expect("recorded"));
    drop(replay);
    assert!(!log.state.exists(), "a replay creates no record");
}
