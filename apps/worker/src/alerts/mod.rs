//! Alerts from the running worker (docs/operations.md, "Alerts"). Nearly everything worth an
//! alert is already recorded — the audit log (controls with who gave them, halts, logins, the
//! daily-loss gate's refusals, live approval changes), the status view (the blocked reason,
//! equity, the outbox's lag), the stored risk state (the day's starting equity) — so the
//! alerter follows those ([`follow`], rules in [`watch`]) instead of hooking into the trading
//! path. The one event recorded nowhere, Binance's 429/418, is counted by the HTTP client's
//! governor and read from there.
//!
//! Telegram commands go through the dashboard's own `Backend` ([`control`]): the same path, the
//! same persistence and audit, with the acting user `telegram:<chat id>`.

mod control;
mod follow;
pub mod watch;

use std::sync::Arc;

use mirai_alerts::{Notifier, Redactor, Retry, telegram};
use mirai_store_local::LocalStore;
use mirai_web::Backend;
use secrecy::SecretString;
use tokio::task::JoinHandle;

use crate::config::Settings;
use crate::venue::boot::Prepared;

/// The alerter's tasks; dropping this stops them.
#[derive(Debug, Default)]
pub struct Alerts {
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for Alerts {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// Starts following the store for alerts, and Telegram's commands, as configured; nothing when
/// alerts are off. `venue` is the Binance venue, whose 429/418s are alerted.
pub fn start(
    settings: &Settings,
    store: &Arc<LocalStore>,
    backend: Arc<dyn Backend>,
    venue: Option<&Prepared>,
) -> anyhow::Result<Alerts> {
    let Some(config) = &settings.alerts else { return Ok(Alerts::default()) };
    let parts = config.parts()?;
    let redactor = Redactor::new(config.secrets()).with(worker_secrets(settings));
    let notifier =
        Notifier::start(parts.channels, settings.mode().as_str(), redactor.clone(), Retry::default());
    let (alerting, commands) = (notifier.has_channels(), parts.commands.is_some());
    let mut tasks = Vec::new();
    if alerting {
        // Only what happens from now on: history was alerted (or not) by earlier runs.
        let head = store.audit(1)?.first().map_or(0, |e| e.seq);
        let watch = watch::Watch::new(head, config.pnl_pct, config.outbox_lag);
        let sources = follow::Sources {
            store: store.clone(),
            backend: backend.clone(),
            binance: venue.and_then(|p| p.venue.as_ref().ok()).map(|v| v.client.clone()),
        };
        tasks.push(tokio::spawn(follow::follow(sources, watch, notifier)));
    }
    if let Some((api, allowed)) = parts.commands {
        tasks.push(tokio::spawn(telegram::listen(
            api,
            allowed,
            control::ChatControl::new(backend),
            redactor,
        )));
    }
    tracing::info!(alerting, telegram_commands = commands, "alerts on");
    Ok(Alerts { tasks })
}

/// Every secret of the worker's own settings, masked in alerts should one ever reach a message.
fn worker_secrets(s: &Settings) -> Vec<SecretString> {
    let mut out: Vec<SecretString> =
        [&s.web.pass, &s.web.jwt_secret, &s.web.service_token].into_iter().flatten().cloned().collect();
    if let Some(b) = &s.binance {
        out.push(SecretString::from(b.api_key.clone()));
        out.extend(b.api_secret.clone());
    }
    out
}
