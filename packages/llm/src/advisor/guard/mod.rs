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
mod tests;
