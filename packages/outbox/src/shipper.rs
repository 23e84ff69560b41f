//! `Shipper`: drains one topic of the local outbox into a sink. `ship_once` is one step (tests
//! drive it directly); `run` repeats it, waiting `poll_interval` when idle and backing off after
//! failures, until told to stop.
//!
//! Order and exactly-once: entries are taken oldest first and removed only after the sink
//! confirmed them, so a crash or an outage means shipping them again, and the sinks' idempotent
//! writes make that harmless. When a sink refuses a batch, the batch is split in halves until the
//! refused records are isolated; they are parked only if the rest of the batch shipped (proof
//! that the fault is in them and not in the destination), otherwise everything stays queued and
//! is retried with backoff.

use std::ops::Range;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use mirai_core::{AnalyticsRecord, Clock, SystemClock, Timestamp};
use mirai_store_local::LocalStore;
use mirai_store_local::outbox::OutboxEntry;
use tokio::sync::watch;

use crate::{Backoff, OutboxError, Sink, SinkError, StatusSource, TopicStatus};

/// Longest error text kept for status and the outbox table.
const MAX_ERROR: usize = 500;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShipperConfig {
    /// Most records per delivery.
    pub batch_size: usize,
    /// Wait between looks at an empty queue.
    pub poll_interval: Duration,
    pub backoff: Backoff,
    /// Bound on one delivery; a sink that hangs is treated as unavailable.
    pub ship_timeout: Duration,
}

impl Default for ShipperConfig {
    fn default() -> Self {
        Self {
            batch_size: 500,
            poll_interval: Duration::from_secs(1),
            backoff: Backoff::default(),
            ship_timeout: Duration::from_secs(60),
        }
    }
}

/// What one step did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Nothing was waiting.
    Idle,
    /// `shipped` records delivered, `parked` set aside as refused.
    Shipped { shipped: usize, parked: usize },
    /// Nothing more could be delivered now; the entries not delivered stay first in line.
    Failed { shipped: usize, error: SinkError },
}

#[derive(Debug, Default)]
struct State {
    shipped: u64,
    last_shipped_at: Option<Timestamp>,
    consecutive_failures: u32,
    last_error: Option<String>,
    retry_at: Option<Instant>,
}

pub struct Shipper<S> {
    store: Arc<LocalStore>,
    sink: S,
    config: ShipperConfig,
    state: Mutex<State>,
}

impl<S> std::fmt::Debug for Shipper<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shipper").field("config", &self.config).finish_non_exhaustive()
    }
}

impl<S: Sink> Shipper<S> {
    pub fn new(store: Arc<LocalStore>, sink: S, config: ShipperConfig) -> Self {
        Self { store, sink, config, state: Mutex::new(State::default()) }
    }

    pub fn sink(&self) -> &S {
        &self.sink
    }

    /// One batch: take the oldest waiting entries, deliver them, acknowledge what arrived.
    #[tracing::instrument(name = "outbox.ship_once", skip_all)]
    pub async fn ship_once(&self) -> Result<Step, OutboxError> {
        let topic = self.sink.topic();
        let entries = self.store.outbox_next(topic, self.config.batch_size.max(1))?;
        if entries.is_empty() {
            return Ok(Step::Idle);
        }
        let mut shipped = 0;
        let mut refused: Vec<(u64, SinkError)> = Vec::new();
        // Parts still to try, the next one last; a refused part is replaced by its halves.
        let mut todo: Vec<Range<usize>> = Vec::new();
        todo.push(0..entries.len());
        while let Some(part) = todo.pop() {
            let slice = &entries[part.clone()];
            match self.deliver(slice).await {
                Ok(()) => {
                    self.store.outbox_ack(&seqs(slice))?;
                    shipped += slice.len();
                }
                Err(e) if e.retryable => {
                    // Everything not delivered stays queued, in order, with the attempt counted.
                    let mut left: Vec<u64> = seqs(slice);
                    left.extend(todo.iter().flat_map(|r| seqs(&entries[r.clone()])));
                    left.extend(refused.iter().map(|(s, _)| *s));
                    self.store.outbox_retry_later(&left, &e.message)?;
                    return Ok(self.failed(shipped, e));
                }
                Err(e) if slice.len() == 1 => refused.push((slice[0].seq, e)),
                Err(_) => {
                    let mid = part.start + slice.len() / 2;
                    todo.push(mid..part.end);
                    todo.push(part.start..mid);
                }
            }
        }
        if refused.is_empty() {
            self.succeeded(shipped);
            return Ok(Step::Shipped { shipped, parked: 0 });
        }
        if shipped == 0 {
            // Nothing got through: the destination, not these records, may be at fault.
            let error = refused[0].1.clone();
            let all: Vec<u64> = refused.iter().map(|(s, _)| *s).collect();
            self.store.outbox_retry_later(&all, &error.message)?;
            return Ok(self.failed(0, error));
        }
        for (seq, e) in &refused {
            tracing::error!(topic = %topic, sink = self.sink.name(), seq, error = %e, "record refused; parked");
            self.store.outbox_park(&[*seq], &e.message)?;
        }
        self.succeeded(shipped);
        self.lock().last_error = refused.last().map(|(_, e)| e.message.clone());
        Ok(Step::Shipped { shipped, parked: refused.len() })
    }

    /// Ships until `stop` turns true (or its sender is dropped).
    pub async fn run(self: Arc<Self>, mut stop: watch::Receiver<bool>) {
        let (topic, sink) = (self.sink.topic(), self.sink.name().to_owned());
        tracing::info!(%topic, %sink, "outbox shipper started");
        loop {
            if *stop.borrow() {
                break;
            }
            let wait = match self.ship_once().await {
                Ok(Step::Shipped { shipped, parked }) if shipped + parked >= self.config.batch_size => {
                    Duration::ZERO
                }
                Ok(Step::Idle | Step::Shipped { .. }) => self.config.poll_interval,
                Ok(Step::Failed { .. }) => self
                    .lock()
                    .retry_at
                    .map_or(self.config.poll_interval, |at| at.saturating_duration_since(Instant::now())),
                Err(e) => {
                    tracing::error!(%topic, %sink, error = %e, "outbox unreadable; retrying");
                    let _ = self.failed(0, SinkError::retryable(e.to_string()));
                    self.config.backoff.delay(self.lock().consecutive_failures)
                }
            };
            if wait.is_zero() {
                tokio::task::yield_now().await;
                continue;
            }
            tokio::select! {
                changed = stop.changed() => if changed.is_err() || *stop.borrow() { break },
                () = tokio::time::sleep(wait) => {}
            }
        }
        tracing::info!(%topic, %sink, "outbox shipper stopped");
    }

    /// Ships what is queued, batch after batch, until the queue is empty, the destination fails,
    /// or `deadline` passes: the last flush of a clean stop, once `run` has returned. A delivery
    /// the deadline cuts short is not acknowledged, so it stays queued and is shipped again after
    /// the restart (the sinks' writes are idempotent). Returns how many records were delivered.
    pub async fn drain(&self, deadline: tokio::time::Instant) -> usize {
        let mut delivered = 0;
        loop {
            match tokio::time::timeout_at(deadline, self.ship_once()).await {
                Ok(Ok(Step::Shipped { shipped, parked })) => {
                    delivered += shipped;
                    if shipped + parked == 0 {
                        break;
                    }
                }
                Ok(Ok(Step::Failed { shipped, .. })) => {
                    delivered += shipped;
                    break;
                }
                Ok(Ok(Step::Idle)) => break,
                Ok(Err(e)) => {
                    tracing::error!(topic = %self.sink.topic(), sink = self.sink.name(), error = %e, "outbox unreadable; not flushed");
                    break;
                }
                Err(_) => {
                    tracing::warn!(topic = %self.sink.topic(), sink = self.sink.name(), "the stop's deadline cut the outbox flush short; the rest ships after the restart");
                    break;
                }
            }
        }
        delivered
    }

    #[tracing::instrument(name = "outbox.deliver", skip_all, fields(entries = entries.len()))]
    async fn deliver(&self, entries: &[OutboxEntry]) -> Result<(), SinkError> {
        let records: Vec<AnalyticsRecord> = entries.iter().map(|e| e.record.clone()).collect();
        match tokio::time::timeout(self.config.ship_timeout, self.sink.ship(&records)).await {
            Ok(result) => result.map_err(|e| SinkError { message: shorten(&e.message), ..e }),
            Err(_) => Err(SinkError::retryable(format!(
                "{} did not answer within {:?}",
                self.sink.name(),
                self.config.ship_timeout
            ))),
        }
    }

    fn succeeded(&self, shipped: usize) {
        let mut s = self.lock();
        if s.consecutive_failures > 0 {
            tracing::info!(topic = %self.sink.topic(), sink = self.sink.name(), after = s.consecutive_failures, "shipping resumed");
        }
        s.shipped += shipped as u64;
        s.last_shipped_at = Some(SystemClock.now());
        s.consecutive_failures = 0;
        s.last_error = None;
        s.retry_at = None;
    }

    fn failed(&self, shipped: usize, error: SinkError) -> Step {
        let mut s = self.lock();
        if shipped > 0 {
            s.shipped += shipped as u64;
            s.last_shipped_at = Some(SystemClock.now());
        }
        s.consecutive_failures = s.consecutive_failures.saturating_add(1);
        let wait = self.config.backoff.delay(s.consecutive_failures);
        s.retry_at = Some(Instant::now() + wait);
        s.last_error = Some(error.message.clone());
        tracing::warn!(
            topic = %self.sink.topic(),
            sink = self.sink.name(),
            failures = s.consecutive_failures,
            retry_in_ms = wait.as_millis() as u64,
            error = %error,
            "shipping failed; will retry"
        );
        Step::Failed { shipped, error }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<S: Sink> StatusSource for Shipper<S> {
    fn status(&self) -> TopicStatus {
        let topic = self.sink.topic();
        let backlog = self.store.outbox_backlog(topic);
        let s = self.lock();
        let now = SystemClock.now();
        let (backlog, backlog_error) = match backlog {
            Ok(b) => (b, None),
            Err(e) => (Default::default(), Some(format!("cannot read the outbox: {e}"))),
        };
        TopicStatus {
            topic,
            destination: self.sink.name().to_owned(),
            pending: backlog.pending,
            parked: backlog.parked,
            oldest_queued_at: backlog.oldest_queued_at,
            lag_ms: backlog.oldest_queued_at.map_or(0, |t| now.since(t).max(0)),
            shipped: s.shipped,
            last_shipped_at: s.last_shipped_at,
            consecutive_failures: s.consecutive_failures,
            last_error: backlog_error.or_else(|| s.last_error.clone()).or(backlog.last_error),
            retry_in_ms: s.retry_at.map(|at| {
                u64::try_from(at.saturating_duration_since(Instant::now()).as_millis()).unwrap_or(u64::MAX)
            }),
        }
    }
}

fn seqs(entries: &[OutboxEntry]) -> Vec<u64> {
    entries.iter().map(|e| e.seq).collect()
}

fn shorten(s: &str) -> String {
    if s.len() <= MAX_ERROR {
        return s.to_owned();
    }
    let cut = (0..=MAX_ERROR).rev().find(|&i| s.is_char_boundary(i)).unwrap_or(0);
    format!("{}…", &s[..cut])
}
