//! `mirai preflight`: the production checklist of the security policy, checked mechanically
//! before real money (docs/runbook.md, section 6). Prints one row per check and exits 0 only when
//! every one passes. `mirai live approve` runs the same checks (all but the approval itself) and
//! refuses while one fails, unless overridden, which the audit log records.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;
use mirai_binance::{BinanceHttpClient, HttpConfig};
use mirai_core::{Clock as _, SystemClock, Timestamp};
use mirai_live::venue::BinanceSettings;
use mirai_store_local::LocalStore;

use super::backup::last_backup;
use super::data_dir::data_dir;

/// The store in `dir`, or why not, for a check's row.
fn open_existing(dir: &Path) -> Result<LocalStore, String> {
    super::data_dir::open_existing(dir).map_err(|f| f.message().to_owned())
}
use super::{Failure, failure::print};

/// The store key under which `mirai alerts test` records a delivery to every channel.
pub const ALERTS_TESTED_KEY: &str = "alerts.last_test";
/// `BACKUP_MAX_AGE_HOURS` unless set.
const DEFAULT_BACKUP_MAX_AGE_HOURS: i64 = 24;
/// How long the account request may take.
const ACCOUNT_TIMEOUT: Duration = Duration::from_secs(10);
/// The risk settings that must be chosen, not inherited: each bounds what one bad day can cost.
const RISK_SETTINGS: [&str; 5] = [
    "MAX_POSITION_PCT",
    "MAX_EXPOSURE_PCT",
    "MAX_DAILY_LOSS_PCT",
    "MAX_ORDER_NOTIONAL",
    "MAX_TRADES_PER_DAY",
];

#[derive(Debug, Clone, Args)]
pub struct PreflightArgs {
    /// The live worker's data directory (default: DATA_DIR, else ./data).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// The data directory of the testnet rehearsal, if not the same one.
    #[arg(long, value_name = "DIR")]
    pub testnet_data_dir: Option<PathBuf>,
}

/// One row of the checklist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub name: &'static str,
    pub passed: bool,
    pub detail: String,
}

impl Check {
    fn pass(name: &'static str, detail: impl Into<String>) -> Self {
        Self { name, passed: true, detail: detail.into() }
    }
    fn fail(name: &'static str, detail: impl Into<String>) -> Self {
        Self { name, passed: false, detail: detail.into() }
    }
}

/// Whether the live approval itself is one of the checks: not when approving.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Report,
    Approve,
}

pub fn preflight(args: &PreflightArgs) -> Result<(), Failure> {
    let settings = super::lookup::settings()?;
    let checks = run_checks(
        &data_dir(args.data_dir.as_deref()),
        args.testnet_data_dir.as_deref(),
        &*settings,
        Purpose::Report,
    );
    print(&table(&checks))?;
    match checks.iter().filter(|c| !c.passed).count() {
        0 => Ok(()),
        n => Err(Failure::System(format!("pre-flight: {n} of {} checks failed", checks.len()))),
    }
}

/// Every check, in the checklist's order.
pub fn run_checks(
    dir: &Path,
    testnet_dir: Option<&Path>,
    get: &dyn Fn(&str) -> Option<String>,
    purpose: Purpose,
) -> Vec<Check> {
    let now = SystemClock.now();
    let store = open_existing(dir);
    let mut checks = vec![withdrawals(get)];
    checks.push(match testnet_dir {
        Some(t) => match open_existing(t) {
            Ok(s) => round_trips(&s),
            Err(e) => Check::fail(ROUND_TRIPS, e),
        },
        None => match &store {
            Ok(s) => round_trips(s),
            Err(e) => Check::fail(ROUND_TRIPS, e.clone()),
        },
    });
    checks.push(risk_limits(get, store.as_ref().ok()));
    checks.push(alerts(get, store.as_ref().ok()));
    checks.push(match &store {
        Ok(s) => backup(s, get, now),
        Err(e) => Check::fail(BACKUP, e.clone()),
    });
    checks.push(match &store {
        Ok(s) => match s.verify_audit() {
            Ok(n) => Check::pass(AUDIT, format!("{n} entries verified")),
            Err(e) => Check::fail(AUDIT, e.to_string()),
        },
        Err(e) => Check::fail(AUDIT, e.clone()),
    });
    if purpose == Purpose::Report {
        checks.push(match store.as_ref().map(LocalStore::live_approval) {
            Ok(Ok(Some(a))) if a.in_force(now) => Check::pass(
                APPROVAL,
                format!("by {} at {}, until {}", a.approved_by, a.approved_at, a.expires_at()),
            ),
            Ok(Ok(Some(a))) => Check::fail(
                APPROVAL,
                format!("the approval by {} expired at {}: approve again", a.approved_by, a.expires_at()),
            ),
            Ok(Ok(None)) => Check::fail(APPROVAL, "none recorded: `mirai live approve --by NAME`"),
            Ok(Err(e)) => Check::fail(APPROVAL, e.to_string()),
            Err(e) => Check::fail(APPROVAL, e.clone()),
        });
    }
    checks
}

const WITHDRAWALS: &str = "key cannot withdraw";
const ROUND_TRIPS: &str = "testnet round trips";
const RISK: &str = "risk limits set";
const ALERTS: &str = "alerts delivered";
const BACKUP: &str = "recent backup";
const AUDIT: &str = "audit chain";
const APPROVAL: &str = "live approval";

/// The account the configured key reaches must not allow withdrawals: a key that trades is
/// enough for Mirai, and a stolen one then cannot empty the account.
fn withdrawals(get: &dyn Fn(&str) -> Option<String>) -> Check {
    let settings = match BinanceSettings::from_lookup(get) {
        Ok(Some(s)) => s,
        Ok(None) => return Check::fail(WITHDRAWALS, "no BINANCE_API_KEY configured"),
        Err(problems) => return Check::fail(WITHDRAWALS, problems.join("; ")),
    };
    let credential = match mirai_live::venue::connect::credential(&settings) {
        Ok(c) => c,
        Err(e) => return Check::fail(WITHDRAWALS, e.to_string()),
    };
    let mut http = HttpConfig::new(settings.endpoints.rest.clone());
    http.recv_window_ms = settings.recv_window_ms;
    http.timeout = settings.timeout.min(ACCOUNT_TIMEOUT);
    let asked = async {
        let client = BinanceHttpClient::new(http, credential).map_err(|e| e.to_string())?;
        client.sync_time().await.map_err(|e| e.to_string())?;
        client.account().await.map_err(|e| e.to_string())
    };
    let account = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt.block_on(asked),
        Err(e) => Err(format!("cannot start the async runtime: {e}")),
    };
    let env = settings.env;
    match account {
        Ok(a) => match a.can_withdraw {
            Some(false) => Check::pass(WITHDRAWALS, format!("{env}: canWithdraw is false")),
            Some(true) => Check::fail(
                WITHDRAWALS,
                format!("{env}: this key can withdraw; make a new one with withdrawals disabled"),
            ),
            None => {
                Check::fail(WITHDRAWALS, format!("{env}: the account did not say whether it can withdraw"))
            }
        },
        Err(e) => Check::fail(WITHDRAWALS, format!("{env}: {e}")),
    }
}

/// A rehearsal on the testnet that bought and sold: its store reconciled with the testnet at
/// least once, and holds filled orders of both sides.
fn round_trips(store: &LocalStore) -> Check {
    let reconciled = match store.audit_after(0, &["reconcile"], 100_000) {
        Ok(entries) => entries.iter().any(|e| {
            e.payload.get("venue").and_then(|v| v.as_str()) == Some("testnet")
                && e.payload.get("ok").and_then(serde_json::Value::as_bool) == Some(true)
        }),
        Err(e) => return Check::fail(ROUND_TRIPS, e.to_string()),
    };
    if !reconciled {
        return Check::fail(
            ROUND_TRIPS,
            "this store never traded on the testnet (no reconciliation with it)",
        );
    }
    match store.filled_sides() {
        Ok((buys, sells)) if buys > 0 && sells > 0 => {
            Check::pass(ROUND_TRIPS, format!("{buys} filled buys, {sells} filled sells"))
        }
        Ok((buys, sells)) => Check::fail(
            ROUND_TRIPS,
            format!("{buys} filled buys and {sells} filled sells: rehearse a buy and a sell on the testnet"),
        ),
        Err(e) => Check::fail(ROUND_TRIPS, e.to_string()),
    }
}

/// Every limit that bounds a day's loss chosen on purpose, not left at its default: set in the
/// environment, or set from the dashboard (`PUT /api/risk`, kept in the store, which then wins).
fn risk_limits(get: &dyn Fn(&str) -> Option<String>, store: Option<&LocalStore>) -> Check {
    if let Some(Ok(Some(kept))) = store.map(LocalStore::risk_limits) {
        return Check::pass(RISK, format!("set from the dashboard by {} at {}", kept.set_by, kept.set_at));
    }
    let unset: Vec<&str> =
        RISK_SETTINGS.iter().copied().filter(|k| get(k).is_none_or(|v| v.trim().is_empty())).collect();
    if unset.is_empty() {
        Check::pass(RISK, RISK_SETTINGS.join(", "))
    } else {
        Check::fail(RISK, format!("left at their defaults: {}", unset.join(", ")))
    }
}

/// Alerts configured, and `mirai alerts test` delivered to every channel since.
fn alerts(get: &dyn Fn(&str) -> Option<String>, store: Option<&LocalStore>) -> Check {
    match mirai_alerts::AlertSettings::from_lookup(get) {
        Ok(Some(_)) => {}
        Ok(None) => return Check::fail(ALERTS, "no channel configured (NOTIFY_WEBHOOK_URL or TELEGRAM_*)"),
        Err(problems) => return Check::fail(ALERTS, problems.join("; ")),
    }
    let Some(store) = store else { return Check::fail(ALERTS, "no store to read the last test from") };
    match store.get_kv(ALERTS_TESTED_KEY) {
        Ok(Some(at)) => Check::pass(ALERTS, format!("test alert delivered at {at}")),
        Ok(None) => Check::fail(ALERTS, "no test alert delivered yet: `mirai alerts test`"),
        Err(e) => Check::fail(ALERTS, e.to_string()),
    }
}

/// A backup taken within `BACKUP_MAX_AGE_HOURS`.
fn backup(store: &LocalStore, get: &dyn Fn(&str) -> Option<String>, now: Timestamp) -> Check {
    let max_hours = match get("BACKUP_MAX_AGE_HOURS").map(|v| v.trim().parse::<i64>()) {
        None => DEFAULT_BACKUP_MAX_AGE_HOURS,
        Some(Ok(h)) if (1..=8_760).contains(&h) => h,
        Some(_) => {
            return Check::fail(BACKUP, "BACKUP_MAX_AGE_HOURS must be a whole number of hours, 1 to 8760");
        }
    };
    match last_backup(store) {
        Ok(Some(b)) => {
            let age_hours = (now.millis() - b.at.millis()) / 3_600_000;
            if age_hours < max_hours {
                Check::pass(BACKUP, format!("{} ({age_hours} h old)", b.path))
            } else {
                Check::fail(
                    BACKUP,
                    format!("the last ({}) is {age_hours} h old; the limit is {max_hours} h", b.path),
                )
            }
        }
        Ok(None) => Check::fail(BACKUP, "none taken: `mirai backup --out FILE`"),
        Err(e) => Check::fail(BACKUP, e),
    }
}

/// The checklist as a table.
pub fn table(checks: &[Check]) -> String {
    let width = checks.iter().map(|c| c.name.len()).max().unwrap_or(0);
    let mut out = String::new();
    for c in checks {
        let mark = if c.passed { "ok  " } else { "FAIL" };
        out.push_str(&format!("{mark}  {:<width$}  {}\n", c.name, c.detail));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> =
            pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn a_bare_data_directory_fails_every_check_and_says_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        LocalStore::open(dir.path()).unwrap();
        let checks = run_checks(dir.path(), None, &lookup(&[]), Purpose::Report);
        let failed: Vec<&str> = checks.iter().filter(|c| !c.passed).map(|c| c.name).collect();
        assert_eq!(failed, [WITHDRAWALS, ROUND_TRIPS, RISK, ALERTS, BACKUP, APPROVAL], "{checks:?}");
        assert!(checks.iter().any(|c| c.name == AUDIT && c.passed), "an empty log verifies");
        let text = table(&checks);
        assert!(text.contains("mirai backup --out FILE"), "{text}");
        assert!(text.contains("MAX_DAILY_LOSS_PCT"), "{text}");
    }

    #[test]
    fn approving_leaves_out_the_approval_itself() {
        let dir = tempfile::tempdir().unwrap();
        LocalStore::open(dir.path()).unwrap();
        let checks = run_checks(dir.path(), None, &lookup(&[]), Purpose::Approve);
        assert!(checks.iter().all(|c| c.name != APPROVAL));
    }

    #[test]
    fn risk_limits_pass_only_when_all_are_chosen() {
        let all: Vec<(&str, &str)> = RISK_SETTINGS.iter().map(|k| (*k, "5")).collect();
        assert!(risk_limits(&lookup(&all), None).passed);
        let missing = risk_limits(&lookup(&all[1..]), None);
        assert!(!missing.passed && missing.detail.contains("MAX_POSITION_PCT"), "{missing:?}");
        let store = LocalStore::open_in_memory().unwrap();
        let limits = mirai_core::RiskLimits::default();
        store.set_risk_limits(&limits, &limits, "ann", Timestamp::from_millis(5), "web").unwrap();
        let kept = risk_limits(&lookup(&[]), Some(&store));
        assert!(kept.passed && kept.detail.contains("dashboard by ann"), "{kept:?}");
    }

    #[test]
    fn a_backup_counts_only_while_recent() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::open(dir.path()).unwrap();
        let taken = Timestamp::from_millis(1_000_000_000_000);
        let record = super::super::backup::LastBackup { at: taken, path: "/b/x.db".into(), audit_entries: 0 };
        store
            .set_kv(super::super::backup::LAST_BACKUP_KEY, &serde_json::to_string(&record).unwrap())
            .unwrap();
        let hour = 3_600_000;
        assert!(backup(&store, &lookup(&[]), Timestamp::from_millis(taken.millis() + 23 * hour)).passed);
        assert!(!backup(&store, &lookup(&[]), Timestamp::from_millis(taken.millis() + 24 * hour)).passed);
        let longer = lookup(&[("BACKUP_MAX_AGE_HOURS", "48")]);
        assert!(backup(&store, &longer, Timestamp::from_millis(taken.millis() + 24 * hour)).passed);
        assert!(!backup(&store, &lookup(&[("BACKUP_MAX_AGE_HOURS", "0")]), taken).passed);
    }
}
