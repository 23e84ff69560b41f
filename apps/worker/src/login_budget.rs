//! `LoginAuditBudget`: how many failed or throttled login attempts reach the audit log each
//! minute. The login limiter stops one address or one username from guessing, not a spray from
//! many addresses; without a bound every attempt of such a spray would add a row to the
//! hash-chained audit log, which is never pruned. Successes are always recorded. Attempts held
//! back are counted and written as one `suppressed` row with the first login event of a later
//! minute, so the log still says that they happened and how many there were.

use mirai_core::Timestamp;

/// Failed or throttled attempts written to the audit log per calendar minute (UTC).
pub const FAILED_LOGINS_AUDITED_PER_MINUTE: u32 = 60;

const MINUTE_MS: i64 = 60_000;

#[derive(Debug)]
pub struct LoginAuditBudget {
    per_minute: u32,
    minute: i64,
    used: u32,
    held: Option<Suppressed>,
}

/// Attempts held back: how many, and the first and last of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Suppressed {
    pub count: u64,
    pub from: Timestamp,
    pub to: Timestamp,
}

/// What to write for one login event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Admission {
    /// The attempts held back in earlier minutes, to be written first.
    pub summary: Option<Suppressed>,
    /// Whether the event itself is written.
    pub record: bool,
}

impl LoginAuditBudget {
    pub fn new(per_minute: u32) -> Self {
        Self { per_minute, minute: i64::MIN, used: 0, held: None }
    }

    /// Decides for an event at `at`; `failed` for a failure or a throttled attempt.
    pub fn admit(&mut self, at: Timestamp, failed: bool) -> Admission {
        let minute = at.millis().div_euclid(MINUTE_MS);
        let mut summary = None;
        if minute != self.minute {
            summary = self.held.take();
            self.minute = minute;
            self.used = 0;
        }
        let record = !failed || self.used < self.per_minute;
        if failed && record {
            self.used += 1;
        } else if !record {
            let held = self.held.get_or_insert(Suppressed { count: 0, from: at, to: at });
            held.count += 1;
            held.to = at;
        }
        Admission { summary, record }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_795_000_040_000; // 20 s into a minute

    fn at(ms: i64) -> Timestamp {
        Timestamp::from_millis(T0 + ms)
    }

    #[test]
    fn failures_past_the_budget_are_counted_and_summed_up_in_a_later_minute() {
        let mut b = LoginAuditBudget::new(3);
        let written: Vec<bool> = (0..5).map(|i| b.admit(at(i * 100), true).record).collect();
        assert_eq!(written, [true, true, true, false, false]);
        // A success is always written, and its minute has not changed: no summary yet.
        assert_eq!(b.admit(at(600), false), Admission { summary: None, record: true });
        assert_eq!(b.admit(at(700), true), Admission { summary: None, record: false });
        // The next minute: the three held back are reported once, and the budget is fresh.
        let next = b.admit(at(40_000), true);
        assert_eq!(next.summary, Some(Suppressed { count: 3, from: at(300), to: at(700) }));
        assert!(next.record);
        assert_eq!(b.admit(at(40_100), true).summary, None, "reported once");
    }

    #[test]
    fn a_quiet_budget_never_holds_anything_back() {
        let mut b = LoginAuditBudget::new(FAILED_LOGINS_AUDITED_PER_MINUTE);
        for i in 0..1_000 {
            // One failure a second: well under sixty a minute.
            let a = b.admit(at(i * 1_000), i % 7 == 0);
            assert_eq!(a, Admission { summary: None, record: true }, "event {i}");
        }
    }
}
