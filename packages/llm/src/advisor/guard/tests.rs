//! Tests of `guard`.

use super::state::{date, parse_date};
use super::*;
use rust_decimal_macros::dec;
use std::fs;
use std::path::{Path, PathBuf};

const DAY: i64 = 86_400_000;
/// Noon, 2023-11-14 UTC.
const NOON: i64 = 19_675 * DAY + DAY / 2;

fn temp_log(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mirai-guard-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn cleanup(dir: &Path) {
    let file = StateFile::beside(dir);
    let _ = fs::remove_file(file.path());
    let mut aside = file.path().as_os_str().to_owned();
    aside.push(".damaged");
    let _ = fs::remove_file(aside);
    let _ = fs::remove_dir_all(dir);
}

fn guards(dir: &Path, usd: Decimal, now: i64) -> Guards {
    Guards::persisted(usd, Breaker::new(2, 60_000), StateFile::beside(dir), now)
}

#[test]
fn the_breaker_opens_after_repeated_failures_and_half_opens_after_the_cooldown() {
    let mut b = Breaker::new(3, 1_000);
    b.failure(0);
    b.failure(1);
    assert_eq!(b.refuses(2), None, "two failures are not yet a pattern");
    b.failure(2);
    assert_eq!(b.refuses(3), Some(1_002));
    assert_eq!(b.refuses(1_002), None, "half-open after the cooldown");
    b.failure(1_002);
    assert_eq!(b.refuses(1_003), Some(2_002), "one failure when half-open opens it again");
    b.success();
    assert_eq!(b.refuses(1_003), None);
    b.failure(1_004);
    assert_eq!(b.refuses(1_005), None, "a success reset the count");
}

#[test]
fn the_budget_fails_closed_once_spent_and_opens_the_next_utc_day() {
    let mut g = Guards::in_memory(dec!(0.01), Breaker::new(3, 1_000), 0);
    assert_eq!(g.refusal(0), None);
    g.paid(0, 1, 1, dec!(0.006));
    assert_eq!(g.refusal(1), None);
    g.paid(1, 1, 1, dec!(0.006));
    assert_eq!(g.refusal(2), Some(Refusal::BudgetSpent { limit: dec!(0.01), spent: dec!(0.012) }));
    g.sync(3);
    assert_eq!(g.spent_today(), dec!(0.012), "in memory, a sync keeps the totals");
    assert_eq!(g.refusal(DAY), None, "a new day");
    assert_eq!(g.today(DAY).calls, 0);
    let none = Guards::in_memory(Decimal::ZERO, Breaker::new(3, 1_000), 0).refusal(0);
    assert!(matches!(none, Some(Refusal::BudgetSpent { .. })), "a zero budget allows nothing");
}

#[test]
fn cost_is_exact() {
    let p = Prices { input_per_mtok: dec!(0.15), output_per_mtok: dec!(0.60) };
    assert_eq!(p.cost(1_000, 200), dec!(0.00027));
}

#[test]
fn dates_round_trip_and_nonsense_is_refused() {
    assert_eq!(date(19_675), "2023-11-14");
    assert_eq!(parse_date("2023-11-14"), Some(19_675));
    assert_eq!(parse_date("1970-01-01"), Some(0));
    for bad in ["2023-02-30", "2023-11-1", "23-11-14", "2023-11-14x", "", "yesterday"] {
        assert_eq!(parse_date(bad), None, "{bad}");
    }
}

#[test]
fn spend_counts_and_the_breaker_survive_a_restart() {
    let dir = temp_log("restart");
    let mut g = guards(&dir, dec!(0.01), NOON);
    g.paid(NOON, 100, 20, dec!(0.012));
    g.fell_back(NOON, FallbackCause::Timeout, "no answer within 8000 ms");
    g.outage(NOON + 1);
    g.outage(NOON + 2);
    g.sync(NOON + 2);
    drop(g);

    let mut again = guards(&dir, dec!(0.01), NOON + 10);
    assert_eq!(again.refusal(NOON + 10), Some(Refusal::BreakerOpen { until_ms: NOON + 60_002 }));
    assert_eq!(
        again.refusal(NOON + 60_002),
        Some(Refusal::BudgetSpent { limit: dec!(0.01), spent: dec!(0.012) }),
        "the breaker's cool-down is over, and the budget is still spent"
    );
    let t = again.today(NOON + 10);
    assert_eq!((t.calls, t.tokens_in, t.tokens_out, t.fallbacks), (1, 100, 20, 1));
    assert_eq!(t.by_cause.get("timeout"), Some(&1));
    assert_eq!(t.last_fallback_reason.as_deref(), Some("no answer within 8000 ms"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(StateFile::beside(&dir).path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    let mut tomorrow = guards(&dir, dec!(0.01), NOON + DAY);
    assert_eq!(tomorrow.refusal(NOON + DAY), None, "a new UTC day starts from zero");
    assert_eq!(tomorrow.today(NOON + DAY).fallbacks, 0);
    cleanup(&dir);
}

#[test]
fn two_processes_on_one_log_add_up_instead_of_overwriting() {
    let dir = temp_log("two");
    let mut worker = guards(&dir, dec!(1), NOON);
    let mut backtest = guards(&dir, dec!(1), NOON);
    worker.paid(NOON, 10, 1, dec!(0.3));
    worker.sync(NOON);
    backtest.paid(NOON + 1, 10, 1, dec!(0.4));
    backtest.fell_back(NOON + 1, FallbackCause::InvalidAnswer, "the answer is not JSON");
    backtest.sync(NOON + 1);
    assert_eq!(backtest.spent_today(), dec!(0.7), "the backtest sees the worker's spend");
    worker.paid(NOON + 2, 10, 1, dec!(0.4));
    worker.sync(NOON + 2);
    assert_eq!(worker.spent_today(), dec!(1.1));
    assert!(matches!(worker.refusal(NOON + 3), Some(Refusal::BudgetSpent { .. })));
    let t = guards(&dir, dec!(1), NOON + 4).today(NOON + 4);
    assert_eq!((t.calls, t.fallbacks, t.spent_usd), (3, 1, dec!(1.1)));
    cleanup(&dir);
}

#[test]
fn a_damaged_record_closes_the_day_keeps_a_copy_and_stays_closed_after_a_restart() {
    let dir = temp_log("damaged");
    let file = StateFile::beside(&dir);
    fs::write(file.path(), b"{\"version\":1,\"day\":\"2023-11-14\",\"spent_usd\":").unwrap();
    let mut g = guards(&dir, dec!(5), NOON);
    let Some(Refusal::BudgetUnknown { why }) = g.refusal(NOON) else { panic!("{:?}", g.refusal(NOON)) };
    assert!(why.contains("is damaged") && why.contains(".damaged"), "{why}");
    let mut aside = file.path().as_os_str().to_owned();
    aside.push(".damaged");
    assert!(fs::read(&aside).unwrap().starts_with(b"{\"version\":1"), "the damaged bytes are kept");
    drop(g);

    let mut restarted = guards(&dir, dec!(5), NOON + 1);
    assert!(matches!(restarted.refusal(NOON + 1), Some(Refusal::BudgetUnknown { .. })), "still closed");
    assert_eq!(restarted.refusal(NOON + DAY), None, "the next UTC day is known to start at zero");

    // Deleting the record is how an operator reopens the day by hand.
    let mut closed = guards(&dir, dec!(5), NOON + 2);
    fs::remove_file(file.path()).unwrap();
    closed.fell_back(NOON + 2, FallbackCause::BudgetUnknown, "closed");
    closed.sync(NOON + 2);
    assert_eq!(closed.refusal(NOON + 3), None);
    cleanup(&dir);
}

#[test]
fn a_record_with_negative_spend_or_an_unknown_version_is_damage_not_zero() {
    let dir = temp_log("invalid");
    let file = StateFile::beside(&dir);
    let mut wire = Record {
        totals: DayTotals { spent_usd: dec!(-1), ..DayTotals::new(19_675) },
        breaker_failures: 0,
        breaker_open_until_ms: None,
    }
    .to_wire();
    fs::write(file.path(), serde_json::to_vec(&wire).unwrap()).unwrap();
    assert!(matches!(guards(&dir, dec!(5), NOON).refusal(NOON), Some(Refusal::BudgetUnknown { .. })));
    wire.spent_usd = dec!(0);
    wire.version = 2;
    fs::write(file.path(), serde_json::to_vec(&wire).unwrap()).unwrap();
    assert!(matches!(guards(&dir, dec!(5), NOON).refusal(NOON), Some(Refusal::BudgetUnknown { .. })));
    cleanup(&dir);
}

#[test]
fn a_record_that_cannot_be_written_closes_the_day() {
    let dir = temp_log("unwritable");
    let mut g = guards(&dir, dec!(5), NOON);
    // A directory where the record should be: the rename over it fails.
    fs::create_dir_all(StateFile::beside(&dir).path()).unwrap();
    g.paid(NOON, 1, 1, dec!(0.001));
    g.sync(NOON);
    let Some(Refusal::BudgetUnknown { why }) = g.refusal(NOON) else { panic!("{:?}", g.refusal(NOON)) };
    assert!(why.contains("could not be written"), "{why}");
    let _ = fs::remove_dir_all(StateFile::beside(&dir).path());
    cleanup(&dir);
}

#[test]
fn every_cause_has_its_own_key() {
    let keys: std::collections::BTreeSet<_> = FallbackCause::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(keys.len(), FallbackCause::ALL.len());
    assert_eq!(FallbackCause::from(&CallFailure::Transport("x".into())), FallbackCause::Network);
    assert_eq!(FallbackCause::from(&CallFailure::NoMessage), FallbackCause::InvalidAnswer);
}
