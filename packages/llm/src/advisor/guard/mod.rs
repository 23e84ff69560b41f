//! What bounds the model's time and money: a circuit breaker (after repeated failures the model
//! is not asked for a cool-down, and decisions fall back to the rules at once), a daily budget in
//! US dollars that fails closed, the day's totals `/api/status` shows with fallbacks counted by
//! cause, and the small file that keeps all of it across restarts.
//!
//! Times here are wall-clock milliseconds given by the caller: money is spent in real days, and
//! the breaker protects real latency; neither may follow a replayed market clock.
//!
//! The file sits beside the call log (`DATA_DIR/llm-calls.guard.json` for the worker), so every
//! process spending from one log (the worker, a `backtest --record`) shares one budget. Each
//! process adds what it did since its last write to what the file holds, under a lock on the
//! log's directory, rather than overwriting it: two processes never erase each other's spend.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

mod state;

pub use state::StateFile;
use state::{Record, utc_day};

use super::chat::CallFailure;

/// Opens after `threshold` failures in a row; stays open for `cooldown_ms`; then lets one call
/// through (half-open): a success closes it, a failure opens it again.
#[derive(Clone, Debug)]
pub struct Breaker {
    threshold: u32,
    cooldown_ms: i64,
    failures: u32,
    open_until: Option<i64>,
}

impl Breaker {
    pub fn new(threshold: u32, cooldown_ms: i64) -> Self {
        Self { threshold: threshold.max(1), cooldown_ms: cooldown_ms.max(0), failures: 0, open_until: None }
    }

    /// `Some(until)` while calls are refused.
    pub fn refuses(&self, now_ms: i64) -> Option<i64> {
        self.open_until.filter(|until| now_ms < *until)
    }

    pub fn success(&mut self) {
        self.failures = 0;
        self.open_until = None;
    }

    pub fn failure(&mut self, now_ms: i64) {
        self.failures = self.failures.saturating_add(1);
        let half_open = self.open_until.is_some_and(|until| now_ms >= until);
        if self.failures >= self.threshold || half_open {
            self.open_until = Some(now_ms.saturating_add(self.cooldown_ms));
        }
    }

    fn restore(&mut self, failures: u32, open_until: Option<i64>) {
        self.failures = failures;
        self.open_until = open_until;
    }
}

/// Prices per million tokens, in US dollars.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Prices {
    pub input_per_mtok: Decimal,
    pub output_per_mtok: Decimal,
}

impl Prices {
    /// What `tokens_in` and `tokens_out` cost.
    pub fn cost(&self, tokens_in: u32, tokens_out: u32) -> Decimal {
        let m = Decimal::from(1_000_000);
        (Decimal::from(tokens_in) * self.input_per_mtok + Decimal::from(tokens_out) * self.output_per_mtok)
            / m
    }
}

/// Why a decision fell back to the rules. A closed set, so that counts stay comparable across
/// days and versions; the words of each reason are on the decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FallbackCause {
    /// No answer by the deadline.
    Timeout,
    /// 429.
    RateLimited,
    /// 5xx or an unreadable response, after the retries.
    ServerError,
    /// The server could not be reached.
    Network,
    /// 401, 403, 404 (a wrong key, an unknown model), or no client at all.
    Misconfigured,
    /// Any other 4xx.
    RequestRefused,
    BreakerOpen,
    BudgetSpent,
    /// The day's spend cannot be known (its record is damaged or cannot be written): closed.
    BudgetUnknown,
    /// An answer that is not JSON, off the schema, out of range, against the signal, citing news
    /// never shown, or with no content.
    InvalidAnswer,
    /// The model refused to answer.
    Refused,
}

impl FallbackCause {
    pub const ALL: [Self; 11] = [
        Self::Timeout,
        Self::RateLimited,
        Self::ServerError,
        Self::Network,
        Self::Misconfigured,
        Self::RequestRefused,
        Self::BreakerOpen,
        Self::BudgetSpent,
        Self::BudgetUnknown,
        Self::InvalidAnswer,
        Self::Refused,
    ];

    /// The key in `/api/status` `advisor.fallbacks_by_cause`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Timeout => "timeout",
            Self::RateLimited => "rate_limited",
            Self::ServerError => "server_error",
            Self::Network => "network",
            Self::Misconfigured => "misconfigured",
            Self::RequestRefused => "request_refused",
            Self::BreakerOpen => "breaker_open",
            Self::BudgetSpent => "budget_spent",
            Self::BudgetUnknown => "budget_unknown",
            Self::InvalidAnswer => "invalid_answer",
            Self::Refused => "refused",
        }
    }
}

impl std::fmt::Display for FallbackCause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<&CallFailure> for FallbackCause {
    fn from(failure: &CallFailure) -> Self {
        match failure {
            CallFailure::Timeout { .. } => Self::Timeout,
            CallFailure::RateLimited(_) => Self::RateLimited,
            CallFailure::Server(_) => Self::ServerError,
            CallFailure::Refused(_) => Self::RequestRefused,
            CallFailure::Misconfigured(_) => Self::Misconfigured,
            CallFailure::Transport(_) => Self::Network,
            CallFailure::NoMessage => Self::InvalidAnswer,
        }
    }
}

/// Why the guards refuse a call before it is made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    BreakerOpen { until_ms: i64 },
    BudgetSpent { limit: Decimal, spent: Decimal },
    BudgetUnknown { why: String },
}

impl Refusal {
    pub fn cause(&self) -> FallbackCause {
        match self {
            Self::BreakerOpen { .. } => FallbackCause::BreakerOpen,
            Self::BudgetSpent { .. } => FallbackCause::BudgetSpent,
            Self::BudgetUnknown { .. } => FallbackCause::BudgetUnknown,
        }
    }

    /// The fallback's recorded reason.
    pub fn reason(&self, now_ms: i64) -> String {
        match self {
            Self::BreakerOpen { until_ms } => format!(
                "the model failed repeatedly; not asked again for {} s",
                until_ms.saturating_sub(now_ms).saturating_add(999) / 1000
            ),
            Self::BudgetSpent { limit, spent } => format!(
                "today's model budget of ${limit} is spent (${spent}); deciding by the rules until 00:00 UTC"
            ),
            Self::BudgetUnknown { why } => {
                format!("today's model spend cannot be known ({why}); deciding by the rules until 00:00 UTC")
            }
        }
    }
}

/// One UTC day's totals: what was spent, asked and fallen back, and whether the day is closed
/// for a reason other than spending (its record was lost).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DayTotals {
    /// Days since 1970-01-01, UTC.
    pub day: i64,
    pub spent_usd: Decimal,
    pub calls: u64,
    pub tokens_in: u64,
    pub tokens_out: u64,
    pub fallbacks: u64,
    /// By [`FallbackCause::as_str`]; strings, so a cause written by a newer version is kept.
    pub by_cause: BTreeMap<String, u64>,
    pub last_fallback_reason: Option<String>,
    pub closed: Option<String>,
}

impl DayTotals {
    fn new(day: i64) -> Self {
        Self { day, ..Self::default() }
    }

    /// Adds what `more` counted; its last reason, if it has one, is the later one.
    fn add(&mut self, more: &DayTotals) {
        self.spent_usd += more.spent_usd;
        self.calls = self.calls.saturating_add(more.calls);
        self.tokens_in = self.tokens_in.saturating_add(more.tokens_in);
        self.tokens_out = self.tokens_out.saturating_add(more.tokens_out);
        self.fallbacks = self.fallbacks.saturating_add(more.fallbacks);
        for (cause, n) in &more.by_cause {
            let count = self.by_cause.entry(cause.clone()).or_default();
            *count = count.saturating_add(*n);
        }
        if more.last_fallback_reason.is_some() {
            self.last_fallback_reason.clone_from(&more.last_fallback_reason);
        }
        if self.closed.is_none() {
            self.closed.clone_from(&more.closed);
        }
    }

    fn is_empty(&self) -> bool {
        self.calls == 0 && self.fallbacks == 0 && self.spent_usd.is_zero()
    }
}

/// The breaker, the budget and the day's totals. With a [`StateFile`] they are written after
/// every change worth keeping ([`Guards::sync`]) and read back at start; without one (a
/// replay-only advisor, which spends nothing) they live in memory.
#[derive(Debug)]
pub struct Guards {
    daily_usd: Decimal,
    breaker: Breaker,
    /// Set when this process changed the breaker since the last write: its state then wins over
    /// the file's.
    breaker_changed: bool,
    /// The totals as of the last write (every process's).
    synced: DayTotals,
    /// What this process counted since, for the same day.
    pending: DayTotals,
    file: Option<StateFile>,
}

impl Guards {
    /// Guards kept in memory only.
    pub fn in_memory(daily_usd: Decimal, breaker: Breaker, now_ms: i64) -> Self {
        let day = utc_day(now_ms);
        Self {
            daily_usd,
            breaker,
            breaker_changed: false,
            synced: DayTotals::new(day),
            pending: DayTotals::new(day),
            file: None,
        }
    }

    /// Guards kept in `file`, starting from what it holds. A file that cannot be read or is
    /// damaged closes the budget for the rest of the UTC day (today's spend is unknown, and
    /// guessing zero could pay twice): a copy is kept beside it as `….damaged`, and a record
    /// saying the day is closed replaces it, so a restart stays closed too.
    pub fn persisted(daily_usd: Decimal, breaker: Breaker, file: StateFile, now_ms: i64) -> Self {
        let mut g = Self::in_memory(daily_usd, breaker, now_ms);
        let _lock = file.lock();
        match file.read() {
            Ok(None) => {}
            Ok(Some(record)) => {
                g.breaker.restore(record.breaker_failures, record.breaker_open_until_ms);
                if record.totals.day >= g.synced.day {
                    g.pending = DayTotals::new(record.totals.day);
                    g.synced = record.totals;
                }
            }
            Err(damage) => {
                let why = file.set_aside(&damage);
                tracing::error!(path = %file.path().display(), %why, "the model's budget record is unusable; the model is not asked until 00:00 UTC");
                g.synced.closed = Some(why);
                if let Err(e) = file.write(&g.record()) {
                    tracing::error!(path = %file.path().display(), error = %e, "the model's budget record could not be replaced");
                }
            }
        }
        g.file = Some(file);
        g
    }

    /// `Some` when no call may be made now.
    pub fn refusal(&mut self, now_ms: i64) -> Option<Refusal> {
        self.roll(now_ms);
        if let Some(until_ms) = self.breaker.refuses(now_ms) {
            return Some(Refusal::BreakerOpen { until_ms });
        }
        if let Some(why) = &self.synced.closed {
            return Some(Refusal::BudgetUnknown { why: why.clone() });
        }
        let spent = self.spent_today();
        (spent >= self.daily_usd).then_some(Refusal::BudgetSpent { limit: self.daily_usd, spent })
    }

    /// A call made and answered: it cost `usd`, and the server is healthy.
    pub fn paid(&mut self, now_ms: i64, tokens_in: u32, tokens_out: u32, usd: Decimal) {
        self.roll(now_ms);
        self.count_call(tokens_in, tokens_out);
        self.pending.spent_usd += usd.max(Decimal::ZERO);
        self.breaker.success();
        self.breaker_changed = true;
    }

    /// An answer reused from the call log: counted, free, and no sign of the server's health.
    pub fn replayed(&mut self, now_ms: i64, tokens_in: u32, tokens_out: u32) {
        self.roll(now_ms);
        self.count_call(tokens_in, tokens_out);
    }

    /// A call that failed because the server, or the way to it, did.
    pub fn outage(&mut self, now_ms: i64) {
        self.breaker.failure(now_ms);
        self.breaker_changed = true;
    }

    pub fn fell_back(&mut self, now_ms: i64, cause: FallbackCause, reason: &str) {
        self.roll(now_ms);
        self.pending.fallbacks += 1;
        *self.pending.by_cause.entry(cause.as_str().to_owned()).or_default() += 1;
        self.pending.last_fallback_reason = Some(reason.to_owned());
    }

    pub fn daily_usd(&self) -> Decimal {
        self.daily_usd
    }

    pub fn spent_today(&self) -> Decimal {
        self.synced.spent_usd + self.pending.spent_usd
    }

    /// Today's totals as of `now_ms` (zeros once a new UTC day has begun).
    pub fn today(&self, now_ms: i64) -> DayTotals {
        let day = utc_day(now_ms);
        if day > self.synced.day {
            return DayTotals::new(day);
        }
        let mut t = self.synced.clone();
        t.add(&self.pending);
        t
    }

    pub fn breaker_open_until(&self, now_ms: i64) -> Option<i64> {
        self.breaker.refuses(now_ms)
    }

    /// Whether anything was counted since the last write.
    pub fn unsaved(&self) -> bool {
        self.breaker_changed || !self.pending.is_empty()
    }

    /// Writes what this process counted into the file, added to what the file holds now (another
    /// process may have spent meanwhile). A record that cannot be written closes the budget for
    /// the day: a restart would read an older, smaller spend.
    pub fn sync(&mut self, now_ms: i64) {
        self.roll(now_ms);
        let Some(file) = self.file.take() else {
            let pending = std::mem::replace(&mut self.pending, DayTotals::new(self.synced.day));
            self.synced.add(&pending);
            self.breaker_changed = false;
            return;
        };
        {
            let _lock = file.lock();
            let mut base = match file.read() {
                Ok(Some(r)) if r.totals.day > self.synced.day => {
                    // Another process is on a later day (its clock is ahead): what this process
                    // counted belongs to a day that record has already closed.
                    self.pending = DayTotals::new(r.totals.day);
                    self.synced.day = r.totals.day;
                    if !self.breaker_changed {
                        self.breaker.restore(r.breaker_failures, r.breaker_open_until_ms);
                    }
                    r.totals
                }
                Ok(Some(r)) => {
                    if !self.breaker_changed {
                        self.breaker.restore(r.breaker_failures, r.breaker_open_until_ms);
                    }
                    if r.totals.day == self.synced.day { r.totals } else { DayTotals::new(self.synced.day) }
                }
                // Deleted: an operator resetting the day (docs/operations.md), or never written.
                Ok(None) => DayTotals::new(self.synced.day),
                Err(damage) => {
                    // What this process last read is a floor, not the day's spend: closed.
                    let mut floor = self.synced.clone();
                    floor.closed = Some(file.set_aside(&damage));
                    floor
                }
            };
            base.add(&self.pending);
            self.synced = base;
            self.pending = DayTotals::new(self.synced.day);
            self.breaker_changed = false;
            if let Err(e) = file.write(&self.record()) {
                tracing::error!(path = %file.path().display(), error = %e, "the model's budget record could not be written; the model is not asked until 00:00 UTC");
                self.synced.closed =
                    Some(format!("its record {} could not be written: {e}", file.path().display()));
            }
        }
        self.file = Some(file);
    }

    fn count_call(&mut self, tokens_in: u32, tokens_out: u32) {
        self.pending.calls += 1;
        self.pending.tokens_in += u64::from(tokens_in);
        self.pending.tokens_out += u64::from(tokens_out);
    }

    /// A new UTC day starts from zero and reopens a budget closed for the old one.
    fn roll(&mut self, now_ms: i64) {
        let day = utc_day(now_ms);
        if day > self.synced.day {
            self.synced = DayTotals::new(day);
            self.pending = DayTotals::new(day);
        }
    }

    fn record(&self) -> Record {
        let mut totals = self.synced.clone();
        totals.add(&self.pending);
        Record {
            totals,
            breaker_failures: self.breaker.failures,
            breaker_open_until_ms: self.breaker.open_until,
        }
    }
}

#[cfg(test)]
mod tests {
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
}
