//! Closed candles shipped to Snowflake's CANDLES (a fakesnow server of its own on 127.0.0.1), the
//! way the worker ships them: recorded with `LocalStore::record_candle` (queued by the outbox
//! trigger), drained by the shipper in its default batches into `SnowflakeStore`, then all queued
//! again (a backfill: every row a re-delivery, which the MERGE keeps as first written). Run with
//! `cargo bench -p mirai-outbox --bench candles` (optionally `-- ROWS`, default 50,000); figures go
//! to docs/benchmarks.md.

use std::sync::Arc;
use std::time::Instant;

use mirai_core::{CandleRecord, CandleSource, Price, Qty, Symbol, Timestamp};
use mirai_outbox::{AnalyticsSink, OutboxTopic, Shipper, ShipperConfig, StatusSource, Step};
use mirai_store_local::LocalStore;
use mirai_store_snowflake::{SnowflakeStore, fakesnow_compat};
use mirai_testkit::{Kind, Service};
use rust_decimal::Decimal;

/// One-minute bars of two symbols, with prices and volumes of Binance's precision.
fn candles(n: usize) -> Vec<CandleRecord> {
    let symbols = [Symbol::new("BTCUSDT"), Symbol::new("ETHUSDT")];
    (0..n)
        .map(|i| {
            let open_ms = 1_700_000_040_000 + (i / symbols.len()) as i64 * 60_000;
            let base = Decimal::new(6_200_012_345_678 + i as i64 * 1_000, 8);
            CandleRecord {
                symbol: symbols[i % symbols.len()],
                interval: "1m".into(),
                open_time: Timestamp::from_millis(open_ms),
                close_time: Timestamp::from_millis(open_ms + 59_999),
                open: Price::new(base),
                high: Price::new(base + Decimal::new(1_234, 2)),
                low: Price::new(base - Decimal::new(987, 2)),
                close: Price::new(base + Decimal::new(55, 2)),
                volume: Qty::new(Decimal::new(12_345_678 + i as i64, 8)),
                source: CandleSource::Venue,
            }
        })
        .collect()
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{cpu}, {cores} cores")
}

/// Ships until the queue is empty; returns the seconds taken.
async fn drain(shipper: &Shipper<AnalyticsSink<SnowflakeStore>>) -> f64 {
    let started = Instant::now();
    loop {
        match shipper.ship_once().await {
            Ok(Step::Idle) => break,
            Ok(Step::Shipped { parked: 0, .. }) => {}
            other => panic!("{other:?}"),
        }
    }
    started.elapsed().as_secs_f64()
}

fn main() {
    let rows: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(50_000);
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap_or_else(|e| panic!("{e}"));
    let server = Service::start(Kind::Fakesnow).unwrap_or_else(|e| panic!("{e}"));
    println!("machine: {}", machine());
    println!("fakesnow on {}\n", server.url());
    let config = ShipperConfig::default();
    let batch = config.batch_size;

    let store = Arc::new(LocalStore::open_in_memory().unwrap_or_else(|e| panic!("{e}")));
    store.enable_outbox(&[OutboxTopic::Analytics]).unwrap_or_else(|e| panic!("{e}"));
    let all = candles(rows);
    let started = Instant::now();
    for c in &all {
        assert!(store.record_candle(c).unwrap_or_else(|e| panic!("{e}")));
    }
    let record_secs = started.elapsed().as_secs_f64();

    println!("| step | rows | records per delivery | seconds | rows/s |");
    println!("|---|---:|---:|---:|---:|");
    println!(
        "| recorded locally (`record_candle`, queued by the trigger) | {rows} | | {record_secs:.2} | {:.0} |",
        rows as f64 / record_secs
    );
    runtime.block_on(async {
        let settings = fakesnow_compat::settings(&server.url(), "BENCH_CANDLES");
        let snow = Arc::new(fakesnow_compat::connect(settings).await.unwrap_or_else(|e| panic!("{e}")));
        let shipper = Shipper::new(store.clone(), AnalyticsSink::new(snow.clone(), "snowflake"), config);
        let secs = drain(&shipper).await;
        assert_eq!(shipper.status().shipped as usize, rows);
        println!("| shipped, new rows | {rows} | {batch} | {secs:.2} | {:.0} |", rows as f64 / secs);

        let queued = store.outbox_backfill(OutboxTopic::Analytics).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(queued as usize, rows);
        let secs = drain(&shipper).await;
        assert_eq!(shipper.status().shipped as usize, 2 * rows);
        println!(
            "| shipped again, every row a re-delivery | {rows} | {batch} | {secs:.2} | {:.0} |",
            rows as f64 / secs
        );

        let count = snow
            .query_static("SELECT TO_VARCHAR(COUNT(*)) FROM CANDLES")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let count = count.first().and_then(|r| r.first()).cloned().flatten().unwrap_or_default();
        assert_eq!(count, rows.to_string(), "each candle once in CANDLES");
        println!("\nCANDLES holds {count} rows: each candle once.");
    });
}
