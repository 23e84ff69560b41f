//! `Bars`: a whole series in memory, for sweeps and walk-forward, which run many backtests over
//! one copy. Rows of ready domain values: prices are checked once, on the way in, and a bar
//! becomes the engine's `Candle` by copying one row (one bounds check; seven columns cost seven).
//! Open times also live in a column of their own, for callers that search by time. (Integer
//! mantissas would take less memory, but turning them back into checked `Price`s costs more than
//! the engine's own work on a bar: docs/benchmarks.md.)

use std::io::Read;
use std::ops::Range;
use std::path::Path;

use mirai_core::{Candle, MarketEvent, Price, Qty, Symbol, Timestamp};

use super::{Bar, CsvReader, DataError};

#[derive(Clone, Debug, Default)]
pub struct Bars {
    open_time: Vec<i64>,
    /// The rows in one piece or two, the second's after the first's: a file loaded on two
    /// threads keeps each half's rows where its thread wrote them (joining them into one was a
    /// serial 44 MB copy, a quarter of loading a million bars). New rows go to the last piece
    /// that has any.
    rows: [Vec<Row>; 2],
}

/// Everything of a bar but its open time, which has its own column.
#[derive(Clone, Copy, Debug)]
struct Row {
    close_time: i64,
    open: Price,
    high: Price,
    low: Price,
    close: Price,
    volume: Qty,
}

impl Bars {
    /// Loads a CSV file (either layout), checking every line; a large file on two threads
    /// (`split`), with the same bars and errors.
    pub fn load(path: &Path) -> Result<Self, DataError> {
        if let Some(bars) = super::split::load(path, super::split::MIN_BYTES) {
            return Ok(bars);
        }
        let file = std::fs::File::open(path)
            .map_err(|source| DataError::Io { path: path.display().to_string(), source })?;
        Self::read(file)
    }

    pub fn read(src: impl Read) -> Result<Self, DataError> {
        let mut bars = Self::default();
        for bar in CsvReader::new(src)? {
            bars.push_bar(&bar?);
        }
        Ok(bars)
    }

    /// A series from candles in time order (the synthetic generator's, for instance).
    pub fn from_candles(candles: impl IntoIterator<Item = Candle>) -> Result<Self, String> {
        let mut bars = Self::default();
        for (i, c) in candles.into_iter().enumerate() {
            if bars.open_time.last().is_some_and(|&t| t >= c.open_time.millis()) {
                return Err(format!("candle {i} is not later than the one before"));
            }
            bars.push(&c);
        }
        Ok(bars)
    }

    /// Appends a candle (which the caller keeps in time order).
    pub fn push(&mut self, c: &Candle) {
        self.open_time.push(c.open_time.millis());
        self.last_rows().push(Row {
            close_time: c.close_time.millis(),
            open: c.open,
            high: c.high,
            low: c.low,
            close: c.close,
            volume: c.volume,
        });
    }

    /// Appends `rest`, whose bars follow these, if its first bar opens after the last one here;
    /// with `cut_close`, the last bar here is made to close before `rest`'s first opens, as a
    /// reader does when it has the next bar (files without close times). False, and nothing
    /// changed, if the order is wrong.
    pub(super) fn append(&mut self, rest: Bars, cut_close: bool) -> bool {
        if let (Some(&last), Some(&next)) = (self.open_time.last(), rest.open_time.first()) {
            if next <= last {
                return false;
            }
            if let Some(row) = self.last_rows().last_mut().filter(|_| cut_close) {
                row.close_time = row.close_time.min(next - 1);
            }
        }
        self.open_time.extend_from_slice(&rest.open_time);
        for piece in rest.rows {
            let [first, second] = &mut self.rows;
            if piece.is_empty() {
                continue;
            } else if first.is_empty() {
                *first = piece;
            } else if second.is_empty() {
                *second = piece;
            } else {
                second.extend_from_slice(&piece);
            }
        }
        true
    }

    /// The piece new rows go to.
    #[inline(always)]
    fn last_rows(&mut self) -> &mut Vec<Row> {
        let [first, second] = &mut self.rows;
        if second.is_empty() { first } else { second }
    }

    /// Bar `i`'s row. The first piece's bounds check is the one a single piece needs, so a row
    /// there costs what it did before the rows came in pieces.
    #[inline(always)]
    fn row(&self, i: usize) -> &Row {
        let [first, second] = &self.rows;
        match first.get(i) {
            Some(r) => r,
            None => &second[i - first.len()],
        }
    }

    /// The rows of `range`, as the parts in the first piece and in the second.
    fn row_parts(&self, range: Range<usize>) -> (&[Row], &[Row]) {
        let [first, second] = &self.rows;
        let n = first.len();
        (
            &first[range.start.min(n)..range.end.min(n)],
            &second[range.start.saturating_sub(n)..range.end.saturating_sub(n)],
        )
    }

    /// Appends a bar read from a file: the row its candle would give (`Bar::candle`), without
    /// building the candle.
    #[inline]
    pub fn push_bar(&mut self, bar: &Bar) {
        self.open_time.push(bar.open_time);
        self.last_rows().push(Row {
            close_time: bar.close_time,
            open: Bar::price(bar.open),
            high: Bar::price(bar.high),
            low: Bar::price(bar.low),
            close: Bar::price(bar.close),
            volume: Bar::qty(bar.volume),
        });
    }

    pub fn len(&self) -> usize {
        self.open_time.len()
    }

    pub fn is_empty(&self) -> bool {
        self.open_time.is_empty()
    }

    /// Bar `i` as a closed candle of `symbol`.
    #[inline]
    pub fn candle(&self, i: usize, symbol: Symbol) -> Candle {
        let (r, open_time) = (self.row(i), self.open_time[i]);
        Candle {
            symbol,
            open_time: Timestamp::from_millis(open_time),
            close_time: Timestamp::from_millis(r.close_time),
            open: r.open,
            high: r.high,
            low: r.low,
            close: r.close,
            volume: r.volume,
            closed: true,
        }
    }

    /// Rewrites the candle inside `event` as each bar of `range` in turn, keeping its symbol and
    /// `closed` flag, and shows it to `f`: a runner reuses one event for a whole series instead
    /// of building and copying one per bar, and walking the columns together costs no bounds
    /// check per bar. Any other event is left alone and nothing is shown.
    #[inline(always)]
    pub fn replay(&self, range: Range<usize>, event: &mut MarketEvent, mut f: impl FnMut(&MarketEvent)) {
        if !matches!(event, MarketEvent::Candle(_)) {
            return;
        }
        let (first, second) = self.row_parts(range.clone());
        let (times_first, times_second) = self.open_time[range].split_at(first.len());
        replay_rows(first, times_first, event, &mut f);
        replay_rows(second, times_second, event, &mut f);
    }

    /// Bar `i`'s open.
    #[inline]
    pub fn open(&self, i: usize) -> Price {
        self.row(i).open
    }

    /// Bar `i`'s close.
    #[inline]
    pub fn close(&self, i: usize) -> Price {
        self.row(i).close
    }

    /// The bars in `range` as closed candles of `symbol`.
    pub fn candles(&self, symbol: Symbol, range: Range<usize>) -> impl Iterator<Item = Candle> + '_ {
        range.map(move |i| self.candle(i, symbol))
    }

    pub fn open_times(&self) -> &[i64] {
        &self.open_time
    }

    /// Memory held by the columns, in bytes.
    pub fn heap_bytes(&self) -> usize {
        let rows: usize = self.rows.iter().map(Vec::capacity).sum();
        self.open_time.capacity() * 8 + rows * std::mem::size_of::<Row>()
    }
}

/// [`Bars::replay`] over one piece's rows.
#[inline(always)]
fn replay_rows(rows: &[Row], times: &[i64], event: &mut MarketEvent, f: &mut impl FnMut(&MarketEvent)) {
    for (r, &open_time) in rows.iter().zip(times) {
        if let MarketEvent::Candle(c) = event {
            c.open_time = Timestamp::from_millis(open_time);
            c.close_time = Timestamp::from_millis(r.close_time);
            c.open = r.open;
            c.high = r.high;
            c.low = r.low;
            c.close = r.close;
            c.volume = r.volume;
        }
        f(event);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_loaded_series_gives_back_the_file_s_bars() {
        let csv = "timestamp,open,high,low,close,volume\n\
                   2024-01-01T00:00:00Z,100,101,99,100.5,10\n\
                   2024-01-01T00:01:00Z,100.5,100.75,100.125,100.25,0.001\n";
        let bars = Bars::read(csv.as_bytes()).unwrap();
        assert_eq!(bars.len(), 2);
        let c = bars.candle(0, Symbol::new("BTCUSDT"));
        assert_eq!((c.close.to_string(), c.volume.to_string()), ("100.5".into(), "10".into()));
        assert_eq!(bars.candle(1, c.symbol).low.to_string(), "100.125");
        assert_eq!(c.close_time.since(c.open_time), 59_999);
        assert!(Bars::from_candles([c, c]).is_err());
    }

    /// `n` one-minute candles of a random walk from 100.
    fn walk(seed: u64, n: usize) -> (Symbol, Vec<Candle>) {
        let symbol = Symbol::new("BTCUSDT");
        let walk = mirai_core::synthetic::RandomWalk::new(
            symbol,
            Price::new(rust_decimal::Decimal::from(100)),
            Timestamp::from_millis(0),
            60_000,
            seed,
        );
        (symbol, walk.take(n).collect())
    }

    #[test]
    fn a_series_joined_from_two_gives_the_bars_of_one() {
        let (symbol, candles) = walk(11, 60);
        let whole = Bars::from_candles(candles.iter().copied()).unwrap();
        let mut joined = Bars::from_candles(candles[..20].iter().copied()).unwrap();
        assert!(joined.append(Bars::from_candles(candles[20..50].iter().copied()).unwrap(), false));
        // Bars pushed after the join, and a third series appended, follow on.
        for c in &candles[50..55] {
            joined.push(c);
        }
        assert!(joined.append(Bars::from_candles(candles[55..].iter().copied()).unwrap(), false));
        assert_eq!(joined.rows.iter().map(Vec::len).collect::<Vec<_>>(), [20, 40]);
        assert_eq!(joined.len(), whole.len());
        assert_eq!(joined.candles(symbol, 0..60).collect::<Vec<_>>(), candles);
        for i in [0, 19, 20, 21, 59] {
            assert_eq!((joined.open(i), joined.close(i)), (whole.open(i), whole.close(i)), "bar {i}");
        }
        for range in [0..60, 10..40, 0..20, 20..60, 19..21, 30..30] {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            let mut event = MarketEvent::Candle(candles[0]);
            joined.replay(range.clone(), &mut event, |e| a.push(*e));
            whole.replay(range.clone(), &mut event, |e| b.push(*e));
            assert_eq!(a, b, "{range:?}");
            assert_eq!(a.len(), range.len());
        }
        // Out of order: refused, nothing changed.
        assert!(!joined.append(Bars::from_candles(candles[..1].iter().copied()).unwrap(), false));
        assert_eq!(joined.len(), 60);
    }

    #[test]
    fn a_replay_shows_each_bar_of_the_range_as_its_candle() {
        let (symbol, candles) = walk(7, 50);
        let bars = Bars::from_candles(candles).unwrap();
        let mut event = MarketEvent::Candle(bars.candle(0, symbol));
        let mut seen = Vec::new();
        bars.replay(10..40, &mut event, |e| {
            if let MarketEvent::Candle(c) = e {
                seen.push(*c);
            }
        });
        let expected: Vec<Candle> = bars.candles(symbol, 10..40).collect();
        assert_eq!(seen, expected);
        let mut status =
            MarketEvent::Status(mirai_core::FeedStatus::Connected { at: Timestamp::from_millis(0) });
        bars.replay(0..50, &mut status, |_| panic!("only candle events are rewritten"));
    }
}
