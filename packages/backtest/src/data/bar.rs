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
        Candle {
            symbol,
            open_time: Timestamp::from_millis(self.open_time),
            close_time: Timestamp::from_millis(self.close_time),
            open: Self::price(self.open),
            high: Self::price(self.high),
            low: Self::price(self.low),
            close: Self::price(self.close),
            volume: Self::qty(self.volume),
            closed: true,
        }
    }

    /// A price of a bar as its candle has it.
    #[inline]
    pub(crate) fn price(f: Fixed) -> Price {
        Price::new_checked(f.to_decimal()).unwrap_or_default()
    }

    /// The volume of a bar as its candle has it.
    #[inline]
    pub(crate) fn qty(f: Fixed) -> Qty {
        Qty::new_checked(f.to_decimal()).unwrap_or_default()
    }
}
