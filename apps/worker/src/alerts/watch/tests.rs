use std::time::{Duration, Instant};

use mirai_alerts::{ControlKind, Event};
use mirai_binance::http::governor::Throttles;
use mirai_core::{Amount, Decimal, RiskState, Timestamp};
use mirai_store_local::AuditEntry;
use serde_json::{Value, json};

use super::{Lag, Seen, Watch};

fn entry(seq: u64, kind: &str, actor: &str, payload: Value) -> AuditEntry {
    AuditEntry {
        seq,
        ts: Timestamp::from_millis(86_400_000 * 3 + 5),
        kind: kind.into(),
        actor: actor.into(),
        payload,
        prev_hash: String::new(),
        hash: String::new(),
    }
}

fn seen(equity: i64, blocked: Option<&str>) -> Seen {
    Seen {
        equity: Amount::new(Decimal::from(equity)),
        blocked_reason: blocked.map(str::to_owned),
        outbox: Vec::new(),
    }
}

fn risk(day: i64, start: i64) -> RiskState {
    RiskState { day, day_start_equity: Amount::new(Decimal::from(start)), ..RiskState::default() }
}

#[test]
fn recorded_actions_become_alerts_naming_who_acted() {
    let mut w = Watch::new(0, None, None);
    let now = Instant::now();
    let got: Vec<Option<Event>> = [
        entry(1, "control", "admin", json!({ "action": "kill" })),
        entry(2, "control", "telegram:42", json!({ "action": "pause" })),
        entry(3, "live_approval", "alice", json!({ "action": "revoke", "was_approved_by": "bob" })),
        entry(
            9,
            "live_approval",
            "bob",
            json!({ "action": "approve", "overridden": "pre-flight failed (x): y" }),
        ),
        entry(
            4,
            "risk_refused",
            "risk",
            json!({ "gate": "max_daily_loss", "reason": "today's loss 500 has reached the daily limit 500" }),
        ),
        entry(5, "risk_refused", "risk", json!({ "gate": "cooldown", "reason": "x" })),
        entry(6, "halt", "system", json!({ "why": "store: disk full" })),
        entry(7, "startup", "system", json!({ "halted": true })),
        entry(8, "startup", "system", json!({ "halted": false })),
    ]
    .iter()
    .map(|e| w.on_entry(e, now))
    .collect();
    assert_eq!(
        got,
        [
            Some(Event::Control { action: ControlKind::Kill, by: "admin".into() }),
            Some(Event::Control { action: ControlKind::Pause, by: "telegram:42".into() }),
            Some(Event::LiveApproval { approved: false, by: "alice".into(), overridden: None }),
            Some(Event::LiveApproval {
                approved: true,
                by: "bob".into(),
                overridden: Some("pre-flight failed (x): y".into()),
            }),
            Some(Event::DailyLoss {
                day: 3,
                detail: "today's loss 500 has reached the daily limit 500".into()
            }),
            None,
            Some(Event::Halted { why: "store: disk full".into() }),
            Some(Event::StartedHalted),
            None,
        ]
    );
    assert_eq!(w.last_seq, 9);
}

#[test]
fn failed_logins_alert_as_a_burst_within_the_window() {
    let mut w = Watch::new(0, None, None);
    let t = Instant::now();
    let fail = |seq| entry(seq, "login", "anonymous", json!({ "outcome": "failure", "username": "root" }));
    for seq in 1..=4 {
        assert_eq!(w.on_entry(&fail(seq), t), None, "{seq} failures are not a burst");
    }
    assert_eq!(w.on_entry(&entry(5, "login", "admin", json!({ "outcome": "success" })), t), None);
    let burst = w.on_entry(&fail(6), t);
    assert_eq!(burst, Some(Event::FailedLogins { count: 5, minutes: 10, locked_out: false }));
    // Eleven minutes on, the old ones have left the window; a suppressed batch counts whole.
    let later = t + Duration::from_secs(660);
    assert_eq!(w.on_entry(&fail(7), later), None);
    let held =
        entry(8, "login", "system", json!({ "outcome": "suppressed", "count": 40, "from": 0, "to": 1 }));
    assert_eq!(
        w.on_entry(&held, later),
        Some(Event::FailedLogins { count: 41, minutes: 10, locked_out: false })
    );
}

#[test]
fn each_pnl_threshold_is_alerted_once_a_day() {
    let mut w = Watch::new(0, Some(Decimal::from(2)), None);
    let day = risk(3, 10_000);
    let levels = |w: &mut Watch, equity, r: &RiskState| -> Vec<i64> {
        w.on_status(&seen(equity, None), Some(r))
            .into_iter()
            .map(|e| match e {
                Event::Pnl { level, .. } => level,
                other => panic!("unexpected {other:?}"),
            })
            .collect()
    };
    assert!(levels(&mut w, 9_900, &day).is_empty(), "-1 % is under the threshold");
    assert_eq!(levels(&mut w, 9_800, &day), [-1], "-2 % crosses it");
    for equity in [9_790, 9_850, 10_000, 9_750] {
        assert!(levels(&mut w, equity, &day).is_empty(), "no repeat at {equity}");
    }
    assert_eq!(levels(&mut w, 9_590, &day), [-2], "the next multiple alerts again");
    assert_eq!(levels(&mut w, 10_250, &day), [1], "up is its own direction");
    let next_day = risk(4, 9_600);
    assert_eq!(levels(&mut w, 9_400, &next_day), [-1], "a new day starts afresh");
    let Some(Event::Pnl { change_pct, .. }) =
        Watch::new(0, Some(Decimal::from(2)), None).on_status(&seen(9_800, None), Some(&day)).pop()
    else {
        panic!("an alert")
    };
    assert_eq!(change_pct, Decimal::from(-2));
}

#[test]
fn a_blocked_start_alerts_once_and_so_does_the_all_clear() {
    let mut w = Watch::new(0, None, None);
    let why = "live trading is not approved";
    assert_eq!(w.on_status(&seen(1, Some(why)), None), [Event::Blocked { reason: why.into() }]);
    assert!(w.on_status(&seen(1, Some(why)), None).is_empty());
    assert_eq!(w.on_status(&seen(1, None), None), [Event::Unblocked]);
    assert!(w.on_status(&seen(1, None), None).is_empty());
}

#[test]
fn outbox_lag_past_the_threshold_alerts() {
    let mut w = Watch::new(0, None, Some(Duration::from_secs(600)));
    let lag = |ms| Seen {
        outbox: vec![Lag {
            topic: "analytics".into(),
            destination: "snowflake".into(),
            lag_ms: ms,
            pending: 12,
        }],
        ..seen(1, None)
    };
    assert!(w.on_status(&lag(599_999), None).is_empty());
    assert_eq!(
        w.on_status(&lag(700_000), None),
        [Event::OutboxLag {
            topic: "analytics".into(),
            destination: "snowflake".into(),
            lag_secs: 700,
            pending: 12
        }]
    );
}

#[test]
fn binance_throttles_alert_when_their_counts_rise() {
    let mut w = Watch::new(0, None, None);
    assert!(w.on_throttles(Throttles::default()).is_empty());
    assert_eq!(
        w.on_throttles(Throttles { rate_limited: 2, banned: 0 }),
        [Event::Throttled { status: 429, times: 2 }]
    );
    assert!(w.on_throttles(Throttles { rate_limited: 2, banned: 0 }).is_empty());
    assert_eq!(
        w.on_throttles(Throttles { rate_limited: 2, banned: 1 }),
        [Event::Throttled { status: 418, times: 1 }]
    );
}
