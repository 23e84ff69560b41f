//! `Event`: every alert the system sends, one variant per kind, each built from typed fields.
//! The text is rendered here and nowhere else, so no caller can slip a setting, a header or a
//! request into a message; free text that does come from elsewhere (a blocked reason, a halt's
//! cause) is still scrubbed by the [`crate::Redactor`] before it leaves.

use std::time::Duration;

use mirai_core::{Amount, Decimal};

/// How urgent an alert is: shown first in its text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "INFO",
            Severity::Warning => "WARNING",
            Severity::Critical => "CRITICAL",
        }
    }
}

/// An operator's control action, as alerts name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ControlKind {
    Pause,
    Resume,
    Kill,
}

impl ControlKind {
    /// From the audit log's `action` field.
    pub fn parse(action: &str) -> Option<Self> {
        match action {
            "pause" => Some(ControlKind::Pause),
            "resume" => Some(ControlKind::Resume),
            "kill" => Some(ControlKind::Kill),
            _ => None,
        }
    }
}

const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3_600);
const DAY: Duration = Duration::from_secs(86_400);

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// Kill switch, pause or resume, with who gave it (a dashboard user, `telegram:<chat id>`).
    Control { action: ControlKind, by: String },
    /// The trading task halted itself (a fill the ledger could not take).
    Halted { why: String },
    /// The worker started with the kill switch still on from an earlier run.
    StartedHalted,
    /// New orders are refused: the venue unreachable at start, reconciliation failed, live
    /// trading not approved.
    Blocked { reason: String },
    /// Orders are allowed again after [`Event::Blocked`].
    Unblocked,
    /// Failed (or locked-out) dashboard logins in a short window. No username: a password typed
    /// into the username field would otherwise be broadcast.
    FailedLogins { count: u64, minutes: u64, locked_out: bool },
    /// Binance answered 429 (rate limited) or 418 (IP banned); `times` since the last alert.
    Throttled { status: u16, times: u64 },
    /// The daily-loss gate refused an order: the day's loss reached its limit.
    DailyLoss { day: i64, detail: String },
    /// Live trading approved or its approval revoked; `overridden`: approved although the
    /// pre-flight failed, with what failed and the reason given.
    LiveApproval { approved: bool, by: String, overridden: Option<String> },
    /// Equity moved `level` steps of the threshold from the day's start (negative: down).
    Pnl { day: i64, level: i64, change_pct: Decimal, equity: Amount, day_start: Amount },
    /// A shipping destination is behind by more than the threshold.
    OutboxLag { topic: String, destination: String, lag_secs: u64, pending: u64 },
    /// `mirai alerts test`.
    Test,
}

impl Event {
    pub fn severity(&self) -> Severity {
        match self {
            Event::Control { action: ControlKind::Kill, .. }
            | Event::Halted { .. }
            | Event::StartedHalted
            | Event::Blocked { .. }
            | Event::DailyLoss { .. }
            | Event::Throttled { status: 418, .. }
            | Event::LiveApproval { overridden: Some(_), .. } => Severity::Critical,
            Event::Control { action: ControlKind::Pause, .. }
            | Event::FailedLogins { .. }
            | Event::Throttled { .. }
            | Event::LiveApproval { .. }
            | Event::OutboxLag { .. } => Severity::Warning,
            Event::Pnl { level, .. } if *level < 0 => Severity::Warning,
            Event::Control { action: ControlKind::Resume, .. }
            | Event::Unblocked
            | Event::Pnl { .. }
            | Event::Test => Severity::Info,
        }
    }

    /// What makes two alerts "the same" for deduplication, and how long a repeat stays quiet.
    /// A person's action is never held back; a condition that repeats (every refused order of a
    /// day at its loss limit, every failed login of a spray) is said once per window.
    pub fn dedupe(&self) -> (String, Duration) {
        match self {
            Event::Control { .. } | Event::LiveApproval { .. } | Event::Unblocked | Event::Test => {
                (String::new(), Duration::ZERO)
            }
            Event::Halted { .. } => ("halted".into(), 10 * MINUTE),
            Event::StartedHalted => ("started_halted".into(), 10 * MINUTE),
            Event::Blocked { reason } => (format!("blocked:{reason}"), HOUR),
            Event::FailedLogins { .. } => ("failed_logins".into(), 30 * MINUTE),
            Event::Throttled { status, .. } => (format!("throttled:{status}"), 5 * MINUTE),
            Event::DailyLoss { day, .. } => (format!("daily_loss:{day}"), DAY),
            Event::Pnl { day, level, .. } => (format!("pnl:{day}:{level}"), DAY),
            Event::OutboxLag { topic, destination, .. } => {
                (format!("outbox_lag:{topic}:{destination}"), HOUR)
            }
        }
    }

    /// The message, prefixed with the severity and `label` (the worker's mode, say).
    pub fn text(&self, label: &str) -> String {
        format!("[Mirai {label}] {}: {}", self.severity().as_str(), self.body())
    }

    fn body(&self) -> String {
        match self {
            Event::Control { action: ControlKind::Kill, by } => {
                format!("kill switch ON by {by}: trading halted, open orders cancelled")
            }
            Event::Control { action: ControlKind::Pause, by } => format!("trading paused by {by}"),
            Event::Control { action: ControlKind::Resume, by } => format!("trading resumed by {by}"),
            Event::Halted { why } => format!("trading halted by the system: {why}"),
            Event::StartedHalted => {
                "started with the kill switch ON; no orders until an operator resumes".into()
            }
            Event::Blocked { reason } => format!("new orders are refused: {reason}"),
            Event::Unblocked => "new orders are allowed again".into(),
            Event::FailedLogins { count, minutes, locked_out } => format!(
                "{count} failed dashboard logins in the last {minutes} min{}",
                if *locked_out { "; the login lockout engaged" } else { "" }
            ),
            Event::Throttled { status: 418, times } => {
                format!("Binance banned this IP (HTTP 418, {times}x); nothing is sent until the ban ends")
            }
            Event::Throttled { status, times } => format!(
                "Binance rate-limited the worker (HTTP {status}, {times}x); requests wait for the limit to reset"
            ),
            Event::DailyLoss { detail, .. } => {
                format!(
                    "daily-loss limit reached ({detail}); new orders are refused for the rest of the UTC day"
                )
            }
            Event::LiveApproval { approved: true, by, overridden: None } => {
                format!("live trading approved by {by}")
            }
            Event::LiveApproval { approved: true, by, overridden: Some(why) } => {
                format!("live trading approved by {by} OVERRIDING the pre-flight: {why}")
            }
            Event::LiveApproval { approved: false, by, .. } => {
                format!("live trading approval revoked by {by}")
            }
            Event::Pnl { change_pct, equity, day_start, .. } => format!(
                "equity {} {}% since the day's start: {equity} (day start {day_start})",
                if change_pct.is_sign_negative() { "down" } else { "up" },
                change_pct.abs().round_dp(2)
            ),
            Event::OutboxLag { topic, destination, lag_secs, pending } => format!(
                "shipping {topic} to {destination} is {lag_secs} s behind ({pending} records waiting)"
            ),
            Event::Test => "test alert: this channel receives Mirai's alerts".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_name_the_actor_and_the_severity() {
        let kill = Event::Control { action: ControlKind::Kill, by: "alice".into() };
        assert_eq!(
            kill.text("live"),
            "[Mirai live] CRITICAL: kill switch ON by alice: trading halted, open orders cancelled"
        );
        let pnl = Event::Pnl {
            day: 1,
            level: -1,
            change_pct: Decimal::new(-2346, 3),
            equity: Amount::new(Decimal::new(97655, 1)),
            day_start: Amount::new(Decimal::from(10_000)),
        };
        assert_eq!(
            pnl.text("paper"),
            "[Mirai paper] WARNING: equity down 2.35% since the day's start: 9765.5 (day start 10000)"
        );
    }

    #[test]
    fn a_persons_action_is_never_deduplicated_but_a_repeating_condition_is() {
        assert_eq!(Event::Control { action: ControlKind::Pause, by: "a".into() }.dedupe().1, Duration::ZERO);
        let day1 = Event::DailyLoss { day: 1, detail: "x".into() }.dedupe();
        let day2 = Event::DailyLoss { day: 2, detail: "y".into() }.dedupe();
        assert_ne!(day1.0, day2.0, "a new day may alert again");
        assert_eq!(day1.1, DAY);
    }
}
