//! `Candle`: one OHLCV bar (a Binance kline).

use serde::{Deserialize, Serialize};

use crate::{Price, Qty, Symbol, Timestamp};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candle {
    pub symbol: Symbol,
    pub open_time: Timestamp,
    /// The last millisecond the bar covers (Binance's convention: open + interval - 1).
    pub close_time: Timestamp,
    pub open: Price,
    pub high: Price,
    pub low: Price,
    pub close: Price,
    pub volume: Qty,
    /// False while the bar is still forming; strategies act on closed bars only.
    pub closed: bool,
}

/// Where a closed candle the worker traded on came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum CandleSource {
    /// The built-in replay (synthetic) feed.
    Replay,
    /// Binance's public market data, traded on paper.
    Binance,
    /// The streams of the venue the worker trades on (Binance testnet, demo or live).
    Venue,
}

impl CandleSource {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Replay => "replay",
            Self::Binance => "binance",
            Self::Venue => "venue",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Replay, Self::Binance, Self::Venue].into_iter().find(|v| v.as_str() == s)
    }
}

impl std::fmt::Display for CandleSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A closed candle as the analytics store keeps it: one per symbol, interval and open time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CandleRecord {
    pub symbol: Symbol,
    /// Binance's spelling of the bar length: "1m", "5m", "1h", ...
    pub interval: String,
    pub open_time: Timestamp,
    /// The last millisecond the bar covers (open + interval - 1).
    pub close_time: Timestamp,
    pub open: Price,
    pub high: Price,
    pub low: Price,
    pub close: Price,
    pub volume: Qty,
    pub source: CandleSource,
}

impl CandleRecord {
    /// The record of `candle`, a bar of length `interval` from `source`.
    pub fn new(candle: &Candle, interval: impl Into<String>, source: CandleSource) -> Self {
        Self {
            symbol: candle.symbol,
            interval: interval.into(),
            open_time: candle.open_time,
            close_time: candle.close_time,
            open: candle.open,
            high: candle.high,
            low: candle.low,
            close: candle.close,
            volume: candle.volume,
            source,
        }
    }
}
