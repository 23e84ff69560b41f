//! `MarketEvent`: everything a market feed can tell the engine, live or replayed.

use serde::{Deserialize, Serialize};

use crate::{Candle, Price, Qty, Symbol, Timestamp};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum MarketEvent {
    Candle(Candle),
    Quote(Quote),
    Status(FeedStatus),
}

impl MarketEvent {
    pub fn symbol(&self) -> Option<Symbol> {
        match self {
            MarketEvent::Candle(c) => Some(c.symbol),
            MarketEvent::Quote(q) => Some(q.symbol),
            MarketEvent::Status(_) => None,
        }
    }

    pub fn time(&self) -> Timestamp {
        match self {
            MarketEvent::Candle(c) => c.close_time,
            MarketEvent::Quote(q) => q.time,
            MarketEvent::Status(s) => match s {
                FeedStatus::Connected { at } | FeedStatus::Disconnected { at } => *at,
            },
        }
    }
}

/// Best bid and ask (Binance's bookTicker).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    pub symbol: Symbol,
    pub time: Timestamp,
    pub bid: Price,
    pub bid_qty: Qty,
    pub ask: Price,
    pub ask_qty: Qty,
}

/// A feed's connection changes are events too, so consumers can see (and log) a gap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum FeedStatus {
    Connected { at: Timestamp },
    Disconnected { at: Timestamp },
}
