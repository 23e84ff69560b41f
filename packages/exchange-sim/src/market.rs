//! The simulated market: one deterministic random walk per symbol (`mirai_core::synthetic`),
//! a history of closed bars for `/klines`, and the best bid and ask one tick either side of the
//! last close. Market time starts `history_bars` bars before the start and advances one bar per
//! step, however fast the steps come.

use std::collections::VecDeque;

use mirai_core::synthetic::RandomWalk;
use mirai_core::{Candle, Decimal, Price, Qty, Quote, Symbol, Timestamp};

use crate::config::SimConfig;

/// Bars kept per symbol for `/klines` (about 35 days of one-minute bars).
const MAX_HISTORY: usize = 50_000;

/// What one bar step produced for one symbol.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Tick {
    pub candle: Candle,
    pub quote: Quote,
    pub trade_id: i64,
    pub update_id: u64,
    /// Wall-clock time of the step, for events' `E`.
    pub event_time: i64,
}

#[derive(Debug)]
struct SymbolMarket {
    symbol: Symbol,
    walk: RandomWalk,
    tick: Decimal,
    history: VecDeque<Candle>,
}

#[derive(Debug)]
pub(crate) struct Market {
    interval_ms: i64,
    symbols: Vec<SymbolMarket>,
    trade_seq: i64,
    update_seq: u64,
}

impl Market {
    pub fn new(config: &SimConfig, now_ms: i64) -> Self {
        let interval = config.interval_ms().unwrap_or(60_000);
        let aligned = now_ms - now_ms.rem_euclid(interval);
        let behind = (config.history_bars + config.past_bars) as i64;
        let anchor = Timestamp::from_millis(aligned - interval * behind);
        let symbols = config
            .symbols
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let mut walk = RandomWalk::new(
                    s.rules.symbol,
                    s.start_price,
                    anchor,
                    interval,
                    config.seed.wrapping_add(i as u64),
                );
                let history: VecDeque<Candle> = (&mut walk).take(config.history_bars).collect();
                let tick = s
                    .rules
                    .price_filter
                    .map(|f| f.tick_size.get())
                    .filter(|t| !t.is_zero())
                    .unwrap_or(Decimal::new(1, 2));
                SymbolMarket { symbol: s.rules.symbol, walk, tick, history }
            })
            .collect();
        Self { interval_ms: interval, symbols, trade_seq: 0, update_seq: 0 }
    }

    /// The next bar of every symbol, unless it would close after `wall_ms`: a venue never has
    /// closed bars from the future, so a market run faster than real time waits for the clock.
    pub fn step(&mut self, wall_ms: i64) -> Vec<Tick> {
        let next_close = self
            .symbols
            .first()
            .and_then(|s| s.history.back())
            .map(|c| c.close_time.millis() + self.interval_ms);
        if next_close.is_some_and(|t| t >= wall_ms) {
            tracing::debug!("the simulated market has caught up with the wall clock; no bar this step");
            return Vec::new();
        }
        let mut ticks = Vec::with_capacity(self.symbols.len());
        for s in &mut self.symbols {
            let Some(candle) = s.walk.next() else { continue };
            s.history.push_back(candle);
            if s.history.len() > MAX_HISTORY {
                s.history.pop_front();
            }
            self.trade_seq += 1;
            self.update_seq += 1;
            ticks.push(Tick {
                candle,
                quote: quote_around(s.symbol, candle.close, s.tick, candle.close_time),
                trade_id: self.trade_seq,
                update_id: self.update_seq,
                event_time: wall_ms,
            });
        }
        ticks
    }

    fn find(&self, symbol: Symbol) -> Option<&SymbolMarket> {
        self.symbols.iter().find(|s| s.symbol == symbol)
    }

    pub fn last(&self, symbol: Symbol) -> Option<Candle> {
        self.find(symbol).and_then(|s| s.history.back().copied())
    }

    pub fn quote(&self, symbol: Symbol) -> Option<Quote> {
        let s = self.find(symbol)?;
        let last = s.history.back()?;
        Some(quote_around(symbol, last.close, s.tick, last.close_time))
    }

    /// Bars whose open time is in `[start, end]`: the first `limit` from `start`, or the last
    /// `limit` when no start is given (Binance's rules).
    pub fn klines(
        &self,
        symbol: Symbol,
        start: Option<i64>,
        end: Option<i64>,
        limit: usize,
    ) -> Option<Vec<Candle>> {
        let s = self.find(symbol)?;
        let in_range = |c: &&Candle| {
            start.is_none_or(|t| c.open_time.millis() >= t) && end.is_none_or(|t| c.open_time.millis() <= t)
        };
        let selected: Vec<Candle> = if start.is_some() {
            s.history.iter().filter(in_range).take(limit).copied().collect()
        } else {
            let all: Vec<Candle> = s.history.iter().filter(in_range).copied().collect();
            all[all.len().saturating_sub(limit)..].to_vec()
        };
        Some(selected)
    }

    /// Every current last bar, to give the matching engine its first prices.
    pub fn lasts(&self) -> Vec<Candle> {
        self.symbols.iter().filter_map(|s| s.history.back().copied()).collect()
    }
}

fn quote_around(symbol: Symbol, close: Price, tick: Decimal, time: Timestamp) -> Quote {
    let c = close.get();
    let ten = Qty::new(Decimal::TEN);
    Quote {
        symbol,
        time,
        bid: Price::new((c - tick).max(tick)),
        bid_qty: ten,
        ask: Price::new(c + tick),
        ask_qty: ten,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_then_steps_are_contiguous_and_klines_select_by_open_time() {
        let mut cfg = SimConfig::new("k", "s");
        cfg.history_bars = 10;
        let now = 1_700_000_010_000; // 30 s into the minute that starts at 1_699_999_980_000
        let mut m = Market::new(&cfg, now);
        assert!(m.step(now).is_empty(), "in real time, the bar opening now has not closed yet");
        let now = now + 60_000;
        let btc = Symbol::new("BTCUSDT");
        let all = m.klines(btc, None, None, 1000).unwrap();
        assert_eq!(all.len(), 10);
        assert_eq!(
            all[9].close_time.millis(),
            1_699_999_980_000 - 1,
            "history ends where the current minute starts"
        );
        let ticks = m.step(now);
        assert_eq!(ticks.len(), 2);
        assert_eq!(ticks[0].candle.open_time.millis(), 1_699_999_980_000);
        let q = m.quote(btc).unwrap();
        assert!(q.bid < q.ask);
        let from = all[3].open_time.millis();
        let some = m.klines(btc, Some(from), Some(all[5].open_time.millis()), 1000).unwrap();
        assert_eq!(some, all[3..=5].to_vec());
        assert_eq!(m.klines(btc, None, None, 2).unwrap().len(), 2);
        assert!(m.klines(Symbol::new("XRPUSDT"), None, None, 5).is_none());
        assert!(m.step(now).is_empty(), "never ahead of the wall clock");
        cfg.past_bars = 1_000;
        let mut fast = Market::new(&cfg, now);
        assert_eq!((0..500).map(|_| fast.step(now).len()).sum::<usize>(), 1_000, "room to run fast");
    }
}
