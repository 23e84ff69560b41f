//! The order book the market shows around its last trade: the best bid and ask one tick apart,
//! the trade on the side it hit (a fall trades at the bid, a rise at the ask), and levels one tick
//! apart behind them with quantities on the lot step. Quantities are drawn from the book's update
//! id, so `bookTicker` (stream and REST) and `depth` agree for as long as the book has not moved.
//! The book is a picture: orders, the simulator's account's included, fill at the best price
//! whatever their size.

use mirai_core::synthetic::SplitMix64;
use mirai_core::{Decimal, Price, Qty, Quote, Symbol, SymbolRules, Timestamp};

use super::path::floor_to;

/// Quote-asset value of one unit of a level's quantity: levels hold 50 to 50,000 USDT.
const UNIT_NOTIONAL: i64 = 50;

#[derive(Clone, Copy, Debug)]
pub(super) struct Book {
    symbol: Symbol,
    pub tick: Decimal,
    pub lot: Decimal,
    min_qty: Decimal,
    min_price: Decimal,
    max_price: Decimal,
    salt: u64,
}

impl Book {
    pub fn new(rules: &SymbolRules, salt: u64) -> Self {
        let tick = rules
            .price_filter
            .map(|f| f.tick_size.get())
            .filter(|t| !t.is_zero())
            .unwrap_or(Decimal::new(1, 2));
        let (min_price, max_price) = rules
            .price_filter
            .map_or((tick, Decimal::MAX), |f| (f.min_price.get().max(tick), f.max_price.get()));
        let lot =
            rules.lot_size.map(|l| l.step_size.get()).filter(|s| !s.is_zero()).unwrap_or(Decimal::new(1, 8));
        let min_qty = rules.lot_size.map_or(lot, |l| l.min_qty.get().max(lot));
        let max_price = if max_price.is_zero() { Decimal::MAX } else { max_price };
        Self { symbol: rules.symbol, tick, lot, min_qty, min_price, max_price, salt }
    }

    /// Best bid and ask after a trade at `last`: a fall (`down`) trades at the bid, a rise (or no
    /// change) at the ask; one tick apart.
    fn best(&self, last: Decimal, down: bool) -> (Decimal, Decimal) {
        if down || last - self.tick < self.min_price {
            (last, last + self.tick)
        } else {
            (last - self.tick, last)
        }
    }

    pub fn quote(&self, last: Decimal, down: bool, update_id: u64, time: i64) -> Quote {
        let (bid, ask) = self.best(last, down);
        Quote {
            symbol: self.symbol,
            time: Timestamp::from_millis(time),
            bid: Price::new(bid.max(Decimal::ZERO)),
            bid_qty: Qty::new(self.qty(update_id, 0, true, bid)),
            ask: Price::new(ask.max(Decimal::ZERO)),
            ask_qty: Qty::new(self.qty(update_id, 0, false, ask)),
        }
    }

    /// The quantity at a level: on the lot step, at least the minimum quantity.
    fn qty(&self, update_id: u64, level: usize, bid: bool, price: Decimal) -> Decimal {
        let mut rng = SplitMix64::new(
            self.salt
                ^ update_id.wrapping_mul(0x9E37_79B9_7F4A_7C15)
                ^ ((level as u64) << 1 | u64::from(bid)),
        );
        let units = Decimal::from(1 + rng.next_u64() % 1_000);
        let raw = if price > Decimal::ZERO { units * Decimal::from(UNIT_NOTIONAL) / price } else { units };
        floor_to(raw, self.lot).max(self.min_qty)
    }

    /// Up to `limit` levels a side, best first, starting at `quote`'s best bid and ask: prices one
    /// tick apart within the price filter, quantities as [`Book::quote`] gives the best ones.
    pub fn depth(&self, quote: &Quote, update_id: u64, limit: usize) -> Levels {
        let mut bids = Vec::with_capacity(limit.min(1_000));
        let mut asks = Vec::with_capacity(limit.min(1_000));
        for i in 0..limit {
            let step = self.tick * Decimal::from(i as u64);
            let bid = quote.bid.get() - step;
            if bid < self.min_price {
                break;
            }
            bids.push((bid, self.qty(update_id, i, true, bid)));
        }
        for i in 0..limit {
            let ask = quote.ask.get() + self.tick * Decimal::from(i as u64);
            if ask > self.max_price {
                break;
            }
            asks.push((ask, self.qty(update_id, i, false, ask)));
        }
        Levels { bids, asks }
    }
}

/// Price and quantity per level, best first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Levels {
    pub bids: Vec<(Decimal, Decimal)>,
    pub asks: Vec<(Decimal, Decimal)>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::default_symbols;

    #[test]
    fn the_best_levels_are_the_quote_and_levels_step_by_ticks_and_lots() {
        let rules = default_symbols().remove(0).rules;
        let book = Book::new(&rules, 9);
        let last = Decimal::from(60_000);
        let up = book.quote(last, false, 7, 0);
        assert_eq!(
            (up.bid.get(), up.ask.get()),
            (Decimal::new(5_999_999, 2), last),
            "a rise trades at the ask"
        );
        let down = book.quote(last, true, 7, 0);
        assert_eq!((down.bid.get(), down.ask.get()), (last, Decimal::new(6_000_001, 2)));
        let levels = book.depth(&up, 7, 100);
        assert_eq!((levels.bids.len(), levels.asks.len()), (100, 100));
        assert_eq!(levels.bids[0], (up.bid.get(), up.bid_qty.get()));
        assert_eq!(levels.asks[0], (up.ask.get(), up.ask_qty.get()));
        for side in [&levels.bids, &levels.asks] {
            for w in side.windows(2) {
                assert_eq!((w[0].0 - w[1].0).abs(), book.tick);
            }
            assert!(side.iter().all(|(_, q)| floor_to(*q, book.lot) == *q && *q >= book.lot));
        }
        assert_ne!(book.depth(&up, 8, 1), levels_first(&levels), "quantities move with the book");
    }

    fn levels_first(l: &Levels) -> Levels {
        Levels { bids: l.bids[..1].to_vec(), asks: l.asks[..1].to_vec() }
    }
}
