//! `Notifier`: takes events from the caller without ever making it wait — deduplicated, rendered,
//! scrubbed, then queued to one task per channel that delivers in order with retries. A channel
//! that is down delays only its own queue; a queue that is full drops the newest alert (and
//! says so in the log) rather than grow without bound.

use std::sync::Mutex;
use std::time::Instant;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::channel::Channel;
use crate::dedupe::Deduper;
use crate::event::Event;
use crate::redact::Redactor;
use crate::retry::{Retry, deliver};

/// Alerts waiting per channel.
const QUEUE: usize = 64;

#[derive(Debug)]
pub struct Notifier {
    label: String,
    redactor: Redactor,
    dedupe: Mutex<Deduper>,
    queues: Vec<(&'static str, mpsc::Sender<String>)>,
    tasks: Vec<JoinHandle<()>>,
}

impl Notifier {
    /// Starts a delivery task per channel (call inside a Tokio runtime). `label` heads every
    /// message (the worker's mode); `redactor` holds every secret the process knows.
    pub fn start(channels: Vec<Channel>, label: &str, redactor: Redactor, retry: Retry) -> Self {
        let mut queues = Vec::with_capacity(channels.len());
        let mut tasks = Vec::with_capacity(channels.len());
        for channel in channels {
            let (tx, rx) = mpsc::channel(QUEUE);
            queues.push((channel.name(), tx));
            tasks.push(tokio::spawn(drain(channel, rx, retry.clone(), redactor.clone())));
        }
        Self { label: label.to_owned(), redactor, dedupe: Mutex::default(), queues, tasks }
    }

    /// Whether any channel receives alerts.
    pub fn has_channels(&self) -> bool {
        !self.queues.is_empty()
    }

    /// Queues `event` on every channel unless an alert with its key went out within its quiet
    /// window. Returns whether it was queued (on at least one channel).
    pub fn notify(&self, event: &Event) -> bool {
        let (key, quiet) = event.dedupe();
        let admitted =
            self.dedupe.lock().unwrap_or_else(|p| p.into_inner()).admit(&key, quiet, Instant::now());
        if !admitted {
            tracing::debug!(key, "alert held back: said recently");
            return false;
        }
        let text = self.redactor.clean(&event.text(&self.label));
        tracing::info!(alert = %text, "alert");
        let mut queued = false;
        for (name, tx) in &self.queues {
            match tx.try_send(text.clone()) {
                Ok(()) => queued = true,
                Err(_) => tracing::warn!(channel = name, "alert dropped: the channel's queue is full"),
            }
        }
        queued
    }
}

impl Drop for Notifier {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

async fn drain(channel: Channel, mut rx: mpsc::Receiver<String>, retry: Retry, redactor: Redactor) {
    while let Some(text) = rx.recv().await {
        match deliver(&channel, &text, &retry).await {
            Ok(attempts) => tracing::debug!(channel = channel.name(), attempts, "alert delivered"),
            // The error is scrubbed too: a channel's answer could echo what it was sent.
            Err(e) => {
                tracing::error!(channel = channel.name(), error = %redactor.clean(&e.to_string()), "alert not delivered")
            }
        }
    }
}
