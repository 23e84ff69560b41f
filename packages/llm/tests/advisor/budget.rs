//! The daily budget fails closed: a zero budget asks nothing, and a small one stops the calls as
//! soon as what was spent reaches it; every refused decision falls back saying why.

use std::time::Duration;

use mirai_core::{Decimal, ExternalAdvice};
use mirai_llm::advisor::Source;
use mirai_llm::advisor::calls::CallLog;
use mirai_llm::advisor::guard::Prices;

use crate::support::{
    Running, T, TempDir, advisor, dec, fallback_reason, news, request, request_at, usage, within,
};

/// A refused decision must come back, whatever the budget's state: no test here may hang.
const LIMIT: Duration = Duration::from_secs(30);

#[test]
fn a_zero_budget_asks_nothing_and_falls_back_naming_the_budget() {
    within(LIMIT, zero_budget);
}

#[test]
fn a_small_budget_stops_the_calls_once_spent() {
    within(LIMIT, small_budget);
}

async fn zero_budget() {
    let running = Running::start().await;
    let dir = TempDir::new("budget-zero");
    let mut s = running.settings("sim-follow");
    s.daily_budget_usd = Decimal::ZERO;
    let a = advisor(&s, dir.path(), Source::Network);
    let advice = a.advise(&request(), &[news(1)]).await.expect("never errs");
    let reason = fallback_reason(&advice);
    assert!(reason.contains("budget"), "{reason}");
    assert_eq!(running.sim.calls(), 0, "no call when nothing may be spent");
    assert_eq!(usage(&advice), None, "no call, so no usage");
    let stats = a.stats();
    assert_eq!((stats.calls, stats.fallbacks), (0, 1));
    assert_eq!(stats.spent_today_usd, Decimal::ZERO);
}

async fn small_budget() {
    let running = Running::start().await;
    let dir = TempDir::new("budget-small");
    let mut s = running.settings("sim-follow");
    // The simulator counts about four characters a token; a prompt here is a few hundred tokens,
    // so each call costs a few ten-thousandths of a dollar and this budget lasts a few calls.
    s.prices = Prices { input_per_mtok: dec("1"), output_per_mtok: dec("4") };
    s.daily_budget_usd = dec("0.002");
    let a = advisor(&s, dir.path(), Source::Network);
    let shown = [news(1), news(2)];

    let mut answered = 0u64;
    let mut refused = 0u64;
    let mut charged = Decimal::ZERO;
    for i in 0..12 {
        let spent_before = a.stats().spent_today_usd;
        let advice = a.advise(&request_at(T + i * 60_000), &shown).await.expect("never errs");
        match &advice {
            ExternalAdvice::Model(m) => {
                assert!(spent_before < s.daily_budget_usd, "asked with {spent_before} already spent");
                let used = m.usage.expect("a served call's usage");
                assert!(used.tokens_in > 0 && used.cost_usd > Decimal::ZERO, "{used:?}");
                charged += used.cost_usd;
                assert_eq!(refused, 0, "once closed, the budget stays closed today");
                answered += 1;
            }
            ExternalAdvice::Fallback { reason, .. } => {
                assert!(
                    spent_before >= s.daily_budget_usd,
                    "refused with only {spent_before} spent: {reason}"
                );
                assert!(reason.contains("budget") && reason.contains("spent"), "{reason}");
                assert_eq!(usage(&advice), None, "a refused decision made no call");
                refused += 1;
            }
        }
        assert_eq!(running.sim.calls(), answered, "only the answered decisions reached the server");
    }
    assert!(answered >= 1 && refused >= 1, "the budget allowed {answered} calls and refused {refused}");

    let stats = a.stats();
    assert!(stats.spent_today_usd >= s.daily_budget_usd, "{stats:?}");
    assert_eq!(stats.cost_usd, stats.spent_today_usd);
    assert_eq!((stats.calls, stats.fallbacks), (answered, refused));

    // What was spent is what the recorded calls cost.
    let log = CallLog::open(dir.path()).expect("the log");
    let mut recorded = Decimal::ZERO;
    for entry in std::fs::read_dir(dir.path()).expect("the log's directory") {
        let name = entry.expect("an entry").file_name().to_string_lossy().into_owned();
        if let Some(key) = name.strip_suffix(".json") {
            let call = log.get(key).expect("readable").expect("recorded");
            assert!(call.tokens_in > 0, "{call:?}");
            recorded += call.cost_usd.parse::<Decimal>().expect("a decimal cost");
        }
    }
    assert_eq!(recorded, stats.spent_today_usd);
    assert_eq!(charged, stats.spent_today_usd, "the decisions' costs add up to what was spent");
}
