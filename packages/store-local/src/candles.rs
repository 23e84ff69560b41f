//! Candles: every closed bar the worker traded on, recorded once per symbol, interval and open time.

use mirai_core::{CandleRecord, CandleSource, Price, Qty, Symbol, Timestamp};
use rusqlite::{Connection, Row, params};

use crate::codec::{dec, parse, text, timestamp};
use crate::{LocalStore, Result, rows};

/// The columns [`decode`] reads, in its order. A macro so queries stay compile-time constants.
macro_rules! columns {
    () => {
        "symbol, interval, open_time, close_time, open, high, low, close, volume, source"
    };
}

/// The same list for other modules (the outbox reads rows by `seq`).
pub(crate) const COLUMNS: &str = columns!();

impl LocalStore {
    /// Stores a closed candle; its insertion queues it in the outbox. A candle already stored
    /// (same symbol, interval and open time: replayed again after a restart, or re-delivered by
    /// a stream) returns `false` and changes nothing.
    pub fn record_candle(&self, candle: &CandleRecord) -> Result<bool> {
        record_candle(&self.conn(), candle)
    }

    /// The candles of `symbol` (of every symbol if `None`) that opened in `[from, to)`, ordered
    /// by symbol, interval and open time.
    pub fn candles(
        &self,
        symbol: Option<Symbol>,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<CandleRecord>> {
        rows::all(
            &self.conn(),
            concat!(
                "SELECT ",
                columns!(),
                " FROM candles WHERE (?1 IS NULL OR symbol = ?1) AND open_time >= ?2 AND open_time < ?3 \
                 ORDER BY symbol, interval, open_time"
            ),
            params![symbol.as_ref().map(Symbol::as_str), from.millis(), to.millis()],
            decode,
        )
    }
}

pub(crate) fn record_candle(conn: &Connection, c: &CandleRecord) -> Result<bool> {
    let inserted =
        conn.prepare_cached(concat!(
            "INSERT INTO candles (",
            columns!(),
            ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) \
             ON CONFLICT (symbol, interval, open_time) DO NOTHING"
        ))?
        .execute(params![
            c.symbol.as_str(),
            c.interval,
            c.open_time.millis(),
            c.close_time.millis(),
            dec(c.open.get()),
            dec(c.high.get()),
            dec(c.low.get()),
            dec(c.close.get()),
            dec(c.volume.get()),
            c.source.as_str(),
        ])? == 1;
    if !inserted {
        warn_if_different(conn, c)?;
    }
    Ok(inserted)
}

/// A re-delivery should repeat the stored candle exactly; if it does not (a replay with another
/// seed, or a venue that revised a closed bar), the first version is kept. Worth a warning, not a
/// failure of the caller.
fn warn_if_different(conn: &Connection, c: &CandleRecord) -> Result<()> {
    let stored = rows::first(
        conn,
        concat!(
            "SELECT ",
            columns!(),
            " FROM candles WHERE symbol = ?1 AND interval = ?2 AND open_time = ?3"
        ),
        params![c.symbol.as_str(), c.interval, c.open_time.millis()],
        decode,
    )?;
    if stored.as_ref() != Some(c) {
        tracing::warn!(
            symbol = %c.symbol,
            interval = %c.interval,
            open_time = %c.open_time,
            "re-delivered candle differs from the stored one; keeping the stored one"
        );
    }
    Ok(())
}

pub(crate) fn decode(row: &Row<'_>) -> Result<CandleRecord> {
    Ok(CandleRecord {
        symbol: parse(row, 0, Symbol::new_checked)?,
        interval: text(row, 1)?,
        open_time: timestamp(row, 2)?,
        close_time: timestamp(row, 3)?,
        open: parse(row, 4, Price::parse)?,
        high: parse(row, 5, Price::parse)?,
        low: parse(row, 6, Price::parse)?,
        close: parse(row, 7, Price::parse)?,
        volume: parse(row, 8, Qty::parse)?,
        source: parse(row, 9, |s| CandleSource::parse(s).ok_or("not a candle source"))?,
    })
}

#[cfg(test)]
mod tests {
    use mirai_core::{AnalyticsRecord, Candle};
    use rust_decimal_macros::dec;

    use super::*;
    use crate::outbox::OutboxTopic;

    fn candle(symbol: &str, open_ms: i64, close: rust_decimal::Decimal) -> CandleRecord {
        let c = Candle {
            symbol: Symbol::new(symbol),
            open_time: Timestamp::from_millis(open_ms),
            close_time: Timestamp::from_millis(open_ms + 59_999),
            open: Price::new(dec!(100.10)),
            high: Price::new(dec!(101.123456789012345678)),
            low: Price::new(dec!(99.5)),
            close: Price::new(close),
            volume: Qty::new(dec!(12.00100000)),
            closed: true,
        };
        CandleRecord::new(&c, "1m", CandleSource::Replay)
    }

    fn queued_candles(store: &LocalStore) -> Vec<CandleRecord> {
        store
            .outbox_next(OutboxTopic::Analytics, 1_000)
            .unwrap()
            .into_iter()
            .filter_map(|e| match e.record {
                AnalyticsRecord::Candle(c) => Some(c),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_candle_is_stored_once_and_the_first_version_is_kept() {
        let store = LocalStore::open_in_memory().unwrap();
        let first = candle("BTCUSDT", 60_000, dec!(100.7));
        assert!(store.record_candle(&first).unwrap());
        assert!(!store.record_candle(&first).unwrap());
        // A re-delivery with other values is refused, not merged.
        let revised = candle("BTCUSDT", 60_000, dec!(100.9));
        assert!(!store.record_candle(&revised).unwrap());
        // Another interval or symbol at the same instant is another candle.
        let mut five = candle("BTCUSDT", 60_000, dec!(100.7));
        five.interval = "5m".into();
        assert!(store.record_candle(&five).unwrap());
        let eth = CandleRecord { source: CandleSource::Venue, ..candle("ETHUSDT", 60_000, dec!(3000)) };
        assert!(store.record_candle(&eth).unwrap());

        let all = store.candles(None, Timestamp::from_millis(0), Timestamp::from_millis(i64::MAX)).unwrap();
        assert_eq!(all, vec![first.clone(), five, eth]);
        // Exact decimals and scale come back as written.
        assert_eq!(all[0].high.get().to_string(), "101.123456789012345678");
        assert_eq!(all[0].volume.get().to_string(), "12.00100000");
        let btc = store.candles(
            Some(Symbol::new("BTCUSDT")),
            Timestamp::from_millis(0),
            Timestamp::from_millis(60_001),
        );
        assert_eq!(btc.unwrap().len(), 2);
        // The range is half-open on the open time.
        let none = store.candles(None, Timestamp::from_millis(0), Timestamp::from_millis(60_000)).unwrap();
        assert!(none.is_empty());
    }

    #[test]
    fn a_candle_is_queued_exactly_once() {
        let store = LocalStore::open_in_memory().unwrap();
        store.enable_outbox(&[OutboxTopic::Analytics, OutboxTopic::Rationales]).unwrap();
        let c = candle("BTCUSDT", 120_000, dec!(100.7));
        for _ in 0..3 {
            store.record_candle(&c).unwrap();
        }
        assert_eq!(queued_candles(&store), vec![c]);
        // Rationales take decisions only.
        assert!(store.outbox_next(OutboxTopic::Rationales, 100).unwrap().is_empty());
    }

    #[test]
    fn candles_recorded_before_a_topic_is_enabled_are_backfilled() {
        let store = LocalStore::open_in_memory().unwrap();
        let a = candle("BTCUSDT", 60_000, dec!(100.7));
        let b = candle("BTCUSDT", 120_000, dec!(100.8));
        store.record_candle(&a).unwrap();
        store.record_candle(&b).unwrap();
        assert!(queued_candles(&store).is_empty());
        store.enable_outbox(&[OutboxTopic::Analytics]).unwrap();
        store.outbox_backfill(OutboxTopic::Analytics).unwrap();
        assert_eq!(queued_candles(&store), vec![a, b]);
        assert_eq!(store.outbox_backfill(OutboxTopic::Rationales).unwrap(), 0);
    }
}
