//! `LoginLimiter`: brute-force protection for the login route. Failed attempts are counted per
//! username tried and per client address; once either reaches the limit inside the window, that
//! key is locked for the lockout period and attempts on it are refused before the password is
//! checked. State lives in this process only, in a table of bounded size.

use std::net::IpAddr;
use std::sync::{Mutex, MutexGuard, PoisonError};

use mirai_core::Timestamp;

use super::bounded::{BoundedMap, Slot};

/// Default `LOGIN_MAX_FAILURES`.
pub const DEFAULT_MAX_FAILURES: u32 = 5;
/// Default `LOGIN_LOCKOUT_MINUTES`: both the window failures are counted in and the lockout.
pub const DEFAULT_LOCKOUT_MINUTES: u32 = 15;
/// Accepted range of `LOGIN_MAX_FAILURES`.
pub const MAX_FAILURES_RANGE: std::ops::RangeInclusive<u32> = 1..=1000;
/// Accepted range of `LOGIN_LOCKOUT_MINUTES` (one minute to one day).
pub const LOCKOUT_MINUTES_RANGE: std::ops::RangeInclusive<u32> = 1..=1440;
/// How many usernames and addresses are tracked at most; past this the least recently touched
/// entry is dropped, so a spray of distinct usernames cannot grow memory without bound.
pub const DEFAULT_CAPACITY: usize = 10_000;

/// How many failures lock a key, and for how long.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoginPolicy {
    pub max_failures: u32,
    pub lockout_minutes: u32,
}

impl Default for LoginPolicy {
    fn default() -> Self {
        Self { max_failures: DEFAULT_MAX_FAILURES, lockout_minutes: DEFAULT_LOCKOUT_MINUTES }
    }
}

impl LoginPolicy {
    /// Checks both values against their accepted ranges; each problem names its setting.
    pub fn new(max_failures: u32, lockout_minutes: u32) -> Result<Self, Vec<String>> {
        let mut problems = Vec::new();
        if !MAX_FAILURES_RANGE.contains(&max_failures) {
            problems.push(format!(
                "LOGIN_MAX_FAILURES must be between {} and {}",
                MAX_FAILURES_RANGE.start(),
                MAX_FAILURES_RANGE.end()
            ));
        }
        if !LOCKOUT_MINUTES_RANGE.contains(&lockout_minutes) {
            problems.push(format!(
                "LOGIN_LOCKOUT_MINUTES must be between {} and {}",
                LOCKOUT_MINUTES_RANGE.start(),
                LOCKOUT_MINUTES_RANGE.end()
            ));
        }
        if problems.is_empty() { Ok(Self { max_failures, lockout_minutes }) } else { Err(problems) }
    }

    fn window_ms(self) -> i64 {
        i64::from(self.lockout_minutes) * 60_000
    }
}

/// What is counted: the username tried (already sanitised) or the client's address.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Key {
    User(String),
    Addr(IpAddr),
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    failures: u32,
    window_start: i64,
    locked_until: Option<i64>,
    /// Attempts refused during the current lockout; only the first is audited.
    refused: u32,
    last_touched: i64,
    /// The window's length, to tell when the entry has run out.
    window: i64,
}

impl Slot for Entry {
    /// Nothing is locked and the window has run out: the key starts from zero either way.
    fn expired(&self, now: i64) -> bool {
        match self.locked_until {
            Some(until) => until <= now,
            None => now.saturating_sub(self.window_start) >= self.window,
        }
    }

    fn age(&self) -> i64 {
        self.last_touched
    }
}

/// The answer to "may this attempt check the password?".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// Locked: refuse without checking the password. `first` is true for the first refusal of
    /// this lockout (the one worth an audit entry).
    Locked {
        retry_after_secs: u64,
        first: bool,
    },
}

/// Per-process failure counters. Cheap to check: one mutex, no I/O.
#[derive(Debug)]
pub struct LoginLimiter {
    policy: LoginPolicy,
    capacity: usize,
    table: Mutex<BoundedMap<Key, Entry>>,
}

impl LoginLimiter {
    pub fn new(policy: LoginPolicy) -> Self {
        Self::with_capacity(policy, DEFAULT_CAPACITY)
    }

    /// As [`LoginLimiter::new`] with a different table size (at least 2: a username and an
    /// address), for tests of the bound.
    pub fn with_capacity(policy: LoginPolicy, capacity: usize) -> Self {
        let capacity = capacity.max(2);
        // One entry at a time when full: the least recently touched goes (SECURITY.md).
        Self { policy, capacity, table: Mutex::new(BoundedMap::new(capacity, 1)) }
    }

    pub fn policy(&self) -> LoginPolicy {
        self.policy
    }

    /// How many keys are tracked now.
    pub fn tracked(&self) -> usize {
        self.lock().len()
    }

    /// The table's size bound.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    fn lock(&self) -> MutexGuard<'_, BoundedMap<Key, Entry>> {
        // The table holds counters only; a panic elsewhere leaves it usable.
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn keys(username: &str, addr: Option<IpAddr>) -> impl Iterator<Item = Key> {
        std::iter::once(Key::User(username.to_owned())).chain(addr.map(Key::Addr))
    }

    /// Whether an attempt for `username` from `addr` may go ahead at `now`. A lock that has run
    /// out is cleared here.
    pub fn check(&self, username: &str, addr: Option<IpAddr>, now: Timestamp) -> Verdict {
        let now = now.millis();
        let mut table = self.lock();
        let mut verdict = Verdict::Allowed;
        for key in Self::keys(username, addr) {
            let Some(entry) = table.get_mut(&key) else { continue };
            match entry.locked_until {
                Some(until) if until > now => {
                    entry.refused = entry.refused.saturating_add(1);
                    let secs = u64::try_from((until - now + 999) / 1000).unwrap_or(1).max(1);
                    let first = entry.refused == 1;
                    verdict = match verdict {
                        Verdict::Allowed => Verdict::Locked { retry_after_secs: secs, first },
                        // Both keys locked: wait for the later one, audit if either is new.
                        Verdict::Locked { retry_after_secs, first: f } => Verdict::Locked {
                            retry_after_secs: retry_after_secs.max(secs),
                            first: first || f,
                        },
                    };
                }
                Some(_) => {
                    table.remove(&key);
                }
                None => {}
            }
        }
        verdict
    }

    /// Counts a failed attempt against the username and the address; a key reaching the limit
    /// inside the window is locked from `now` for the lockout period.
    pub fn record_failure(&self, username: &str, addr: Option<IpAddr>, now: Timestamp) {
        let now = now.millis();
        let window = self.policy.window_ms();
        let mut table = self.lock();
        let fresh = Entry {
            failures: 0,
            window_start: now,
            locked_until: None,
            refused: 0,
            last_touched: now,
            window,
        };
        for key in Self::keys(username, addr) {
            let entry = table.get_or_insert_with(key, now, || fresh);
            if now.saturating_sub(entry.window_start) >= window {
                *entry = fresh;
            }
            entry.failures = entry.failures.saturating_add(1);
            entry.last_touched = now;
            if entry.failures >= self.policy.max_failures && entry.locked_until.is_none() {
                entry.locked_until = Some(now.saturating_add(window));
            }
        }
    }

    /// A successful login proves the client holds the password: its username's and address's
    /// counters start again from zero.
    pub fn record_success(&self, username: &str, addr: Option<IpAddr>) {
        let mut table = self.lock();
        for key in Self::keys(username, addr) {
            table.remove(&key);
        }
    }
}

impl Default for LoginLimiter {
    fn default() -> Self {
        Self::new(LoginPolicy::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: i64) -> Timestamp {
        Timestamp::from_millis(ms)
    }

    #[test]
    fn policy_ranges_are_enforced() {
        assert_eq!(LoginPolicy::new(0, 0).expect_err("both bad").len(), 2);
        assert!(LoginPolicy::new(5, 0).is_err());
        assert!(LoginPolicy::new(5, 1441).is_err());
        assert_eq!(LoginPolicy::new(5, 15), Ok(LoginPolicy::default()));
    }

    #[test]
    fn failures_outside_the_window_start_a_new_count() {
        let l = LoginLimiter::new(LoginPolicy::new(2, 1).expect("policy"));
        l.record_failure("a", None, at(0));
        l.record_failure("a", None, at(60_000));
        assert_eq!(l.check("a", None, at(60_001)), Verdict::Allowed);
        l.record_failure("a", None, at(60_002));
        assert_eq!(l.check("a", None, at(60_003)), Verdict::Locked { retry_after_secs: 60, first: true });
        assert_eq!(l.check("a", None, at(60_004)), Verdict::Locked { retry_after_secs: 60, first: false });
    }
}
