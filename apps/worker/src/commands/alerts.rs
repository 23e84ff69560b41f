//! `mirai alerts test`: sends a test alert to every configured channel (`NOTIFY_WEBHOOK_URL`,
//! Telegram's `TELEGRAM_CHAT_ID`) and says which took it. Exit 0 when every channel did; 1 when
//! one did not, or none is configured (a pre-flight before live trading must not pass on
//! silence); 2 for invalid settings. A delivery to every channel is recorded in the data
//! directory's store, where `mirai preflight` looks for it.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use mirai_alerts::{AlertSettings, Event, Redactor, Retry, deliver};
use mirai_core::{Clock as _, SystemClock};
use mirai_store_local::{DB_FILE, LocalStore};

use super::Failure;
use super::data_dir::data_dir;
use super::failure::print;
use super::preflight::ALERTS_TESTED_KEY;

#[derive(Debug, Clone, Args)]
pub struct AlertsArgs {
    /// The data directory whose store records a successful test (default: DATA_DIR, else ./data).
    #[arg(long, value_name = "DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    #[command(subcommand)]
    pub action: AlertsAction,
}

#[derive(Debug, Clone, Subcommand)]
pub enum AlertsAction {
    /// Send a test alert to every configured channel; exit 1 unless all of them took it.
    Test,
}

pub fn alerts(args: &AlertsArgs) -> Result<(), Failure> {
    match args.action {
        AlertsAction::Test => test(&*super::lookup::settings()?, &data_dir(args.data_dir.as_deref())),
    }
}

fn test(get: &dyn Fn(&str) -> Option<String>, dir: &Path) -> Result<(), Failure> {
    let settings = AlertSettings::from_lookup(get)
        .map_err(|e| Failure::Usage(format!("invalid settings:\n  - {}", e.join("\n  - "))))?
        .ok_or_else(|| {
            Failure::System(
                "no alert channel is configured: set NOTIFY_WEBHOOK_URL, or TELEGRAM_BOT_TOKEN with \
                 TELEGRAM_CHAT_ID (see docs/operations.md, \"Alerts\")"
                    .into(),
            )
        })?;
    let channels = settings.parts().map_err(|e| Failure::System(e.to_string()))?.channels;
    if channels.is_empty() {
        return Err(Failure::System(
            "no channel receives alerts: Telegram is set up for commands only (no TELEGRAM_CHAT_ID)".into(),
        ));
    }
    let redactor = Redactor::new(settings.secrets());
    let text = redactor.clean(&Event::Test.text("alerts test"));
    // A few quick retries: a pre-flight should not wait a minute on a channel that is down.
    let retry = Retry { attempts: 3, ..Retry::default() };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::System(format!("cannot start the async runtime: {e}")))?;
    let mut report = String::new();
    let mut failed = 0;
    for channel in &channels {
        match rt.block_on(deliver(channel, &text, &retry)) {
            Ok(_) => report.push_str(&format!("{}: delivered\n", channel.name())),
            Err(e) => {
                failed += 1;
                report.push_str(&format!("{}: FAILED: {}\n", channel.name(), redactor.clean(&e.to_string())));
            }
        }
    }
    if failed > 0 {
        print(&report)?;
        let n = channels.len();
        return Err(Failure::System(format!("{failed} of {n} alert channels did not take the test alert")));
    }
    report.push_str(&record(dir));
    print(&report)
}

/// Records the delivery for the pre-flight, in a store that exists (a test run elsewhere must not
/// create a data directory). Says what it did; a failure to record does not fail the test.
fn record(dir: &Path) -> String {
    if !dir.join(DB_FILE).exists() {
        return format!("not recorded for the pre-flight: no store in {}\n", dir.display());
    }
    let at = SystemClock.now().millis().to_string();
    match LocalStore::open(dir).and_then(|s| s.set_kv(ALERTS_TESTED_KEY, &at)) {
        Ok(()) => format!("recorded for the pre-flight in {}\n", dir.display()),
        Err(e) => format!("not recorded for the pre-flight: {e}\n"),
    }
}
