//! The deadline: a rate limit asking to wait a day ends the decision at once (no wait, no retry),
//! and a server slower than the timeout is cut at the timeout; both fall back with the reason.

use std::time::{Duration, Instant};

use mirai_core::Decimal;
use mirai_llm::advisor::Source;
use mirai_llm::sim::RETRY_AFTER_SECS;

use crate::support::{Running, TempDir, advisor, fallback_reason, news, request, usage};

#[tokio::test]
async fn a_rate_limit_with_a_day_long_retry_after_falls_back_at_once_without_retrying() {
    let running = Running::start().await;
    let dir = TempDir::new("429");
    let mut s = running.settings("sim-429");
    s.timeout = Duration::from_secs(2);
    s.max_retries = 3;
    let a = advisor(&s, dir.path(), Source::Network);
    let started = Instant::now();
    let advice = a.advise(&request(), &[news(1)]).await.expect("a network advisor never errs");
    let elapsed = started.elapsed();
    let reason = fallback_reason(&advice);
    assert!(reason.contains("rate limit"), "{reason}");
    assert!(elapsed < s.timeout, "took {elapsed:?}: the server asked for {RETRY_AFTER_SECS} s");
    assert_eq!(running.sim.calls(), 1, "a rate limit is not retried");
    let stats = a.stats();
    assert_eq!(stats.fallbacks, 1);
    assert_eq!(stats.fallbacks_by_cause.get("rate_limited"), Some(&1), "{stats:?}");
}

#[tokio::test]
async fn a_server_slower_than_the_timeout_is_cut_at_the_timeout() {
    let running = Running::start().await;
    let dir = TempDir::new("slow");
    let mut s = running.settings("sim-slow");
    s.timeout = Duration::from_millis(300);
    let a = advisor(&s, dir.path(), Source::Network);
    let started = Instant::now();
    let advice = a.advise(&request(), &[news(1)]).await.expect("a network advisor never errs");
    let elapsed = started.elapsed();
    let reason = fallback_reason(&advice);
    assert!(reason.contains("no answer within"), "{reason}");
    assert!(
        elapsed < Duration::from_secs(1),
        "took {elapsed:?} with a 300 ms timeout (the server waits 30 s)"
    );
    // A call was made: its wait is recorded with the decision; nothing was counted or charged.
    let used = usage(&advice).expect("a call cut short still has its latency");
    assert_eq!((used.tokens_in, used.tokens_out, used.cost_usd), (0, 0, Decimal::ZERO), "{used:?}");
    assert!((300..1_000).contains(&used.latency_ms), "{used:?}");
    assert_eq!(running.sim.calls(), 1);
    let stats = a.stats();
    assert_eq!((stats.fallbacks, stats.calls), (1, 0), "no answer, so no answered call");
    assert_eq!(stats.fallbacks_by_cause.get("timeout"), Some(&1), "{stats:?}");
    let recorded = std::fs::read_dir(dir.path()).expect("the log's directory").count();
    assert_eq!(recorded, 0, "a call cut short leaves nothing to replay");
}
