//! The closed candles the trading task acts on, recorded in the local store (and so shipped to
//! analytics) with where they came from. Recording never stands in the way of trading: a failed
//! insert is logged and counted (`mirai_candles_unrecorded_total`), and the bar is traded anyway.
//! Backtests never come here: they run without the trading task and without a store.

use std::sync::atomic::{AtomicU64, Ordering};

use mirai_core::{Candle, CandleRecord, CandleSource};
use mirai_store_local::{LocalStore, StoreError};

/// Closed candles the store refused since the process started (process-wide, like the stream
/// reconnection counters: one process trades one account).
static UNRECORDED: AtomicU64 = AtomicU64::new(0);

/// Closed candles not recorded since the start; only grows.
pub fn candles_unrecorded() -> u64 {
    UNRECORDED.load(Ordering::Relaxed)
}

/// What the trading task needs to record the bars it trades on: their source and length.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CandleLog {
    pub source: CandleSource,
    /// Binance's spelling of the bar length ("1m").
    pub interval: String,
}

impl CandleLog {
    pub fn new(source: CandleSource, interval: impl Into<String>) -> Self {
        Self { source, interval: interval.into() }
    }

    /// Records `candle` if it is closed; one insert, once per symbol and bar. Returns whether it
    /// was stored now (false: still forming, already stored, or the store failed).
    pub fn record(&self, store: &LocalStore, candle: &Candle) -> bool {
        self.record_with(candle, |r| store.record_candle(r))
    }

    fn record_with(
        &self,
        candle: &Candle,
        insert: impl FnOnce(&CandleRecord) -> Result<bool, StoreError>,
    ) -> bool {
        if !candle.closed {
            return false;
        }
        match insert(&CandleRecord::new(candle, self.interval.as_str(), self.source)) {
            Ok(new) => new,
            Err(e) => {
                UNRECORDED.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(symbol = %candle.symbol, open_time = %candle.open_time, error = %e, "could not record a closed candle; trading goes on");
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use mirai_core::{Price, Qty, Symbol, Timestamp};
    use rust_decimal_macros::dec;

    use super::*;

    fn bar(open_ms: i64, closed: bool) -> Candle {
        Candle {
            symbol: Symbol::new("BTCUSDT"),
            open_time: Timestamp::from_millis(open_ms),
            close_time: Timestamp::from_millis(open_ms + 59_999),
            open: Price::new(dec!(100)),
            high: Price::new(dec!(101)),
            low: Price::new(dec!(99)),
            close: Price::new(dec!(100.5)),
            volume: Qty::new(dec!(3)),
            closed,
        }
    }

    #[test]
    fn only_closed_candles_are_recorded_once_each() {
        let store = LocalStore::open_in_memory().unwrap();
        let log = CandleLog::new(CandleSource::Venue, "1m");
        assert!(!log.record(&store, &bar(0, false)));
        assert!(log.record(&store, &bar(60_000, true)));
        assert!(!log.record(&store, &bar(60_000, true)));
        let stored =
            store.candles(None, Timestamp::from_millis(0), Timestamp::from_millis(i64::MAX)).unwrap();
        assert_eq!(stored, vec![CandleRecord::new(&bar(60_000, true), "1m", CandleSource::Venue)]);
    }

    #[test]
    fn a_failed_insert_is_counted_and_goes_no_further() {
        let log = CandleLog::new(CandleSource::Replay, "1m");
        let before = candles_unrecorded();
        let failed = log.record_with(&bar(120_000, true), |_| {
            Err(StoreError::Corrupt {
                column: "candles".into(),
                value: String::new(),
                why: "disk gone".into(),
            })
        });
        assert!(!failed);
        // Process-wide: other tests may add to it, never take from it.
        assert!(candles_unrecorded() > before);
    }
}
