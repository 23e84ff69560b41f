//! `MarketStream`: a subscription to market streams that survives drops. It reconnects with the
//! named [`Backoff`] on every drop, rotates the connection before Binance's 24-hour cut, and
//! reports each disconnect and reconnect as an event, so consumers can fill the gap.

use std::time::Duration;

use mirai_core::{Candle, Quote, Symbol, Timestamp};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use mirai_core::Backoff;

use super::backoff;
use super::frames::Ended;
use super::handler;
use super::parse::TradeTick;
use crate::common::enums::KlineInterval;
use crate::common::time::local_millis;

#[derive(Clone, Debug)]
pub struct StreamConfig {
    /// The stream host, e.g. `wss://stream.testnet.binance.vision` or `ws://127.0.0.1:PORT`.
    pub base_url: String,
    /// Stream names (`btcusdt@kline_1m`, `btcusdt@trade`, `btcusdt@bookTicker`).
    pub streams: Vec<String>,
    pub backoff: Backoff,
    /// Reconnect on our own before this age; Binance cuts connections at 24 h.
    pub max_age: Duration,
    /// Reconnect when nothing (not even a ping, sent every 20 s) arrives for this long.
    pub idle_timeout: Duration,
    pub connect_timeout: Duration,
    pub channel_capacity: usize,
}

impl StreamConfig {
    pub fn new(base_url: impl Into<String>, streams: Vec<String>) -> Self {
        Self {
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            streams,
            backoff: backoff::default_stream(),
            max_age: Duration::from_secs(23 * 3600 + 50 * 60),
            idle_timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            channel_capacity: 1024,
        }
    }

    pub fn kline(symbol: Symbol, interval: KlineInterval) -> String {
        format!("{}@kline_{}", symbol.as_str().to_ascii_lowercase(), interval.as_str())
    }

    pub fn trade(symbol: Symbol) -> String {
        format!("{}@trade", symbol.as_str().to_ascii_lowercase())
    }

    pub fn book_ticker(symbol: Symbol) -> String {
        format!("{}@bookTicker", symbol.as_str().to_ascii_lowercase())
    }

    /// A raw stream (`/ws/<name>`) for one stream, a combined one (`/stream?streams=a/b`) for more.
    pub fn url(&self) -> String {
        match self.streams.as_slice() {
            [one] => format!("{}/ws/{one}", self.base_url),
            many => format!("{}/stream?streams={}", self.base_url, many.join("/")),
        }
    }
}

/// What a market stream reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StreamEvent {
    /// A connection is up (again). `reconnect` is false only for the first one.
    Connected {
        at: Timestamp,
        reconnect: bool,
    },
    /// The connection ended; data may be missing until the next `Connected`.
    Disconnected {
        at: Timestamp,
        reason: String,
    },
    /// A kline update: `closed` tells a final bar from a forming one.
    Kline(Candle),
    Trade(TradeTick),
    Quote(Quote),
}

/// A running subscription. Dropping it stops the task.
#[derive(Debug)]
pub struct MarketStream {
    rx: mpsc::Receiver<StreamEvent>,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl MarketStream {
    pub fn spawn(config: StreamConfig) -> Self {
        let (tx, rx) = mpsc::channel(config.channel_capacity.max(1));
        let (stop, stop_rx) = watch::channel(false);
        let task = tokio::spawn(run(config, tx, stop_rx));
        Self { rx, stop, task: Some(task) }
    }

    /// The next event; `None` once stopped.
    pub async fn next(&mut self) -> Option<StreamEvent> {
        self.rx.recv().await
    }

    /// Closes the socket and waits for the task to end.
    pub async fn stop(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for MarketStream {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

fn now() -> Timestamp {
    Timestamp::from_millis(local_millis())
}

async fn run(mut cfg: StreamConfig, tx: mpsc::Sender<StreamEvent>, mut stop: watch::Receiver<bool>) {
    let url = cfg.url();
    let mut connected_before = false;
    let mut announced_down = false;
    loop {
        if *stop.borrow() {
            return;
        }
        let attempt =
            tokio::time::timeout(cfg.connect_timeout, tokio_tungstenite::connect_async(url.as_str())).await;
        let ended = match attempt {
            Ok(Ok((ws, _))) => {
                tracing::info!(
                    streams = cfg.streams.len(),
                    reconnect = connected_before,
                    "market stream connected"
                );
                if tx.send(StreamEvent::Connected { at: now(), reconnect: connected_before }).await.is_err() {
                    return;
                }
                connected_before = true;
                announced_down = false;
                let started = tokio::time::Instant::now();
                let ended = handler::run(ws, &tx, &mut stop, cfg.max_age, cfg.idle_timeout).await;
                // A connection that stayed up a while earns a fresh backoff.
                if started.elapsed() > Duration::from_secs(30) {
                    cfg.backoff.reset();
                }
                ended
            }
            Ok(Err(e)) => Ended::Dropped(format!("connect failed: {e}")),
            Err(_) => Ended::Dropped(format!("connect timed out after {} s", cfg.connect_timeout.as_secs())),
        };
        let reason = match ended {
            Ended::Stopped => return,
            Ended::Rotated => "rotated before the 24 h limit".to_owned(),
            Ended::Dropped(r) => r,
        };
        // One Disconnected per outage, not one per failed attempt.
        if !announced_down {
            tracing::warn!(%reason, "market stream disconnected");
            if tx.send(StreamEvent::Disconnected { at: now(), reason: reason.clone() }).await.is_err() {
                return;
            }
            announced_down = true;
        }
        if reason.starts_with("rotated") {
            continue;
        }
        let delay = cfg.backoff.next_delay();
        tracing::debug!(
            delay_ms = delay.as_millis() as u64,
            attempt = cfg.backoff.attempts(),
            "reconnecting"
        );
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = stop.changed() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_names_and_urls() {
        let s = Symbol::new("BTCUSDT");
        assert_eq!(StreamConfig::kline(s, KlineInterval::M1), "btcusdt@kline_1m");
        let one = StreamConfig::new("wss://x", vec![StreamConfig::trade(s)]);
        assert_eq!(one.url(), "wss://x/ws/btcusdt@trade");
        let two = StreamConfig::new("wss://x/", vec![StreamConfig::trade(s), StreamConfig::book_ticker(s)]);
        assert_eq!(two.url(), "wss://x/stream?streams=btcusdt@trade/btcusdt@bookTicker");
    }
}
