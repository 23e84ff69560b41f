//! `Mark`: the latest prices seen for a symbol, on each side of the book.

use mirai_core::{Candle, Decimal, Price, Quote, Side};

/// A candle gives one price for both sides; a quote gives the bid (where sells fill) and the ask
/// (where buys fill).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Mark {
    pub(crate) bid: Price,
    pub(crate) ask: Price,
    pub(crate) last: Price,
}

impl Mark {
    pub(crate) fn from_candle(c: &Candle) -> Self {
        Self { bid: c.close, ask: c.close, last: c.close }
    }

    pub(crate) fn from_quote(q: &Quote) -> Self {
        // The mid-price: a quote has no last trade, and the mid is its fairest single price.
        let mid = (q.bid.get() + q.ask.get()) / Decimal::TWO;
        Self { bid: q.bid, ask: q.ask, last: Price::new(mid) }
    }

    /// The price a taker on `side` trades against before slippage.
    pub(crate) fn for_taker(&self, side: Side) -> Price {
        match side {
            Side::Buy => self.ask,
            Side::Sell => self.bid,
        }
    }
}
