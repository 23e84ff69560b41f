//! The worker's shipping: one outbox shipper task per configured destination — Snowflake for the
//! analytics history, the vector store for decision rationales — their status for the
//! dashboard, and a clean stop. `app.rs` builds the sinks and hands them to [`Shipping`] before
//! the trading task starts, so every record written from then on is queued.
//!
//! The first time a destination is shipped to, the history already in the local store is queued
//! too (a one-off backfill, remembered in the store), so moving to Snowflake after weeks on the
//! embedded store keeps every trade.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};

use mirai_outbox::{AnalyticsSink, OutboxTopic, ShipperConfig, Sink, StatusSource, TopicStatus};
use mirai_store_local::{LocalStore, StoreError};
use mirai_store_snowflake::{SettingsError, SnowflakeError, SnowflakeSettings, SnowflakeStore};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The key/value entry that records a topic's one-off backfill.
const KV_BACKFILLED_PREFIX: &str = "outbox.backfilled.";

/// How long one reading of the backlogs answers [`Shipping::status`]. `/api/status` asks on every
/// request (every open dashboard polls it, and any client may), and a reading is three queries
/// per topic on the store's connection, the one the trading task writes through: under load
/// that was most of the route's cost (docs/benchmarks.md, "Web tier"). Figures at most this old
/// are as good for a person, an alert or a scrape.
const STATUS_MAX_AGE: std::time::Duration = std::time::Duration::from_millis(500);

#[derive(Debug, thiserror::Error)]
pub enum ShippingError {
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error(transparent)]
    Snowflake(#[from] SnowflakeError),
    #[error("local store: {0}")]
    Store(#[from] StoreError),
}

/// The running shippers. Share it (`Arc<Shipping>`) between `Running` (to stop it) and the
/// status page (to read it).
pub struct Shipping {
    store: Arc<LocalStore>,
    config: ShipperConfig,
    topics: Vec<OutboxTopic>,
    sources: Vec<Arc<dyn StatusSource>>,
    /// The same shippers, for the final flush at a stop.
    flushers: Vec<Arc<dyn Flush>>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
    stop: watch::Sender<bool>,
    /// The last reading of [`Shipping::status`] and when it was taken.
    last_status: Mutex<Option<(std::time::Instant, Vec<TopicStatus>)>>,
}

impl std::fmt::Debug for Shipping {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shipping").field("topics", &self.topics).finish_non_exhaustive()
    }
}

impl Shipping {
    /// No destination yet: queuing is switched off until [`Shipping::spawn`] adds one, so a
    /// destination dropped from the settings stops filling the queue.
    pub fn new(store: Arc<LocalStore>, config: ShipperConfig) -> Result<Self, ShippingError> {
        store.enable_outbox(&[])?;
        let (stop, _) = watch::channel(false);
        Ok(Self {
            store,
            config,
            topics: Vec::new(),
            sources: Vec::new(),
            flushers: Vec::new(),
            tasks: Mutex::default(),
            stop,
            last_status: Mutex::default(),
        })
    }

    /// Starts shipping `sink`'s topic in a background task. Records written from now on are
    /// queued for it; on the topic's first use ever, the stored history is queued as well.
    pub fn spawn<S: Sink>(&mut self, sink: S) -> Result<(), ShippingError> {
        self.spawn_to(sink, "")
    }

    /// As [`Shipping::spawn`], with the history queued again the first time the topic ships to
    /// `destination` (the vector store's identity, say): moving rationales from the embedded
    /// index to Milvus brings the past ones along.
    pub fn spawn_to<S: Sink>(&mut self, sink: S, destination: &str) -> Result<(), ShippingError> {
        let topic = sink.topic();
        if !self.topics.contains(&topic) {
            self.topics.push(topic);
        }
        self.store.enable_outbox(&self.topics)?;
        let key = backfill_key(topic, destination);
        // An empty value is a backfill forgotten on purpose (see `forget_backfill`).
        if self.store.get_kv(&key)?.is_none_or(|v| v.is_empty()) {
            let n = self.store.outbox_backfill(topic)?;
            self.store.set_kv(&key, &n.to_string())?;
        }
        let shipper = Arc::new(mirai_outbox::Shipper::new(self.store.clone(), sink, self.config.clone()));
        self.sources.push(shipper.clone());
        *self.last_status.get_mut().unwrap_or_else(PoisonError::into_inner) = None;
        self.flushers.push(shipper.clone());
        let task = tokio::spawn(shipper.run(self.stop.subscribe()));
        self.tasks.lock().unwrap_or_else(PoisonError::into_inner).push(task);
        Ok(())
    }

    /// Makes the next [`Shipping::spawn_to`] for `topic` and `destination` queue the history
    /// again: for a destination known to have lost what it had (an embedded index deleted to
    /// re-index). Harmless if it had not: destinations are idempotent.
    pub fn forget_backfill(&self, topic: OutboxTopic, destination: &str) -> Result<(), ShippingError> {
        Ok(self.store.set_kv(&backfill_key(topic, destination), "")?)
    }

    /// Backlog, lag and the last error of each destination, for the status page.
    /// Each topic's backlog and shipping state, read at most [`STATUS_MAX_AGE`] ago. One caller
    /// reads while the others wait for its answer, so a burst of requests costs one reading.
    pub fn status(&self) -> Vec<TopicStatus> {
        let mut last = self.last_status.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((at, status)) = last.as_ref()
            && at.elapsed() < STATUS_MAX_AGE
        {
            return status.clone();
        }
        let status: Vec<TopicStatus> = self.sources.iter().map(|s| s.status()).collect();
        *last = Some((std::time::Instant::now(), status.clone()));
        status
    }

    /// Stops the shippers between deliveries (an acknowledged batch stays acknowledged; one in
    /// flight is shipped again after the restart, harmlessly), waiting up to 10 s, without a final
    /// flush.
    pub async fn stop(&self) {
        self.stop_tasks(tokio::time::Instant::now() + std::time::Duration::from_secs(10)).await;
    }

    /// Stops the shippers, then flushes what is still queued, destination by destination, as far
    /// as each answers before `deadline`: the stop of a worker going down. What is not delivered
    /// stays queued for the next start. Returns how many records the flush delivered.
    pub async fn stop_by(&self, deadline: tokio::time::Instant) -> usize {
        self.stop_tasks(deadline).await;
        let mut flushed = 0;
        for f in &self.flushers {
            flushed += f.flush(deadline).await;
        }
        flushed
    }

    async fn stop_tasks(&self, deadline: tokio::time::Instant) {
        let _ = self.stop.send(true);
        let tasks = std::mem::take(&mut *self.tasks.lock().unwrap_or_else(PoisonError::into_inner));
        for mut t in tasks {
            if tokio::time::timeout_at(deadline, &mut t).await.is_err() {
                // A delivery that hangs: cut off, its batch stays queued (never acknowledged).
                tracing::warn!("an outbox shipper did not stop in time; aborted");
                t.abort();
            }
        }
    }
}

/// A shipper's final flush, whatever its sink (`Shipper::drain`).
trait Flush: Send + Sync {
    fn flush(&self, deadline: tokio::time::Instant) -> Pin<Box<dyn Future<Output = usize> + Send + '_>>;
}

impl<S: Sink> Flush for mirai_outbox::Shipper<S> {
    fn flush(&self, deadline: tokio::time::Instant) -> Pin<Box<dyn Future<Output = usize> + Send + '_>> {
        Box::pin(self.drain(deadline))
    }
}

fn backfill_key(topic: OutboxTopic, destination: &str) -> String {
    match destination {
        "" => format!("{KV_BACKFILLED_PREFIX}{topic}"),
        d => format!("{KV_BACKFILLED_PREFIX}{topic}.{d}"),
    }
}

/// Whether this build talks to Snowflake through the fakesnow adapter (the `fakesnow` feature,
/// which only test builds turn on).
pub const FAKESNOW_ADAPTER: bool = cfg!(feature = "fakesnow");

/// The Snowflake store the shipper writes to, opened without network I/O: the one place the
/// worker builds its Snowflake HTTP client. A build with the `fakesnow` feature (tests only, see
/// Cargo.toml) adds the adapter that completes fakesnow's answers; every other build sends
/// exactly what snowflake-api sends.
pub fn open_snowflake(settings: SnowflakeSettings) -> Result<SnowflakeStore, ShippingError> {
    #[cfg(feature = "fakesnow")]
    {
        // Loud on purpose: seen in a production log, this line means the wrong build shipped.
        tracing::warn!("test build: Snowflake is reached through the fakesnow adapter");
        Ok(mirai_store_snowflake::fakesnow_compat::open(settings)?)
    }
    #[cfg(not(feature = "fakesnow"))]
    {
        Ok(SnowflakeStore::open(settings)?)
    }
}

/// The Snowflake sink from the `SNOWFLAKE_*` settings read through `get`; `None` when Snowflake
/// is not configured. Opens without network I/O, so a Snowflake outage at start-up delays
/// shipping (the records wait in the outbox) but never trading.
pub fn snowflake_sink(
    get: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<AnalyticsSink<SnowflakeStore>>, ShippingError> {
    let Some(settings) = SnowflakeSettings::from_lookup(get).map_err(SettingsError)? else {
        return Ok(None);
    };
    let store = open_snowflake(settings)?;
    Ok(Some(AnalyticsSink::new(Arc::new(store), "snowflake")))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use mirai_core::{Action, AnalyticsRecord, Confidence, Decimal, Decision};
    use mirai_outbox::SinkError;

    use super::*;

    #[derive(Clone, Default)]
    struct Memory(Arc<Mutex<Vec<AnalyticsRecord>>>);

    impl Sink for Memory {
        fn topic(&self) -> OutboxTopic {
            OutboxTopic::Analytics
        }
        fn name(&self) -> &str {
            "memory"
        }
        async fn ship(&self, records: &[AnalyticsRecord]) -> Result<(), SinkError> {
            self.0.lock().unwrap_or_else(|p| p.into_inner()).extend_from_slice(records);
            Ok(())
        }
    }

    fn decision(ms: i64) -> Decision {
        Decision {
            action: Action::Hold,
            size_fraction: Decimal::ZERO,
            confidence: Confidence::ZERO,
            ..mirai_core::stubs::decision(ms)
        }
    }

    #[tokio::test]
    async fn ships_history_once_then_new_records_and_reports_status() {
        let store = Arc::new(LocalStore::open_in_memory().unwrap());
        store.insert_decision(&decision(1)).unwrap();
        let config = ShipperConfig { poll_interval: Duration::from_millis(10), ..ShipperConfig::default() };
        let sink = Memory::default();

        let mut shipping = Shipping::new(store.clone(), config.clone()).unwrap();
        shipping.spawn(sink.clone()).unwrap();
        store.insert_decision(&decision(2)).unwrap();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while sink.0.lock().unwrap().len() < 2 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let status = shipping.status();
        assert_eq!(status.len(), 1);
        assert_eq!((status[0].pending, status[0].shipped, status[0].destination.as_str()), (0, 2, "memory"));
        shipping.stop().await;

        // A restart does not backfill again.
        let mut again = Shipping::new(store.clone(), config.clone()).unwrap();
        again.spawn(sink.clone()).unwrap();
        assert_eq!(store.outbox_backlog(OutboxTopic::Analytics).unwrap().pending, 0);
        again.stop().await;
        assert_eq!(sink.0.lock().unwrap().len(), 2);
    }

    #[tokio::test]
    async fn history_is_queued_again_for_a_new_destination_only() {
        let store = Arc::new(LocalStore::open_in_memory().unwrap());
        store.insert_decision(&decision(1)).unwrap();
        store.insert_decision(&decision(2)).unwrap();
        // A shipper that never runs in time: only the queue is observed.
        let config = ShipperConfig { poll_interval: Duration::from_secs(3600), ..ShipperConfig::default() };
        let pending = || store.outbox_backlog(OutboxTopic::Analytics).unwrap().pending;
        let mut shipping = Shipping::new(store.clone(), config.clone()).unwrap();
        shipping.spawn_to(Memory::default(), "local").unwrap();
        let first = pending();
        shipping.stop().await;
        let mut again = Shipping::new(store.clone(), config.clone()).unwrap();
        again.spawn_to(Memory::default(), "local").unwrap();
        let same = pending();
        again.stop().await;
        let mut moved = Shipping::new(store.clone(), config.clone()).unwrap();
        moved.spawn_to(Memory::default(), "milvus").unwrap();
        let after_move = pending();
        moved.stop().await;
        assert!(first >= 2, "{first}");
        assert_eq!(same, first, "the same destination is not backfilled twice");
        assert_eq!(after_move, first * 2, "a new destination gets the history");

        // A destination that lost its data gets it again once asked to.
        let mut lost = Shipping::new(store.clone(), config.clone()).unwrap();
        lost.forget_backfill(OutboxTopic::Analytics, "local").unwrap();
        lost.spawn_to(Memory::default(), "local").unwrap();
        assert_eq!(pending(), first * 3);
        lost.stop().await;
    }

    #[tokio::test]
    async fn a_stop_flushes_what_is_still_queued() {
        let store = Arc::new(LocalStore::open_in_memory().unwrap());
        // A shipper that would not look at the queue again for an hour: only the flush ships.
        let config = ShipperConfig { poll_interval: Duration::from_secs(3600), ..ShipperConfig::default() };
        let sink = Memory::default();
        let mut shipping = Shipping::new(store.clone(), config).unwrap();
        shipping.spawn(sink.clone()).unwrap();
        for ms in 1..=3 {
            store.insert_decision(&decision(ms)).unwrap();
        }
        let flushed = shipping.stop_by(tokio::time::Instant::now() + Duration::from_secs(5)).await;
        assert_eq!(flushed, 3);
        assert_eq!(sink.0.lock().unwrap().len(), 3);
        assert_eq!(store.outbox_backlog(OutboxTopic::Analytics).unwrap().pending, 0);
    }

    #[test]
    fn snowflake_is_off_unless_configured_and_bad_settings_are_reported() {
        assert!(snowflake_sink(&|_| None).unwrap().is_none());
        let err = snowflake_sink(&|k| (k == "SNOWFLAKE_ACCOUNT").then(|| "acct".to_owned())).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("SNOWFLAKE_USER") && text.contains("SNOWFLAKE_DATABASE"), "{text}");
    }
}
