//! Where a symbol's bars come from: a file's bars replayed in order (`--data SYMBOL=FILE`), then
//! (or from the start) the deterministic random walk (`mirai_core::synthetic`). Replayed bars
//! keep their prices and volume and take the simulator's clock: one bar per interval, contiguous
//! with the bars around them, whatever times the file gave them.

use std::collections::VecDeque;

use mirai_core::synthetic::RandomWalk;
use mirai_core::{Candle, Price, Qty, Symbol, Timestamp};

#[derive(Debug)]
pub(super) struct Source {
    symbol: Symbol,
    replay: VecDeque<Candle>,
    walk: Option<RandomWalk>,
    seed: u64,
    interval_ms: i64,
    next_open: Timestamp,
    last_close: Price,
}

impl Source {
    pub fn new(
        symbol: Symbol,
        start_price: Price,
        replay: Vec<Candle>,
        start: Timestamp,
        interval_ms: i64,
        seed: u64,
    ) -> Self {
        // Without a file, the walk starts at once: the same bars as before replays existed.
        let walk = replay.is_empty().then(|| RandomWalk::new(symbol, start_price, start, interval_ms, seed));
        Self {
            symbol,
            replay: replay.into(),
            walk,
            seed,
            interval_ms,
            next_open: start,
            last_close: start_price,
        }
    }

    /// The next bar, opening where the previous one ended.
    pub fn next_bar(&mut self) -> Candle {
        let open_time = self.next_open;
        self.next_open = open_time.plus_millis(self.interval_ms);
        let bar = match self.replay.pop_front() {
            Some(c) => Some(c),
            None => {
                let (symbol, close, interval, seed) =
                    (self.symbol, self.last_close, self.interval_ms, self.seed);
                let walk = self
                    .walk
                    .get_or_insert_with(|| RandomWalk::new(symbol, close, open_time, interval, seed));
                walk.next()
            }
        };
        // The walk never ends; a flat bar stands in should it ever.
        let bar = bar.unwrap_or(Candle {
            symbol: self.symbol,
            open_time,
            close_time: open_time,
            open: self.last_close,
            high: self.last_close,
            low: self.last_close,
            close: self.last_close,
            volume: Qty::ZERO,
            closed: true,
        });
        self.last_close = bar.close;
        Candle {
            symbol: self.symbol,
            open_time,
            close_time: open_time.plus_millis(self.interval_ms - 1),
            closed: true,
            ..bar
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mirai_core::Decimal;

    #[test]
    fn a_replay_takes_the_simulator_s_clock_then_the_walk_goes_on_from_its_last_close() {
        let sym = Symbol::new("BTCUSDT");
        let file_bar = |t: i64, close: i64| Candle {
            symbol: Symbol::new("X"),
            open_time: Timestamp::from_millis(t),
            close_time: Timestamp::from_millis(t + 86_399_999),
            open: Price::new(Decimal::from(100)),
            high: Price::new(Decimal::from(close + 1)),
            low: Price::new(Decimal::from(99)),
            close: Price::new(Decimal::from(close)),
            volume: Qty::new(Decimal::from(5)),
            closed: true,
        };
        let replay = vec![file_bar(0, 101), file_bar(3 * 86_400_000, 104)];
        let mut s = Source::new(
            sym,
            Price::new(Decimal::from(60_000)),
            replay,
            Timestamp::from_millis(1_000_000),
            60_000,
            1,
        );
        let bars: Vec<Candle> = (0..4).map(|_| s.next_bar()).collect();
        assert_eq!(bars[0].close.get(), Decimal::from(101));
        assert_eq!(bars[1].close.get(), Decimal::from(104));
        for (i, b) in bars.iter().enumerate() {
            assert_eq!(b.symbol, sym);
            assert_eq!(b.open_time.millis(), 1_000_000 + 60_000 * i as i64);
            assert_eq!(b.close_time.millis(), b.open_time.millis() + 59_999);
        }
        assert_eq!(bars[2].open, bars[1].close, "the walk goes on from the file's last close");
        let mut walk_only = Source::new(
            sym,
            Price::new(Decimal::from(60_000)),
            Vec::new(),
            Timestamp::from_millis(0),
            60_000,
            42,
        );
        let plain: Vec<Candle> =
            RandomWalk::new(sym, Price::new(Decimal::from(60_000)), Timestamp::from_millis(0), 60_000, 42)
                .take(3)
                .collect();
        assert_eq!(
            (0..3).map(|_| walk_only.next_bar()).collect::<Vec<_>>(),
            plain,
            "no file: the walk as before"
        );
    }
}
