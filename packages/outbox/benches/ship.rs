//! Rows per second shipped from the local outbox to Snowflake (a fakesnow server of its own on
//! 127.0.0.1), one record per delivery versus batches. Run with
//! `cargo bench -p mirai-outbox --bench ship`; figures go to docs/benchmarks.md.

use std::sync::Arc;
use std::time::Instant;

use mirai_core::{Amount, ClientOrderId, Fill, Position, Price, Qty, Side, Symbol, Timestamp, TradeId};
use mirai_outbox::{AnalyticsSink, OutboxTopic, Shipper, ShipperConfig, StatusSource, Step};
use mirai_store_local::LocalStore;
use mirai_store_snowflake::fakesnow_compat;
use mirai_testkit::{Kind, Service};
use rust_decimal::Decimal;

/// (batch size, rows shipped): fewer rows one by one, since each costs a round trip.
const CASES: [(usize, usize); 4] = [(1, 100), (10, 300), (100, 1000), (500, 2000)];

fn fills(store: &LocalStore, from: usize, n: usize) {
    let symbol = Symbol::new("BTCUSDT");
    let mut position = Position::flat(symbol);
    for i in from..from + n {
        let fill = Fill {
            trade_id: TradeId::new(format!("paper-{i}")),
            client_order_id: ClientOrderId::new_checked(&format!("mi-{i:016x}-b"))
                .unwrap_or_else(|e| panic!("{e}")),
            symbol,
            side: Side::Buy,
            qty: Qty::new(Decimal::new(123_456, 8)),
            price: Price::new(Decimal::new(6_200_012_345_678, 8)),
            fee: Amount::new(Decimal::new(7_654_321, 8)),
            ts: Timestamp::from_millis(1_700_000_000_000 + i as i64),
        };
        position.apply(&fill).unwrap_or_else(|e| panic!("{e}"));
        store.record_fill(&fill, &position).unwrap_or_else(|e| panic!("{e}"));
    }
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

fn main() {
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap_or_else(|e| panic!("{e}"));
    let server = Service::start(Kind::Fakesnow).unwrap_or_else(|e| panic!("{e}"));
    println!("machine: {}", machine());
    println!("fakesnow 0.12.1 on {}\n", server.url());
    println!("| records per delivery | rows | seconds | rows/s |");
    println!("|---:|---:|---:|---:|");
    runtime.block_on(async {
        for (i, (batch, rows)) in CASES.into_iter().enumerate() {
            let settings = fakesnow_compat::settings(&server.url(), &format!("BENCH{i}"));
            let snow = Arc::new(fakesnow_compat::connect(settings).await.unwrap_or_else(|e| panic!("{e}")));
            let store = Arc::new(LocalStore::open_in_memory().unwrap_or_else(|e| panic!("{e}")));
            store.enable_outbox(&[OutboxTopic::Analytics]).unwrap_or_else(|e| panic!("{e}"));
            fills(&store, 0, rows);
            let config = ShipperConfig { batch_size: batch, ..ShipperConfig::default() };
            let shipper = Shipper::new(store.clone(), AnalyticsSink::new(snow, "snowflake"), config);
            let started = Instant::now();
            loop {
                match shipper.ship_once().await {
                    Ok(Step::Idle) => break,
                    Ok(Step::Shipped { .. }) => {}
                    other => panic!("{other:?}"),
                }
            }
            let secs = started.elapsed().as_secs_f64();
            assert_eq!(shipper.status().shipped as usize, rows);
            println!("| {batch} | {rows} | {secs:.2} | {:.0} |", rows as f64 / secs);
        }
    });
}
