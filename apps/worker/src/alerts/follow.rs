//! The follower: every [`POLL`], reads what is new — audit entries after the last seq seen, the
//! status view with the outbox's lag, the stored risk state, Binance's throttle counts — hands
//! it to the [`Watch`] and the resulting events to the notifier. Reads only; a failed read is
//! logged and tried again next tick.

use std::sync::Arc;
use std::time::{Duration, Instant};

use mirai_alerts::{Event, Notifier};
use mirai_binance::BinanceHttpClient;
use mirai_core::RiskState;
use mirai_store_local::LocalStore;
use mirai_web::Backend;

use super::watch::{KINDS, Seen, Watch};
use crate::trader::KV_RISK_STATE;

/// How often the store and the status are read: alerts are a second late at most.
pub const POLL: Duration = Duration::from_secs(1);

/// Audit entries read per query; a busier second reads several batches.
const BATCH: usize = 1_000;

pub struct Sources {
    pub store: Arc<LocalStore>,
    pub backend: Arc<dyn Backend>,
    /// The Binance client, when trading there: its governor counts 429s and 418s.
    pub binance: Option<Arc<BinanceHttpClient>>,
}

/// Runs until its task is aborted.
pub async fn follow(sources: Sources, mut watch: Watch, notifier: Notifier) {
    let mut tick = tokio::time::interval(POLL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        for event in step(&sources, &mut watch).await {
            notifier.notify(&event);
        }
    }
}

async fn step(src: &Sources, watch: &mut Watch) -> Vec<Event> {
    let mut events = Vec::new();
    loop {
        let (store, after) = (src.store.clone(), watch.last_seq);
        let batch = tokio::task::spawn_blocking(move || store.audit_after(after, KINDS, BATCH)).await;
        let entries = match batch {
            Ok(Ok(entries)) => entries,
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "alerts: reading the audit log failed");
                break;
            }
            Err(e) => {
                tracing::warn!(error = %e, "alerts: the audit read did not finish");
                break;
            }
        };
        let now = Instant::now();
        events.extend(entries.iter().filter_map(|e| watch.on_entry(e, now)));
        if entries.len() < BATCH {
            break;
        }
    }
    match src.backend.status().await {
        Ok(status) => {
            let risk = if watch.wants_risk() { read_risk(&src.store).await } else { None };
            events.extend(watch.on_status(&Seen::from(&status), risk.as_ref()));
        }
        Err(e) => tracing::debug!(error = %e, "alerts: status unavailable"),
    }
    if let Some(client) = &src.binance {
        events.extend(watch.on_throttles(client.governor().throttles()));
    }
    events
}

/// The trading task's saved risk state (the day and its starting equity), if readable.
async fn read_risk(store: &Arc<LocalStore>) -> Option<RiskState> {
    let store = store.clone();
    let json = tokio::task::spawn_blocking(move || store.get_kv(KV_RISK_STATE)).await.ok()?.ok()??;
    serde_json::from_str(&json).ok()
}
