//! Market events: remember the latest prices and fill the resting limit orders they reach.

use mirai_core::{Fill, MarketEvent, OrderKind, OrderStatus, Side, Symbol};

use crate::exchange::PaperExchange;
use crate::mark::{Mark, MarketIndex};
use crate::submit::crosses;

impl PaperExchange {
    /// Records the event's prices and fills every resting order on its symbol that they reach,
    /// oldest first, at the order's limit price. A buy fills when the candle's low (or the ask)
    /// is at or below its limit; a sell when the high (or the bid) is at or above. An event older
    /// than an order cannot fill it: the order did not exist yet.
    #[inline(always)]
    pub fn on_market(&mut self, event: &MarketEvent) -> Vec<Fill> {
        let symbol = match event {
            MarketEvent::Candle(c) => c.symbol,
            MarketEvent::Quote(q) => q.symbol,
            MarketEvent::Status(_) => return Vec::new(),
        };
        let at = self.marks.index(symbol);
        let mut fills = Vec::new();
        self.on_market_at(at, event, &mut fills);
        fills
    }

    /// Where `symbol`'s prices are kept, for [`PaperExchange::on_market_at`]. Stable for the
    /// exchange's life; asking does not give the symbol a price.
    pub fn market_index(&mut self, symbol: Symbol) -> MarketIndex {
        self.marks.index(symbol)
    }

    /// As [`PaperExchange::on_market`], for an event on the symbol `at` stands for (from
    /// [`PaperExchange::market_index`] of this exchange), appending the fills to `fills`. A
    /// backtest resolves its symbol once and feeds every bar here: the search by symbol and a
    /// vector per bar would cost it a sixth of its time (docs/benchmarks.md).
    #[inline(always)]
    pub fn on_market_at(&mut self, at: MarketIndex, event: &MarketEvent, fills: &mut Vec<Fill>) {
        // Marking is all most events need (a backtest sends one per bar), so it stays small
        // enough to inline; matching resting orders is out of line.
        let (mark, buy_touch, sell_touch) = match event {
            MarketEvent::Candle(c) => (Mark::from_candle(c), c.low, c.high),
            MarketEvent::Quote(q) => (Mark::from_quote(q), q.ask, q.bid),
            MarketEvent::Status(_) => return,
        };
        self.marks.set(at, mark);
        debug_assert!(
            matches!(event, MarketEvent::Candle(c) if c.symbol == self.marks.symbol(at))
                || matches!(event, MarketEvent::Quote(q) if q.symbol == self.marks.symbol(at)),
            "a market index of another symbol"
        );
        if self.book.has_open() {
            let symbol = self.marks.symbol(at);
            self.match_resting(event, symbol, buy_touch, sell_touch, fills);
        }
    }

    #[inline(never)]
    fn match_resting(
        &mut self,
        event: &MarketEvent,
        symbol: mirai_core::Symbol,
        buy_touch: mirai_core::Price,
        sell_touch: mirai_core::Price,
        fills: &mut Vec<Fill>,
    ) {
        let Some(assets) = self.rules.get(&symbol).map(|r| (r.base, r.quote)) else {
            return;
        };
        let at = event.time();
        for n in self.book.open_numbers(symbol) {
            let Some(rec) = self.book.get_by_number(n) else {
                continue;
            };
            let OrderKind::Limit { price: limit, .. } = rec.request.kind else {
                continue;
            };
            let side = rec.request.side;
            let touch = match side {
                Side::Buy => buy_touch,
                Side::Sell => sell_touch,
            };
            if at < rec.placed_at || !crosses(side, touch, limit) {
                continue;
            }
            let (req, Some(lock)) = (rec.request.clone(), rec.lock) else {
                continue;
            };
            self.book.close(n, OrderStatus::Filled);
            self.settle_from_lock(assets, side, limit, req.qty, lock);
            let fill = self.new_fill(&req, limit, req.qty, at);
            self.book.add_fill(n, fill.clone());
            fills.push(fill);
        }
    }
}
