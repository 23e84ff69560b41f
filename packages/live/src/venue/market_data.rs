//! Binance's public market data for paper trading (`MARKET_DATA=binance` with `DRY_RUN=true`):
//! the symbols' real filters from exchangeInfo, the last closed klines to warm the strategies, and
//! the kline stream with reconnection and gap fill. No API key: the client is
//! [`BinanceHttpClient::public`], which has nothing to sign with, so nothing here can place an
//! order. The warm-up and the feed are the venue's own (`boot.rs`, `feed.rs`); only where the
//! orders go differs (the paper exchange, wired by the worker's `app.rs`).
//!
//! Request weight (Binance counts it per IP, 6,000 a minute): 21 at start (`time` 1,
//! `exchangeInfo` 20) plus 2 per symbol for the warm-up's klines, then nothing while the stream
//! runs; each reconnect costs 2 per symbol and per 1,000 missed bars to fill the gap.

use std::sync::Arc;
use std::time::Duration;

use mirai_binance::{BinanceHttpClient, Endpoints, HttpConfig, KlineInterval};
use mirai_core::{MarketEvent, Symbol, SymbolRules};
use mirai_settings::Reader;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::error::VenueError;
use super::feed::{FeedConfig, spawn_feed};
use crate::trader::TradingEngine;

/// Binance's market-data-only REST host: the public endpoints, no key (Binance's "Market Data
/// Only URLs"). Live prices, whatever `BINANCE_ENV` says.
pub const PUBLIC_REST_URL: &str = "https://data-api.binance.vision";
/// Binance's market-data-only stream host.
pub const PUBLIC_STREAM_URL: &str = "wss://data-stream.binance.vision";

/// Where Binance's public market data is read from, and how.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MarketDataSettings {
    /// REST base URL: `BINANCE_REST_URL`, else `BINANCE_LOCAL_URL`'s, else [`PUBLIC_REST_URL`].
    pub rest: String,
    /// Market-stream host: `BINANCE_STREAM_URL`, else `BINANCE_LOCAL_URL`'s, else
    /// [`PUBLIC_STREAM_URL`].
    pub streams: String,
    /// Whether the URLs were overridden (the simulator in tests, a mirror).
    pub custom_endpoints: bool,
    /// `BINANCE_TIMEOUT_MS`: one REST request, connect to last byte.
    pub timeout: Duration,
    /// `BINANCE_KLINE_INTERVAL`: the bars the strategies trade on.
    pub kline_interval: KlineInterval,
}

impl MarketDataSettings {
    /// Reads the settings through `get`; every problem at once. No key is read: none is needed.
    pub fn from_lookup(get: &dyn Fn(&str) -> Option<String>) -> Result<Self, Vec<String>> {
        let mut r = Reader::new(get);
        let mut rest = PUBLIC_REST_URL.to_owned();
        let mut streams = PUBLIC_STREAM_URL.to_owned();
        let mut custom_endpoints = false;
        if let Some(local) = r.raw("BINANCE_LOCAL_URL") {
            let local = Endpoints::local(&local);
            (rest, streams, custom_endpoints) = (local.rest, local.streams, true);
        }
        for (key, slot) in [("BINANCE_REST_URL", &mut rest), ("BINANCE_STREAM_URL", &mut streams)] {
            if let Some(v) = r.raw(key) {
                *slot = v.trim_end_matches('/').to_owned();
                custom_endpoints = true;
            }
        }
        let timeout = Duration::from_millis(r.ranged("BINANCE_TIMEOUT_MS", 10_000u64, 1, 120_000));
        let kline_interval = match r.raw("BINANCE_KLINE_INTERVAL") {
            None => KlineInterval::M1,
            Some(v) => v.parse().unwrap_or_else(|e: String| {
                r.error(format!("BINANCE_KLINE_INTERVAL: {e}"));
                KlineInterval::M1
            }),
        };
        r.finish(Self { rest, streams, custom_endpoints, timeout, kline_interval })
    }
}

/// Binance's public market, read: a client with no key, and the symbols' rules.
#[derive(Debug)]
pub struct PublicMarket {
    /// Unsigned; one rate-limit budget for the warm-up and every gap fill.
    pub client: Arc<BinanceHttpClient>,
    pub streams_url: String,
    /// Each symbol's filters, from exchangeInfo.
    pub rules: Vec<SymbolRules>,
    pub kline_interval: KlineInterval,
}

/// Reads the server's clock (klines tell the forming bar from closed ones by it) and the symbols'
/// rules. An unknown symbol is an error, as on the venue.
pub async fn connect_public(
    settings: &MarketDataSettings,
    symbols: &[Symbol],
) -> Result<PublicMarket, VenueError> {
    let mut http = HttpConfig::new(settings.rest.clone());
    http.timeout = settings.timeout;
    let client = Arc::new(BinanceHttpClient::public(http)?);
    client.sync_time().await?;
    let rules = client.symbol_rules(symbols).await?;
    if let Some(missing) = symbols.iter().find(|s| !rules.iter().any(|r| r.symbol == **s)) {
        return Err(VenueError::UnknownSymbol(*missing));
    }
    tracing::info!(rest = %settings.rest, streams = %settings.streams, symbols = symbols.len(), "reading Binance's public market data (no API key); orders stay on the paper exchange");
    Ok(PublicMarket {
        client,
        streams_url: settings.streams.clone(),
        rules,
        kline_interval: settings.kline_interval,
    })
}

impl PublicMarket {
    /// The exchange's rules for `symbol`.
    pub fn rules(&self, symbol: Symbol) -> Option<SymbolRules> {
        self.rules.iter().find(|r| r.symbol == symbol).cloned()
    }

    /// Warms `engine` on the last closed bars from REST, then starts the kline feed from the
    /// latest of them into `tx` (catching up from REST on every reconnect). Bars that closed
    /// while the worker was down only warm the strategies; they are never traded late.
    pub async fn start_feed(
        &self,
        engine: &mut TradingEngine,
        tx: mpsc::Sender<MarketEvent>,
    ) -> JoinHandle<()> {
        let symbols: Vec<Symbol> = self.rules.iter().map(|r| r.symbol).collect();
        let resume = super::boot::warm_up(&self.client, self.kline_interval, &symbols, engine).await;
        let config = FeedConfig {
            streams_url: self.streams_url.clone(),
            symbols,
            interval: self.kline_interval,
            quotes: false,
            resume,
            stream: None,
        };
        spawn_feed(Arc::clone(&self.client), config, tx)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::venue::test_support::{sim, symbols};

    fn read(pairs: &[(&str, &str)]) -> Result<MarketDataSettings, Vec<String>> {
        let env: HashMap<String, String> =
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        MarketDataSettings::from_lookup(&move |k| env.get(k).cloned())
    }

    #[test]
    fn binances_public_hosts_by_default_and_the_simulator_with_one_setting() {
        let s = read(&[]).expect("defaults");
        assert_eq!((s.rest.as_str(), s.streams.as_str()), (PUBLIC_REST_URL, PUBLIC_STREAM_URL));
        assert!(!s.custom_endpoints);
        assert_eq!((s.timeout, s.kline_interval), (Duration::from_secs(10), KlineInterval::M1));
        // Whatever BINANCE_ENV says: the real market, never the testnet's.
        assert_eq!(read(&[("BINANCE_ENV", "testnet")]).expect("valid").rest, PUBLIC_REST_URL);
        let local = read(&[("BINANCE_LOCAL_URL", "http://127.0.0.1:9400/")]).expect("valid");
        assert_eq!(
            (local.rest.as_str(), local.streams.as_str()),
            ("http://127.0.0.1:9400", "ws://127.0.0.1:9400")
        );
        assert!(local.custom_endpoints);
        let errs = read(&[("BINANCE_KLINE_INTERVAL", "7m"), ("BINANCE_TIMEOUT_MS", "0")]).unwrap_err();
        assert_eq!(errs.len(), 2, "{errs:?}");
    }

    #[tokio::test]
    async fn the_rules_come_from_exchange_info_without_a_key() {
        let sim = sim(|c| {
            let btc = c.symbols.iter_mut().find(|s| s.rules.symbol.as_str() == "BTCUSDT");
            if let Some(l) = btc.and_then(|b| b.rules.lot_size.as_mut()) {
                l.step_size = mirai_core::Qty::new(rust_decimal_macros::dec!(0.001));
            }
        })
        .await;
        let settings = read(&[("BINANCE_LOCAL_URL", &sim.base_url())]).expect("valid");
        let market = connect_public(&settings, &symbols()).await.expect("public data needs no key");
        let btc = market.rules(Symbol::new("BTCUSDT")).expect("BTCUSDT listed");
        assert_eq!(btc.lot_size.map(|l| l.step_size.get()), Some(rust_decimal_macros::dec!(0.001)));
        assert!(market.client.credential().is_none(), "nothing to sign an order with");
        let unknown = connect_public(&settings, &[Symbol::new("NOPEUSDT")]).await;
        assert!(unknown.is_err());
        sim.stop().await;
    }
}
