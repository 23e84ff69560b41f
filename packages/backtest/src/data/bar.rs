//! `Bar`: one validated OHLCV row as read from a file, before it becomes the engine's `Candle`.

use mirai_core::{Candle, Price, Qty, Symbol, Timestamp};

use super::Fixed;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bar {
    /// Milliseconds since the epoch: the time the file gives for the bar.
    pub open_time: i64,
    /// The last millisecond the bar covers (Binance's convention).
    pub close_time: i64,
    pub open: Fixed,
    pub high: Fixed,
    pub low: Fixed,
    pub close: Fixed,
    pub volume: Fixed,
}

impl Bar {
    /// The closed candle the engine sees. Readers only produce bars whose prices are positive and
    /// whose volume is not negative, so the conversions cannot fail.
    #[inline]
    pub fn candle(&self, symbol: Symbol) -> Candle {
        let price = |f: Fixed| Price::new_checked(f.to_decimal()).unwrap_or_default();
        Candle {
            symbol,
            open_time: Timestamp::from_millis(self.open_time),
            close_time: Timestamp::from_millis(self.close_time),
            open: price(self.open),
            high: price(self.high),
            low: price(self.low),
            close: price(self.close),
            volume: Qty::new_checked(self.volume.to_decimal()).unwrap_or_default(),
            closed: true,
        }
    }
}
