//! The simulated market. Each symbol's bars come from a deterministic random walk
//! (`mirai_core::synthetic`) or a replayed file; a history of closed bars serves `/klines`; the
//! bar being formed moves in updates (one per [`SimConfig::kline_update_every`] of simulated time,
//! 2 s as on Binance), each a trade, a new best bid and ask, and the open candle as it stands. The
//! last update of a bar closes it.
//!
//! Market time starts `history_bars + past_bars` bars before the start and moves by updates,
//! however fast they come, but never past the wall clock: a venue has no trades from the future.
//! Trade ids and book update ids are the bar's index times the updates per bar plus the update's
//! number, so they only grow, and a closed bar's trades are ids `first..=last` whether or not
//! anyone watched them happen.

mod book;
mod path;
mod source;

use std::collections::{HashMap, VecDeque};

use mirai_core::synthetic::SplitMix64;
use mirai_core::{Candle, Decimal, Price, Qty, Quote, Symbol, Timestamp};

use book::Book;
pub(crate) use book::Levels;
use source::Source;

use crate::config::SimConfig;

/// Bars kept per symbol for `/klines` (about 35 days of one-minute bars).
const MAX_HISTORY: usize = 50_000;

/// The rolling window of `/ticker/24hr`.
const DAY_MS: i64 = 86_400_000;

/// One trade on the market's tape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TradePrint {
    pub id: i64,
    pub price: Price,
    pub qty: Qty,
    /// A fall: the seller took the bid, so the buyer was the maker.
    pub buyer_maker: bool,
}

/// What one update produced for one symbol.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Tick {
    /// The bar as it stands after the update: forming (`closed: false`) or final.
    pub kline: Candle,
    /// The bar's first trade id; its last so far is `trade.id`.
    pub first_trade_id: i64,
    pub trade: TradePrint,
    pub quote: Quote,
    pub update_id: u64,
    /// What the matching engine sees: the prices traded since the previous update, at this one's
    /// time (resting orders placed before it and crossed by it fill).
    pub segment: Candle,
    /// Wall-clock time of the update, for events' `E` and `T`.
    pub event_time: i64,
}

/// The 24-hour rolling statistics of `/ticker/24hr`, in market time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DayStats {
    pub open_time: i64,
    pub close_time: i64,
    pub prev_close: Decimal,
    pub open: Decimal,
    pub high: Decimal,
    pub low: Decimal,
    pub last: Decimal,
    pub last_qty: Decimal,
    pub volume: Decimal,
    pub quote_volume: Decimal,
    /// `-1` for both when no trade falls in the window.
    pub first_id: i64,
    pub last_id: i64,
    pub count: i64,
    pub quote: Quote,
}

/// The bar being formed: its final values, and the prices and volumes of its updates.
#[derive(Debug)]
struct Forming {
    bar: Candle,
    prices: Vec<Decimal>,
    volumes: Vec<Decimal>,
    high: Decimal,
    low: Decimal,
}

#[derive(Debug)]
struct SymbolMarket {
    symbol: Symbol,
    salt: u64,
    source: Source,
    book: Book,
    history: VecDeque<Candle>,
    forming: Forming,
    last_trade: Option<TradePrint>,
    quote: Quote,
    update_id: u64,
}

#[derive(Debug)]
pub(crate) struct Market {
    interval_ms: i64,
    /// Updates per bar, the last one closing it.
    steps: u32,
    /// Open time of bar 0, the first of the history.
    anchor_ms: i64,
    /// Index of the bar being formed, and how many of its updates have happened.
    bar: i64,
    step: u32,
    symbols: Vec<SymbolMarket>,
}

impl Market {
    /// `replays`: bars to replay per symbol instead of the generated path.
    pub fn new(config: &SimConfig, now_ms: i64, mut replays: HashMap<Symbol, Vec<Candle>>) -> Self {
        let interval = config.interval_ms().unwrap_or(60_000);
        let steps = config.updates_per_bar();
        let aligned = now_ms - now_ms.rem_euclid(interval);
        let behind = (config.history_bars + config.past_bars) as i64;
        let anchor = aligned - interval * behind;
        let bar = config.history_bars as i64;
        let symbols = config
            .symbols
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let symbol = s.rules.symbol;
                let salt = config.seed.wrapping_add(i as u64);
                let replay = replays.remove(&symbol).unwrap_or_default();
                let mut source = Source::new(
                    symbol,
                    s.start_price,
                    replay,
                    Timestamp::from_millis(anchor),
                    interval,
                    salt,
                );
                let history: VecDeque<Candle> = (0..config.history_bars).map(|_| source.next_bar()).collect();
                let book = Book::new(&s.rules, salt.rotate_left(29));
                let forming = Forming::new(source.next_bar(), steps, book, salt, bar);
                let update_id = update_id(bar, steps, 0);
                let open = forming.bar.open.get();
                let quote = book.quote(open, false, update_id, forming.bar.open_time.millis());
                SymbolMarket {
                    symbol,
                    salt,
                    source,
                    book,
                    history,
                    forming,
                    last_trade: None,
                    quote,
                    update_id,
                }
            })
            .collect();
        Self { interval_ms: interval, steps, anchor_ms: anchor, bar, step: 0, symbols }
    }

    pub fn updates_per_bar(&self) -> u32 {
        self.steps
    }

    fn open_time(&self, bar: i64) -> i64 {
        self.anchor_ms + bar * self.interval_ms
    }

    /// Market time of update `k` of `bar`: its share of the interval, the last at the close time.
    fn step_time(&self, bar: i64, k: u32) -> i64 {
        let open = self.open_time(bar);
        if k >= self.steps {
            open + self.interval_ms - 1
        } else {
            open + self.interval_ms * i64::from(k) / i64::from(self.steps)
        }
    }

    /// Market time now: the last update's, or the open of a bar none has reached yet.
    pub fn now(&self) -> i64 {
        if self.step == 0 { self.open_time(self.bar) } else { self.step_time(self.bar, self.step) }
    }

    /// When an order placed now rests from: after the last update, so the next one can fill it.
    pub fn order_time(&self) -> Timestamp {
        Timestamp::from_millis(if self.step == 0 { self.now() } else { self.now() + 1 })
    }

    /// Market time of the next update.
    pub fn next_update_time(&self) -> i64 {
        self.step_time(self.bar, self.step + 1)
    }

    /// Every update due by market time `until` (and before the wall clock), at most `max` of
    /// them, in time order, each for every symbol.
    pub fn run_until(&mut self, until: i64, wall_ms: i64, max: usize) -> Vec<Tick> {
        let mut ticks = Vec::new();
        let mut done = 0;
        while done < max {
            let t = self.next_update_time();
            if t > until || t >= wall_ms {
                break;
            }
            let (from, to) = (self.step, self.step + 1);
            ticks.extend(self.update(from, to, t, wall_ms));
            done += 1;
        }
        ticks
    }

    /// The rest of the bar being formed in one update, closing it, unless it would close after
    /// `wall_ms`: a venue never has closed bars from the future, so a market run faster than real
    /// time waits for the clock.
    pub fn finish_bar(&mut self, wall_ms: i64) -> Vec<Tick> {
        let close = self.step_time(self.bar, self.steps);
        if close >= wall_ms {
            tracing::debug!("the simulated market has caught up with the wall clock; no bar this step");
            return Vec::new();
        }
        let from = self.step;
        self.update(from, self.steps, close, wall_ms)
    }

    fn update(&mut self, from: u32, to: u32, time: i64, wall_ms: i64) -> Vec<Tick> {
        let (bar, steps) = (self.bar, self.steps);
        let ticks: Vec<Tick> =
            self.symbols.iter_mut().map(|s| s.update(bar, steps, from, to, time, wall_ms)).collect();
        if to >= steps {
            self.bar += 1;
            self.step = 0;
            let next = self.bar;
            for s in &mut self.symbols {
                s.roll(next, steps);
            }
        } else {
            self.step = to;
        }
        ticks
    }

    fn find(&self, symbol: Symbol) -> Option<&SymbolMarket> {
        self.symbols.iter().find(|s| s.symbol == symbol)
    }

    /// The last trade's price (before any: the bar's open, the previous close).
    pub fn last_price(&self, symbol: Symbol) -> Option<Price> {
        let s = self.find(symbol)?;
        Some(s.last_trade.map_or(s.forming.bar.open, |t| t.price))
    }

    pub fn quote(&self, symbol: Symbol) -> Option<Quote> {
        self.find(symbol).map(|s| s.quote)
    }

    /// Every symbol's best bid and ask, to give the matching engine its first prices.
    pub fn quotes(&self) -> Vec<Quote> {
        self.symbols.iter().map(|s| s.quote).collect()
    }

    /// The order book, `limit` levels a side, and its update id.
    pub fn depth(&self, symbol: Symbol, limit: usize) -> Option<(u64, Levels)> {
        let s = self.find(symbol)?;
        Some((s.update_id, s.book.depth(&s.quote, s.update_id, limit)))
    }

    /// Closed bars whose open time is in `[start, end]`: the first `limit` from `start`, or the
    /// last `limit` when no start is given (Binance's rules).
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

    /// The last 24 hours of market time: the closed bars that opened in them and the bar being
    /// formed, as far as it has traded.
    pub fn day_stats(&self, symbol: Symbol) -> Option<DayStats> {
        let s = self.find(symbol)?;
        let now = self.now();
        let since = now - DAY_MS;
        let forming = (self.step > 0).then(|| s.running(self.step));
        let mut bars: Vec<Candle> =
            s.history.iter().rev().take_while(|c| c.open_time.millis() >= since).copied().collect();
        bars.reverse();
        let prev_close = s
            .history
            .iter()
            .rev()
            .find(|c| c.open_time.millis() < since)
            .map_or(bars.first().map_or(s.forming.bar.open, |c| c.open), |c| c.close)
            .get();
        bars.extend(forming);
        let last = self.last_price(symbol).unwrap_or_default().get();
        let mut stats = DayStats {
            open_time: since,
            close_time: now,
            prev_close,
            open: last,
            high: last,
            low: last,
            last,
            last_qty: s.last_trade.map_or(Decimal::ZERO, |t| t.qty.get()),
            volume: Decimal::ZERO,
            quote_volume: Decimal::ZERO,
            first_id: -1,
            last_id: -1,
            count: 0,
            quote: s.quote,
        };
        if let Some(first) = bars.first() {
            stats.open = first.open.get();
            stats.high = bars.iter().map(|c| c.high.get()).max().unwrap_or(last);
            stats.low = bars.iter().map(|c| c.low.get()).min().unwrap_or(last);
            stats.volume = bars.iter().map(|c| c.volume.get()).sum();
            stats.quote_volume = bars.iter().map(|c| (c.close * c.volume).get()).sum();
            let first_bar = (first.open_time.millis() - self.anchor_ms) / self.interval_ms;
            stats.first_id = update_id(first_bar, self.steps, 1) as i64;
            stats.last_id = s.last_trade.map_or(update_id(self.bar, self.steps, 0) as i64, |t| t.id);
            stats.count = stats.last_id - stats.first_id + 1;
        }
        Some(stats)
    }

    /// The trade ids of a closed bar: `(first, last, count)`.
    pub fn bar_trades(&self, bar: &Candle) -> (i64, i64, i64) {
        let index = (bar.open_time.millis() - self.anchor_ms).div_euclid(self.interval_ms);
        let first = update_id(index, self.steps, 1) as i64;
        (first, first + i64::from(self.steps) - 1, i64::from(self.steps))
    }
}

/// The id of update `k` of bar `bar`: trade ids and book update ids alike.
fn update_id(bar: i64, steps: u32, k: u32) -> u64 {
    u64::try_from(bar.max(0)).unwrap_or(0) * u64::from(steps) + u64::from(k)
}

impl Forming {
    fn new(bar: Candle, steps: u32, book: Book, salt: u64, index: i64) -> Self {
        let mut rng = SplitMix64::new(
            salt ^ 0x5DEE_CE66_D1CE_4E5B ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
        );
        let n = steps as usize;
        let prices = path::prices(&bar, n, book.tick, &mut rng);
        let volumes = path::volumes(&bar, n, book.lot);
        let open = bar.open.get();
        Self { bar, prices, volumes, high: open, low: open }
    }
}

impl SymbolMarket {
    /// The bar being formed as it stands after update `k` (`k < steps`).
    fn running(&self, k: u32) -> Candle {
        let f = &self.forming;
        let k = k as usize;
        Candle {
            high: Price::new(f.high),
            low: Price::new(f.low),
            close: Price::new(f.prices[k]),
            volume: Qty::new(f.volumes[k]),
            closed: false,
            ..f.bar
        }
    }

    /// Updates `from + 1 ..= to` of bar `bar` as one: the trade at `to`'s price, the book after
    /// it, the bar as it then stands.
    fn update(&mut self, bar: i64, steps: u32, from: u32, to: u32, time: i64, wall_ms: i64) -> Tick {
        let (a, b) = (from as usize, to as usize);
        let f = &mut self.forming;
        let price = f.prices[b];
        let prev = f.prices[a];
        let traded = &f.prices[a + 1..=b];
        let first_traded = traded.first().copied().unwrap_or(price);
        let mut high = traded.iter().copied().max().unwrap_or(price);
        let mut low = traded.iter().copied().min().unwrap_or(price);
        let closing = to >= steps;
        if closing {
            // A bar with too few updates to stop at its extremes still reaches them before it
            // closes (only those not reached yet: an order placed since must not fill on them).
            if f.high.max(high) < f.bar.high.get() {
                high = f.bar.high.get();
            }
            if f.low.min(low) > f.bar.low.get() {
                low = f.bar.low.get();
            }
        }
        f.high = f.high.max(high);
        f.low = f.low.min(low);
        let traded_qty = f.volumes[b] - f.volumes[a];
        let qty = if traded_qty > Decimal::ZERO { traded_qty } else { self.book.lot };
        let down = price < prev;
        let first = update_id(bar, steps, 1) as i64;
        let trade = TradePrint {
            id: update_id(bar, steps, to) as i64,
            price: Price::new(price),
            qty: Qty::new(qty),
            buyer_maker: down,
        };
        self.update_id = update_id(bar, steps, to);
        self.quote = self.book.quote(price, down, self.update_id, time);
        self.last_trade = Some(trade);
        let kline = if closing { f.bar } else { self.running(to) };
        let segment = Candle {
            symbol: self.symbol,
            open_time: Timestamp::from_millis(time),
            close_time: Timestamp::from_millis(time),
            open: Price::new(first_traded),
            high: Price::new(high),
            low: Price::new(low),
            close: Price::new(price),
            volume: Qty::new(qty),
            closed: true,
        };
        Tick {
            kline,
            first_trade_id: first,
            trade,
            quote: self.quote,
            update_id: self.update_id,
            segment,
            event_time: wall_ms,
        }
    }

    /// The bar being formed has closed: keep it, start the next.
    fn roll(&mut self, next: i64, steps: u32) {
        self.history.push_back(self.forming.bar);
        if self.history.len() > MAX_HISTORY {
            self.history.pop_front();
        }
        self.forming = Forming::new(self.source.next_bar(), steps, self.book, self.salt, next);
    }
}

#[cfg(test)]
mod tests;
