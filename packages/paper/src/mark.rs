//! `Mark`: the latest prices seen for a symbol, on each side of the book, and `Marks`, all of them.

use mirai_core::{Candle, Decimal, Price, Quote, Side, Symbol};

/// A candle gives one price for both sides; a quote gives the bid (where sells fill) and the ask
/// (where buys fill). A candle's mark is one price, not three copies of it: a backtest writes one
/// on every bar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mark {
    Trade(Price),
    Quote { bid: Price, ask: Price, mid: Price },
}

impl Mark {
    #[inline]
    pub(crate) fn from_candle(c: &Candle) -> Self {
        Self::Trade(c.close)
    }

    pub(crate) fn from_quote(q: &Quote) -> Self {
        // The mid-price: a quote has no last trade, and the mid is its fairest single price.
        let mid = (q.bid.get() + q.ask.get()) / Decimal::TWO;
        Self::Quote { bid: q.bid, ask: q.ask, mid: Price::new(mid) }
    }

    /// The price a taker on `side` trades against before slippage.
    pub(crate) fn for_taker(&self, side: Side) -> Price {
        match (self, side) {
            (Self::Trade(p), _) => *p,
            (Self::Quote { ask, .. }, Side::Buy) => *ask,
            (Self::Quote { bid, .. }, Side::Sell) => *bid,
        }
    }

    /// The last price: a candle's close, or a quote's mid-price.
    pub(crate) fn last(&self) -> Price {
        match self {
            Self::Trade(p) => *p,
            Self::Quote { mid, .. } => *mid,
        }
    }
}

/// The latest mark per symbol. An exchange trades a handful of symbols and a backtest feeds it
/// every bar, so a small vector searched linearly beats a tree here (a `BTreeMap` insert per bar
/// was the largest cost of the paper exchange in a backtest). A symbol keeps its position once
/// known, so a caller that feeds one symbol many times can look it up once ([`MarketIndex`]).
/// A symbol can be known before its first price (`None`).
#[derive(Clone, Debug, Default)]
pub(crate) struct Marks(Vec<(Symbol, Option<Mark>)>);

impl Marks {
    pub(crate) fn get(&self, symbol: &Symbol) -> Option<&Mark> {
        self.0.iter().find(|(s, _)| s == symbol).and_then(|(_, m)| m.as_ref())
    }

    /// The position of `symbol`, added without a price if it is new.
    #[inline]
    pub(crate) fn index(&mut self, symbol: Symbol) -> MarketIndex {
        match self.0.iter().position(|(s, _)| *s == symbol) {
            Some(i) => MarketIndex(i),
            None => {
                self.0.push((symbol, None));
                MarketIndex(self.0.len() - 1)
            }
        }
    }

    /// Records the mark of the symbol at `at` (from [`Marks::index`], so always present).
    #[inline]
    pub(crate) fn set(&mut self, at: MarketIndex, mark: Mark) {
        self.0[at.0].1 = Some(mark);
    }

    /// The symbol at `at`.
    #[inline]
    pub(crate) fn symbol(&self, at: MarketIndex) -> Symbol {
        self.0[at.0].0
    }
}

/// Where a symbol's prices live in one [`crate::PaperExchange`]
/// ([`crate::PaperExchange::market_index`]): lets a caller that feeds the same symbol on every
/// event skip the search by symbol. Only meaningful for the exchange that gave it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MarketIndex(usize);
