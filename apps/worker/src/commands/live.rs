//! `mirai live approve --by NAME | revoke --by NAME | status`: records, withdraws or shows the
//! live-trading approval in DATA_DIR's store. `BINANCE_ENV=live` trades only while an approval is
//! recorded and has not lapsed (`LIVE_APPROVAL_HOURS` after it was given); the worker asks before
//! every live order, so a revoke stops new orders at once, even while it runs. Every change is
//! appended to the audit log. The dashboard's approval (`POST /api/live/approve`) writes the same
//! record, so each sees the other's.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use mirai_store_local::LocalStore;

use super::data_dir::data_dir;
use super::preflight::{Purpose, run_checks, table};
use super::{Failure, failure::print};
use mirai_core::Clock as _;
use mirai_core::SystemClock;

#[derive(Debug, Clone, Args)]
pub struct LiveArgs {
    /// The data directory whose store to use (default: DATA_DIR, else ./data).
    #[arg(long, value_name = "DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    #[command(subcommand)]
    pub action: LiveAction,
}

#[derive(Debug, Clone, Subcommand)]
pub enum LiveAction {
    /// Allow live trading on Binance (with BINANCE_ENV=live and DRY_RUN=false).
    Approve {
        /// Who approves: recorded with the approval and in the audit log.
        #[arg(long, value_name = "NAME")]
        by: String,
        /// Approve although pre-flight checks fail, saying why; the failed checks and the
        /// reason are recorded in the audit log.
        #[arg(long = "override", value_name = "REASON")]
        override_reason: Option<String>,
    },
    /// Withdraw the approval: no new live order is sent after this.
    Revoke {
        /// Who revokes, for the audit log.
        #[arg(long, value_name = "NAME", default_value = "operator")]
        by: String,
    },
    /// Show whether live trading is approved, by whom and since when.
    Status,
}

pub fn live(args: &LiveArgs) -> Result<(), Failure> {
    let dir = data_dir(args.data_dir.as_deref());
    let store = LocalStore::open(&dir)
        .map_err(|e| Failure::System(format!("opening the store in {}: {e}", dir.display())))?;
    let now = SystemClock.now();
    let system = |e: mirai_store_local::StoreError| Failure::System(e.to_string());
    let text = match &args.action {
        LiveAction::Approve { by, override_reason } => {
            let by = checked_name(by)?;
            let settings = super::lookup::settings()?;
            let checks = run_checks(&dir, None, &*settings, Purpose::Approve);
            let failed: Vec<&str> = checks.iter().filter(|c| !c.passed).map(|c| c.name).collect();
            let overridden = match (failed.is_empty(), override_reason) {
                (true, _) => None,
                (false, None) => {
                    eprint!("{}", table(&checks));
                    return Err(Failure::System(format!(
                        "not approved: the pre-flight failed ({}); fix it (docs/runbook.md, section 6) \
                         or approve with --override REASON, which the audit log records",
                        failed.join(", ")
                    )));
                }
                (false, Some(reason)) => {
                    let reason = reason.trim();
                    if reason.is_empty() || reason.len() > 500 {
                        return Err(Failure::Usage(
                            "--override needs a reason of 1 to 500 characters".into(),
                        ));
                    }
                    Some(format!("pre-flight failed ({}): {reason}", failed.join(", ")))
                }
            };
            let hours = {
                let mut r = mirai_settings::Reader::new(&*settings);
                let hours = crate::config::read_live_approval_hours(&mut r);
                r.finish(hours).map_err(|problems| Failure::Usage(problems.join("; ")))?
            };
            let end = mirai_store_local::live_approval_end(now, hours);
            let r = store.approve_live_until(by, now, end, overridden.clone(), "cli").map_err(system)?;
            let note = overridden.map_or_else(String::new, |o| format!("OVERRIDE recorded: {o}\n"));
            format!(
                "live trading approved by {} at {} until {} (ms since epoch; LIVE_APPROVAL_HOURS={hours}) in {}\n{note}",
                r.approved_by,
                r.approved_at,
                r.expires_at(),
                dir.display()
            )
        }
        LiveAction::Revoke { by } => {
            let by = checked_name(by)?;
            match store.revoke_live(by, now).map_err(system)? {
                Some(p) => format!("live trading approval (by {}) revoked by {by}\n", p.approved_by),
                None => format!("no live trading approval was recorded; revocation by {by} logged\n"),
            }
        }
        LiveAction::Status => match store.live_approval().map_err(system)? {
            Some(r) if r.in_force(now) => format!(
                "approved by {} at {} until {} (ms since epoch)\n",
                r.approved_by,
                r.approved_at,
                r.expires_at()
            ),
            Some(r) => format!(
                "not approved: the approval by {} at {} expired at {} (ms since epoch); BINANCE_ENV=live will refuse to trade\n",
                r.approved_by,
                r.approved_at,
                r.expires_at()
            ),
            None => "not approved: BINANCE_ENV=live will refuse to trade\n".to_owned(),
        },
    };
    print(&text)
}

/// A name for the audit log: printable, no spaces, not too long.
fn checked_name(name: &str) -> Result<&str, Failure> {
    let name = name.trim();
    if name.is_empty() || name.len() > 64 || name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Failure::Usage("--by must be 1 to 64 characters with no spaces".into()));
    }
    Ok(name)
}
