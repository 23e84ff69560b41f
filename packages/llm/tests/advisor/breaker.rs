//! The circuit breaker: after `breaker_failures` failed decisions in a row the model is not asked
//! during the cool-down, and decisions fall back at once saying so.

use std::time::{Duration, Instant};

use mirai_core::Clock;
use mirai_llm::advisor::Source;

use crate::support::{Running, T, TempDir, advisor, fallback_reason, news, request_at, usage};

#[tokio::test]
async fn repeated_server_errors_open_the_breaker_and_the_model_is_not_asked() {
    let running = Running::start().await;
    let dir = TempDir::new("breaker");
    let mut s = running.settings("sim-500");
    s.breaker_failures = 2;
    s.breaker_cooldown = Duration::from_secs(600);
    let a = advisor(&s, dir.path(), Source::Network);
    let shown = [news(1)];

    for i in 0..2 {
        let advice = a.advise(&request_at(T + i * 60_000), &shown).await.expect("never errs");
        assert!(fallback_reason(&advice).contains("server failed"), "{advice:?}");
        let used = usage(&advice).expect("the call was made");
        assert_eq!((used.tokens_in, used.tokens_out), (0, 0), "the server answered with an error");
    }
    assert_eq!(running.sim.calls(), 2, "one try each (no retries configured)");

    let started = Instant::now();
    let advice = a.advise(&request_at(T + 120_000), &shown).await.expect("never errs");
    let reason = fallback_reason(&advice);
    assert!(reason.contains("not asked again"), "{reason}");
    assert!(reason.contains("failed repeatedly"), "{reason}");
    assert_eq!(running.sim.calls(), 2, "an open breaker makes no call");
    assert_eq!(usage(&advice), None, "no call, so no usage");
    assert!(started.elapsed() < Duration::from_secs(2), "an open breaker answers at once");
    let stats = a.stats();
    assert_eq!(stats.fallbacks, 3);
    assert_eq!(stats.last_fallback_reason.as_deref(), Some(reason));
    assert_eq!(stats.fallbacks_by_cause.get("server_error"), Some(&2), "{stats:?}");
    assert_eq!(stats.fallbacks_by_cause.get("breaker_open"), Some(&1), "{stats:?}");
    let until = stats.breaker_open_until.expect("the status says until when").millis();
    let now = mirai_core::SystemClock.now().millis();
    assert!(until > now && until <= now + 600_000, "open for the cool-down: {until} at {now}");
}
