//! The Binance market feed: closed klines (and optionally best bid/ask) from the market streams
//! into the engine's `mpsc::Sender<MarketEvent>`, in order, once each, with nothing missing.
//! Whenever the stream (re)connects, and whenever a bar arrives after a hole, the missing bars
//! are fetched from REST klines first. Disconnects reach the engine as `FeedStatus` events.

use std::collections::HashMap;
use std::sync::Arc;

use mirai_binance::{
    BinanceError, BinanceHttpClient, KlineInterval, MarketStream, StreamConfig, StreamEvent,
};
use mirai_core::{Candle, FeedStatus, MarketEvent, Symbol, Timestamp};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use mirai_core::{BarSequencer, Verdict};

#[derive(Clone, Debug)]
pub struct FeedConfig {
    /// The stream host (`Endpoints::streams`).
    pub streams_url: String,
    pub symbols: Vec<Symbol>,
    pub interval: KlineInterval,
    /// Also send best bid/ask (`bookTicker`) as `MarketEvent::Quote`.
    pub quotes: bool,
    /// The last bar already processed per symbol; bars after it are fetched on connect.
    pub resume: HashMap<Symbol, Timestamp>,
    /// The stream's reconnection policy and limits (defaults: see `StreamConfig::new`).
    pub stream: Option<StreamConfig>,
}

/// Starts the feed; it ends when the receiver is dropped.
pub fn spawn_feed(
    client: Arc<BinanceHttpClient>,
    config: FeedConfig,
    tx: mpsc::Sender<MarketEvent>,
) -> JoinHandle<()> {
    tokio::spawn(run(client, config, tx))
}

async fn run(client: Arc<BinanceHttpClient>, config: FeedConfig, tx: mpsc::Sender<MarketEvent>) {
    let mut names: Vec<String> =
        config.symbols.iter().map(|s| StreamConfig::kline(*s, config.interval)).collect();
    if config.quotes {
        names.extend(config.symbols.iter().map(|s| StreamConfig::book_ticker(*s)));
    }
    let mut stream_config =
        config.stream.clone().unwrap_or_else(|| StreamConfig::new(config.streams_url.clone(), Vec::new()));
    stream_config.base_url = config.streams_url.trim_end_matches('/').to_owned();
    stream_config.streams = names;
    let mut stream = MarketStream::spawn(stream_config);
    let mut seq = BarSequencer::new(config.interval.millis(), config.resume.clone());
    loop {
        // Ends as soon as the engine stops listening, not at the next market event.
        let event = tokio::select! {
            e = stream.next() => e,
            _ = tx.closed() => None,
        };
        let Some(event) = event else { break };
        let sent = match event {
            StreamEvent::Connected { at, reconnect } => {
                tracing::info!(reconnect, "Binance market feed connected");
                if reconnect {
                    super::reconnects::market_feed_reconnected();
                }
                send(&tx, MarketEvent::Status(FeedStatus::Connected { at })).await
                    && catch_up(&client, &config, &mut seq, &tx).await
            }
            StreamEvent::Disconnected { at, reason } => {
                tracing::warn!(%reason, "Binance market feed disconnected; missing bars will be fetched on reconnect");
                send(&tx, MarketEvent::Status(FeedStatus::Disconnected { at })).await
            }
            StreamEvent::Kline(bar) if bar.closed => {
                on_closed_bar(&client, &config, &mut seq, &tx, bar).await
            }
            StreamEvent::Quote(q) if config.quotes => send(&tx, MarketEvent::Quote(q)).await,
            StreamEvent::Kline(_) | StreamEvent::Quote(_) | StreamEvent::Trade(_) => true,
        };
        if !sent {
            break;
        }
    }
    stream.stop().await;
}

async fn send(tx: &mpsc::Sender<MarketEvent>, event: MarketEvent) -> bool {
    tx.send(event).await.is_ok()
}

async fn on_closed_bar(
    client: &BinanceHttpClient,
    config: &FeedConfig,
    seq: &mut BarSequencer,
    tx: &mpsc::Sender<MarketEvent>,
    bar: Candle,
) -> bool {
    match seq.check(&bar) {
        Verdict::Seen => return true,
        Verdict::Next => {}
        Verdict::Gap { from, to } if config.interval.is_fixed() => {
            // Everything before a closed bar is closed, whatever the REST rows say.
            if let Err(e) = fill(client, config.interval, bar.symbol, from, Some(to), seq, tx, true).await {
                tracing::error!(symbol = %bar.symbol, error = %e, "could not fetch missing bars; they stay missing until the next reconnect");
            }
        }
        Verdict::Gap { .. } => {}
    }
    if seq.accept(&bar) { send(tx, MarketEvent::Candle(bar)).await } else { true }
}

/// After a (re)connect: every closed bar since the last one emitted, per symbol.
async fn catch_up(
    client: &BinanceHttpClient,
    config: &FeedConfig,
    seq: &mut BarSequencer,
    tx: &mpsc::Sender<MarketEvent>,
) -> bool {
    for symbol in &config.symbols {
        let Some(last) = seq.last(*symbol) else { continue };
        let from = last.plus_millis(seq.interval_ms());
        match fill(client, config.interval, *symbol, from, None, seq, tx, false).await {
            Ok(true) => {}
            Ok(false) => return false,
            Err(e) => {
                tracing::error!(%symbol, error = %e, "catch-up after reconnect failed; the next bar will retry")
            }
        }
    }
    true
}

/// Fetches bars opening in `[from, to]` page by page and emits the new ones. `all_closed`: the
/// range ends before a bar known to be closed. Returns false if the receiver is gone.
#[allow(clippy::too_many_arguments)]
async fn fill(
    client: &BinanceHttpClient,
    interval: KlineInterval,
    symbol: Symbol,
    from: Timestamp,
    to: Option<Timestamp>,
    seq: &mut BarSequencer,
    tx: &mpsc::Sender<MarketEvent>,
    all_closed: bool,
) -> Result<bool, BinanceError> {
    let mut start = from;
    let mut fetched = 0usize;
    loop {
        let page = client.klines(symbol, interval, Some(start), to, 1000).await?;
        let full_page = page.len() == 1000;
        let Some(last) = page.last().map(|c| c.open_time) else { break };
        for mut bar in page {
            if all_closed {
                bar.closed = true;
            }
            if bar.closed && seq.accept(&bar) {
                fetched += 1;
                if !send(tx, MarketEvent::Candle(bar)).await {
                    return Ok(false);
                }
            }
        }
        if !full_page {
            break;
        }
        start = last.plus_millis(1);
    }
    if fetched > 0 {
        tracing::info!(%symbol, bars = fetched, "missing bars filled from REST");
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use mirai_core::{Candle, FeedStatus, MarketEvent, Symbol};
    use tokio::sync::mpsc;

    use super::*;
    use crate::venue::test_support::{sim, venue};

    async fn next(rx: &mut mpsc::Receiver<MarketEvent>) -> MarketEvent {
        tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .expect("an event in time")
            .expect("feed running")
    }

    /// Reads events until `total` candles have been seen since the start. Counting the total
    /// (not per phase) keeps the test exact whichever side of the cut a bar lands on.
    async fn until(rx: &mut mpsc::Receiver<MarketEvent>, total: usize, seen: &mut Vec<MarketEvent>) {
        while seen.iter().filter(|e| matches!(e, MarketEvent::Candle(_))).count() < total {
            seen.push(next(rx).await);
        }
    }

    #[tokio::test]
    async fn a_stream_dropped_mid_way_loses_no_bar() {
        let sim = sim(|_| {}).await;
        let venue = venue(&sim).await;
        let btc = Symbol::new("BTCUSDT");
        let eth = Symbol::new("ETHUSDT");
        // Resume from the last bar the "store" saw: two bars before the simulator's latest.
        let history = sim.candles(btc);
        let resume_at = history[history.len() - 3].open_time;
        let (tx, mut rx) = mpsc::channel(1024);
        let mut stream = StreamConfig::new(String::new(), Vec::new());
        stream.backoff =
            mirai_binance::jittered_backoff(Duration::from_millis(20), Duration::from_millis(100));
        let config = FeedConfig {
            streams_url: venue.endpoints.streams.clone(),
            symbols: vec![btc, eth],
            interval: KlineInterval::M1,
            quotes: false,
            resume: HashMap::from([(btc, resume_at), (eth, resume_at)]),
            stream: Some(stream),
        };
        let reconnects_before = crate::venue::stream_reconnects().market_feed;
        let feed = spawn_feed(venue.client.clone(), config, tx);
        let mut seen = Vec::new();
        assert!(matches!(next(&mut rx).await, MarketEvent::Status(FeedStatus::Connected { .. })));
        // Catch-up on connect: the two bars after the resume point, per symbol.
        until(&mut rx, 4, &mut seen).await;
        // Live bars, then a cut while five more bars pass, then live again.
        sim.advance(3);
        until(&mut rx, 10, &mut seen).await;
        sim.set_streams_up(false);
        sim.advance(5);
        while !seen.iter().any(|e| matches!(e, MarketEvent::Status(FeedStatus::Disconnected { .. }))) {
            seen.push(next(&mut rx).await);
        }
        sim.set_streams_up(true);
        // The five missed bars per symbol come from REST on reconnect.
        until(&mut rx, 20, &mut seen).await;
        sim.advance(2);
        until(&mut rx, 24, &mut seen).await;
        drop(rx);
        let _ = feed.await;

        for symbol in [btc, eth] {
            let got: Vec<Candle> = seen
                .iter()
                .filter_map(|e| match e {
                    MarketEvent::Candle(c) if c.symbol == symbol => Some(*c),
                    _ => None,
                })
                .collect();
            let all = sim.candles(symbol);
            let want: Vec<Candle> = all.into_iter().filter(|c| c.open_time > resume_at).collect();
            assert_eq!(got.len(), 12, "{symbol}: 2 caught up + 3 live + 5 filled + 2 live");
            assert_eq!(got, want, "{symbol}: every bar, once, in order");
            assert!(got.iter().all(|c| c.closed));
        }
        let statuses = seen.iter().filter(|e| matches!(e, MarketEvent::Status(_))).count();
        assert!(statuses >= 2, "the disconnect and the reconnect are visible");
        // Process-wide, so other tests may add to it; this one's reconnect must be among them.
        assert!(
            crate::venue::stream_reconnects().market_feed > reconnects_before,
            "the reconnect is counted"
        );
        sim.stop().await;
    }
}
