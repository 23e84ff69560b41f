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
