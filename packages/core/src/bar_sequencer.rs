//! `BarSequencer`: keeps each symbol's closed bars in order, once each, and says when bars are
//! missing (a dropped stream) so the feed can fetch them from REST before going on. Pure logic,
//! for any feed of closed bars (a venue's streams, public market data).

use std::collections::HashMap;

use crate::{Candle, Symbol, Timestamp};

/// What to do with a closed bar from the stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The next bar (or the first one seen): emit it.
    Next,
    /// Already emitted (a re-delivery after a reconnect): drop it.
    Seen,
    /// Bars with open times in `[from, to]` are missing: fetch them, then emit this one.
    Gap { from: Timestamp, to: Timestamp },
}

#[derive(Clone, Debug)]
pub struct BarSequencer {
    interval_ms: i64,
    last_open: HashMap<Symbol, Timestamp>,
}

impl BarSequencer {
    /// `resume`: the last bar already processed per symbol (the store's feed position).
    pub fn new(interval_ms: i64, resume: impl IntoIterator<Item = (Symbol, Timestamp)>) -> Self {
        Self { interval_ms, last_open: resume.into_iter().collect() }
    }

    pub fn interval_ms(&self) -> i64 {
        self.interval_ms
    }

    pub fn last(&self, symbol: Symbol) -> Option<Timestamp> {
        self.last_open.get(&symbol).copied()
    }

    pub fn check(&self, bar: &Candle) -> Verdict {
        let Some(last) = self.last(bar.symbol) else { return Verdict::Next };
        let expected = last.plus_millis(self.interval_ms);
        if bar.open_time <= last {
            Verdict::Seen
        } else if bar.open_time == expected {
            Verdict::Next
        } else {
            Verdict::Gap { from: expected, to: bar.open_time.plus_millis(-1) }
        }
    }

    /// Records `bar` as emitted. False (and nothing recorded) if it is not newer than the last.
    pub fn accept(&mut self, bar: &Candle) -> bool {
        match self.last(bar.symbol) {
            Some(last) if bar.open_time <= last => false,
            _ => {
                self.last_open.insert(bar.symbol, bar.open_time);
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Price, Qty};
    use rust_decimal_macros::dec;

    fn bar(open: i64) -> Candle {
        let p = Price::new(dec!(1));
        Candle {
            symbol: Symbol::new("BTCUSDT"),
            open_time: Timestamp::from_millis(open),
            close_time: Timestamp::from_millis(open + 59_999),
            open: p,
            high: p,
            low: p,
            close: p,
            volume: Qty::new(dec!(1)),
            closed: true,
        }
    }

    #[test]
    fn bars_are_sequenced_and_gaps_named() {
        let mut s = BarSequencer::new(60_000, [(Symbol::new("BTCUSDT"), Timestamp::from_millis(0))]);
        assert_eq!(s.check(&bar(60_000)), Verdict::Next);
        assert!(s.accept(&bar(60_000)));
        assert_eq!(s.check(&bar(60_000)), Verdict::Seen);
        assert!(!s.accept(&bar(0)));
        assert_eq!(
            s.check(&bar(300_000)),
            Verdict::Gap { from: Timestamp::from_millis(120_000), to: Timestamp::from_millis(299_999) }
        );
        let fresh = BarSequencer::new(60_000, []);
        assert_eq!(fresh.check(&bar(42)), Verdict::Next);
    }
}
