//! CANDLES: every closed candle once per symbol, interval and open time, with its exact values;
//! a re-delivery (even with other values) keeps the row first written.

use mirai_core::{AnalyticsRecord, AnalyticsStore, CandleRecord, CandleSource, Price, Qty, Symbol};

use crate::helpers::{dec, fresh_store, scalar, ts};

/// 2026-11-23T02:24:00.000Z
const T: i64 = 1_795_400_640_000;

fn candle(symbol: &str, interval: &str, open_ms: i64, close: &str, source: CandleSource) -> CandleRecord {
    CandleRecord {
        symbol: Symbol::new(symbol),
        interval: interval.into(),
        open_time: ts(open_ms),
        close_time: ts(open_ms + 59_999),
        open: Price::new(dec("62000.10000000")),
        high: Price::new(dec("62100.123456789012345678")),
        low: Price::new(dec("0.000000000000000001")),
        close: Price::new(dec(close)),
        volume: Qty::new(dec("1234567890.5")),
        source,
    }
}

#[tokio::test]
async fn candles_shipped_twice_are_stored_once_with_exact_values() {
    let store = fresh_store("candles").await;
    let candles = vec![
        candle("BTCUSDT", "1m", T, "62050.5", CandleSource::Venue),
        candle("BTCUSDT", "1m", T + 60_000, "62060", CandleSource::Venue),
        // Same instant, another interval or symbol: other rows.
        candle("BTCUSDT", "5m", T, "62070", CandleSource::Replay),
        candle("ETHUSDT", "1m", T, "3000.01", CandleSource::Binance),
    ];
    let records: Vec<AnalyticsRecord> = candles.iter().cloned().map(AnalyticsRecord::Candle).collect();
    store.write_batch(&records).await.unwrap();
    // Shipped again, whole (a retry after a lost acknowledgement), and one of them in the same
    // batch twice with other values (a confused re-delivery): the first row written stays.
    let mut again = records.clone();
    again.push(AnalyticsRecord::Candle(candle("BTCUSDT", "1m", T, "1", CandleSource::Replay)));
    store.write_batch(&again).await.unwrap();
    store
        .write_batch(&[AnalyticsRecord::Candle(candle("BTCUSDT", "1m", T, "2", CandleSource::Replay))])
        .await
        .unwrap();

    assert_eq!(scalar(&store, "SELECT TO_VARCHAR(COUNT(*)) FROM CANDLES").await, "4");
    let rows = store
        .query_static(
            "SELECT SYMBOL, INTERVAL, TO_VARCHAR(DATE_PART(EPOCH_MILLISECOND, OPEN_TIME)), \
             TO_VARCHAR(DATE_PART(EPOCH_MILLISECOND, CLOSE_TIME)), TO_VARCHAR(OPEN), TO_VARCHAR(HIGH), \
             TO_VARCHAR(LOW), TO_VARCHAR(CLOSE), TO_VARCHAR(VOLUME), SOURCE FROM CANDLES \
             ORDER BY SYMBOL, INTERVAL, OPEN_TIME",
        )
        .await
        .unwrap();
    let got: Vec<CandleRecord> = rows
        .iter()
        .map(|r| {
            let cell = |i: usize| r[i].as_deref().unwrap_or_else(|| panic!("NULL in column {i}: {r:?}"));
            CandleRecord {
                symbol: Symbol::new(cell(0)),
                interval: cell(1).into(),
                open_time: ts(cell(2).parse().unwrap()),
                close_time: ts(cell(3).parse().unwrap()),
                open: Price::new(dec(cell(4))),
                high: Price::new(dec(cell(5))),
                low: Price::new(dec(cell(6))),
                close: Price::new(dec(cell(7))),
                volume: Qty::new(dec(cell(8))),
                source: CandleSource::parse(cell(9)).unwrap(),
            }
        })
        .collect();
    assert_eq!(got, candles, "each candle once, as first written, to the last digit");
    // The column's 18 places, nothing lost or invented.
    assert_eq!(
        scalar(&store, "SELECT TO_VARCHAR(LOW) FROM CANDLES WHERE SYMBOL = 'ETHUSDT'").await,
        "0.000000000000000001"
    );
    // UTC wall time (fakesnow leaves out a zero fraction of a second).
    let open = scalar(&store, "SELECT TO_VARCHAR(OPEN_TIME) FROM CANDLES WHERE SYMBOL = 'ETHUSDT'").await;
    assert!(open.starts_with("2026-11-23 02:24:00"), "{open}");
}
