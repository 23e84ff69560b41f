//! `Watch`: turns what the worker already records into alert events, without a clock or I/O of
//! its own (the follower hands it audit entries, the status view, the risk state and Binance's
//! throttle counts, with the time). It remembers only what a rule needs: the last audit seq
//! seen, failed logins in the burst window, the blocked reason, the throttle counts, and the
//! P&L levels already alerted today.
//!
//! Everything it reads is typed and already written elsewhere: the trading path is not touched.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use mirai_alerts::{ControlKind, Event};
use mirai_binance::http::governor::Throttles;
use mirai_core::{Amount, Decimal, RiskState};
use mirai_store_local::AuditEntry;
use mirai_web::StatusView;

/// The audit kinds any rule reads.
pub const KINDS: &[&str] = &["control", "halt", "startup", "login", "risk_refused", "live_approval"];

/// Failed logins within [`LOGIN_WINDOW`] that make a burst (the default lockout is 5 too).
pub const LOGIN_BURST: u64 = 5;
pub const LOGIN_WINDOW: Duration = Duration::from_secs(600);

/// What the rules read from the status view: only these fields, so the view can grow freely.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Seen {
    pub equity: Amount,
    pub blocked_reason: Option<String>,
    pub outbox: Vec<Lag>,
}

/// One shipping destination's backlog.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lag {
    pub topic: String,
    pub destination: String,
    pub lag_ms: i64,
    pub pending: u64,
}

impl From<&StatusView> for Seen {
    fn from(s: &StatusView) -> Self {
        Seen {
            equity: s.equity,
            blocked_reason: s.blocked_reason.clone(),
            outbox: s
                .outbox
                .iter()
                .map(|o| Lag {
                    topic: o.topic.clone(),
                    destination: o.destination.clone(),
                    lag_ms: o.lag_ms,
                    pending: o.pending,
                })
                .collect(),
        }
    }
}

#[derive(Debug)]
pub struct Watch {
    /// The last audit seq seen: entries after it are new.
    pub last_seq: u64,
    /// `ALERT_PNL_PCT`, in percent.
    pnl_pct: Option<Decimal>,
    /// `ALERT_OUTBOX_LAG_SECONDS`.
    outbox_lag: Option<Duration>,
    /// Failed logins seen (when, how many, whether a lockout), oldest first.
    failures: VecDeque<(Instant, u64, bool)>,
    blocked: Option<String>,
    throttles: Throttles,
    /// The day P&L levels were last tracked for, and the highest and lowest levels alerted.
    pnl: (i64, i64, i64),
}

impl Watch {
    pub fn new(last_seq: u64, pnl_pct: Option<Decimal>, outbox_lag: Option<Duration>) -> Self {
        Self {
            last_seq,
            pnl_pct,
            outbox_lag,
            failures: VecDeque::new(),
            blocked: None,
            throttles: Throttles::default(),
            pnl: (i64::MIN, 0, 0),
        }
    }

    /// Whether a rule reads the stored risk state (the P&L threshold does).
    pub fn wants_risk(&self) -> bool {
        self.pnl_pct.is_some()
    }

    /// An audit entry (of one of [`KINDS`]) seen at `now`.
    pub fn on_entry(&mut self, e: &AuditEntry, now: Instant) -> Option<Event> {
        self.last_seq = self.last_seq.max(e.seq);
        let field = |name: &str| e.payload.get(name).and_then(|v| v.as_str()).unwrap_or_default();
        match e.kind.as_str() {
            "control" => ControlKind::parse(field("action"))
                .map(|action| Event::Control { action, by: e.actor.clone() }),
            "halt" => Some(Event::Halted { why: field("why").to_owned() }),
            "startup" => e
                .payload
                .get("halted")
                .and_then(|v| v.as_bool())
                .unwrap_or(false)
                .then_some(Event::StartedHalted),
            "live_approval" => {
                let approved = match field("action") {
                    "approve" => true,
                    "revoke" => false,
                    _ => return None,
                };
                let overridden = e.payload.get("overridden").and_then(|v| v.as_str()).map(str::to_owned);
                Some(Event::LiveApproval { approved, by: e.actor.clone(), overridden })
            }
            "risk_refused" if field("gate") == "max_daily_loss" => {
                Some(Event::DailyLoss { day: e.ts.utc_day(), detail: field("reason").to_owned() })
            }
            "login" => self.on_login(field("outcome"), e.payload.get("count").and_then(|v| v.as_u64()), now),
            _ => None,
        }
    }

    /// Counts failed logins (a `suppressed` entry stands for `count` of them) and reports a burst.
    fn on_login(&mut self, outcome: &str, count: Option<u64>, now: Instant) -> Option<Event> {
        let (n, locked_out) = match outcome {
            "failure" => (1, false),
            "throttled" => (1, true),
            "suppressed" => (count.unwrap_or(1), false),
            _ => return None,
        };
        self.failures.push_back((now, n, locked_out));
        while self.failures.front().is_some_and(|(at, ..)| now.saturating_duration_since(*at) > LOGIN_WINDOW)
        {
            self.failures.pop_front();
        }
        let count: u64 = self.failures.iter().map(|(_, n, _)| n).sum();
        (count >= LOGIN_BURST).then(|| Event::FailedLogins {
            count,
            minutes: LOGIN_WINDOW.as_secs() / 60,
            locked_out: self.failures.iter().any(|(.., l)| *l),
        })
    }

    /// The status view (with the outbox's lag) and the stored risk state, read together.
    pub fn on_status(&mut self, status: &Seen, risk: Option<&RiskState>) -> Vec<Event> {
        let mut events = Vec::new();
        if status.blocked_reason != self.blocked {
            events.push(match &status.blocked_reason {
                Some(reason) => Event::Blocked { reason: reason.clone() },
                None => Event::Unblocked,
            });
            self.blocked = status.blocked_reason.clone();
        }
        if let (Some(pct), Some(risk)) = (self.pnl_pct, risk) {
            events.extend(self.on_equity(status, risk, pct));
        }
        if let Some(limit) = self.outbox_lag {
            let limit_ms = i64::try_from(limit.as_millis()).unwrap_or(i64::MAX);
            for o in status.outbox.iter().filter(|o| o.lag_ms >= limit_ms) {
                events.push(Event::OutboxLag {
                    topic: o.topic.clone(),
                    destination: o.destination.clone(),
                    lag_secs: u64::try_from(o.lag_ms / 1_000).unwrap_or(0),
                    pending: o.pending,
                });
            }
        }
        events
    }

    /// Equity against the day's start (the daily-loss gate's own baseline): an alert each time
    /// it first reaches another multiple of the threshold, up or down, that day.
    fn on_equity(&mut self, status: &Seen, risk: &RiskState, pct: Decimal) -> Option<Event> {
        let start = risk.day_start_equity.get();
        if start <= Decimal::ZERO || pct <= Decimal::ZERO {
            return None;
        }
        if self.pnl.0 != risk.day {
            self.pnl = (risk.day, 0, 0);
        }
        let change_pct = (status.equity.get() - start) / start * Decimal::ONE_HUNDRED;
        let level = i64::try_from((change_pct / pct).trunc()).unwrap_or(0);
        let (_, up, down) = &mut self.pnl;
        let crossed = if level > *up {
            *up = level;
            true
        } else if level < *down {
            *down = level;
            true
        } else {
            false
        };
        crossed.then_some(Event::Pnl {
            day: risk.day,
            level,
            change_pct,
            equity: status.equity,
            day_start: risk.day_start_equity,
        })
    }

    /// Binance's 429/418 counts: an alert for each kind that rose.
    pub fn on_throttles(&mut self, now: Throttles) -> Vec<Event> {
        let was = std::mem::replace(&mut self.throttles, now);
        let mut events = Vec::new();
        if now.banned > was.banned {
            events.push(Event::Throttled { status: 418, times: now.banned - was.banned });
        }
        if now.rate_limited > was.rate_limited {
            events.push(Event::Throttled { status: 429, times: now.rate_limited - was.rate_limited });
        }
        events
    }
}

#[cfg(test)]
mod tests;
