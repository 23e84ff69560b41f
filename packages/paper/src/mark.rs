//! `Mark`: the latest prices seen for a symbol, on each side of the book, and `Marks`, all of them.

use mirai_core::{Candle, Decimal, Price, Quote, Side, Symbol};

/// A candle gives one price for both sides; a quote gives the bid (where sells fill) and the ask
/// (where buys fill).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Mark {
    pub(crate) bid: Price,
    pub(crate) ask: Price,
    pub(crate) last: Price,
}

impl Mark {
    #[inline]
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

/// The latest mark per symbol. An exchange trades a handful of symbols and a backtest feeds it
/// every bar, so a small vector searched linearly beats a tree here (a `BTreeMap` insert per bar
/// was the largest cost of the paper exchange in a backtest).
#[derive(Clone, Debug, Default)]
pub(crate) struct Marks(Vec<(Symbol, Mark)>);

impl Marks {
    pub(crate) fn get(&self, symbol: &Symbol) -> Option<&Mark> {
        self.0.iter().find(|(s, _)| s == symbol).map(|(_, m)| m)
    }

    #[inline]
    pub(crate) fn insert(&mut self, symbol: Symbol, mark: Mark) {
        match self.0.iter_mut().find(|(s, _)| *s == symbol) {
            Some((_, m)) => *m = mark,
            None => self.0.push((symbol, mark)),
        }
    }
}
