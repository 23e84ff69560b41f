//! Round-trip latency of a signed order against the local simulator, and the simulator's
//! sustained orders per second.
//!
//! `cargo bench -p mirai-binance --bench order_roundtrip -- [ORDERS] [SECONDS] [CONCURRENCY]`
//! (defaults 5000, 5, 16). The simulator runs in this process on its own runtime, on 127.0.0.1;
//! the client is Mirai's own (`BinanceHttpClient`): HMAC signing, the governor, reqwest, JSON
//! parsing all count. Orders are MARKET, alternating BUY and SELL so balances hold, each filled
//! by the paper matching engine and answered with a FULL response.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use mirai_binance::http::governor::GovernorConfig;
use mirai_binance::{BinanceHttpClient, Credential, HttpConfig, NewOrder};
use mirai_core::{Asset, Decimal, Qty, Side, Symbol};
use mirai_exchange_sim::{SimConfig, serve};

const KEY: &str = "bench-key";
const SECRET: &str = "bench-secret-0123456789abcdef";

fn main() {
    let args: Vec<u64> =
        std::env::args().skip(1).filter(|a| !a.starts_with("--")).filter_map(|a| a.parse().ok()).collect();
    let orders = args.first().copied().unwrap_or(5_000) as usize;
    let seconds = args.get(1).copied().unwrap_or(5);
    let concurrency = args.get(2).copied().unwrap_or(16) as usize;

    // The simulator on its own runtime, as if it were another process.
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let mut c = SimConfig::new(KEY, SECRET);
            c.bar_every = None;
            c.history_bars = 10;
            c.weight_per_minute = u32::MAX / 2;
            c.orders_per_10s = u32::MAX / 2;
            c.orders_per_day = u32::MAX / 2;
            c.balances = vec![
                (Asset::new("USDT"), Decimal::from(1_000_000_000_000i64)),
                (Asset::new("BTC"), Decimal::from(1_000_000)),
            ];
            let sim = serve(c).await.expect("simulator");
            addr_tx.send(sim.base_url()).expect("send address");
            std::future::pending::<()>().await;
        });
    });
    let base = addr_rx.recv().expect("simulator address");

    let rt =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    rt.block_on(async move {
        let mut cfg = HttpConfig::new(base);
        cfg.governor = GovernorConfig {
            weight_per_minute: u32::MAX / 2,
            orders_per_10s: u32::MAX / 2,
            orders_per_day: u32::MAX / 2,
            ..GovernorConfig::default()
        };
        let client = Arc::new(
            BinanceHttpClient::new(cfg, Credential::hmac(KEY, SECRET).expect("credential")).expect("client"),
        );
        client.sync_time().await.expect("time");
        let btc = Symbol::new("BTCUSDT");
        let qty = Qty::new(Decimal::new(1, 3));
        let order = move |i: usize| {
            NewOrder::market(btc, if i.is_multiple_of(2) { Side::Buy } else { Side::Sell }, qty)
        };

        for i in 0..200 {
            client.new_order(&order(i)).await.expect("warm-up order");
        }

        // Unsigned baseline: the HTTP round trip alone.
        let mut base_lat = Vec::with_capacity(2_000);
        for _ in 0..2_000 {
            let t = Instant::now();
            client.server_time().await.expect("time");
            base_lat.push(t.elapsed());
        }
        report("GET /api/v3/time (unsigned, baseline)", &mut base_lat);

        // Latency: one signed order at a time.
        let mut lat = Vec::with_capacity(orders);
        let started = Instant::now();
        for i in 0..orders {
            let t = Instant::now();
            let o = client.new_order(&order(i)).await.expect("order");
            lat.push(t.elapsed());
            assert_eq!(o.status.as_deref(), Some("FILLED"));
        }
        let sequential = orders as f64 / started.elapsed().as_secs_f64();
        report("POST /api/v3/order (signed MARKET, FULL response), sequential", &mut lat);
        println!("  sequential rate: {sequential:.0} orders/s");

        // Throughput: `concurrency` tasks placing orders for `seconds`.
        let done = Arc::new(AtomicU64::new(0));
        let deadline = Instant::now() + Duration::from_secs(seconds);
        let mut tasks = Vec::new();
        for t in 0..concurrency {
            let (client, done) = (client.clone(), done.clone());
            tasks.push(tokio::spawn(async move {
                let mut i = t;
                while Instant::now() < deadline {
                    client.new_order(&order(i)).await.expect("order");
                    done.fetch_add(1, Ordering::Relaxed);
                    i += 1;
                }
            }));
        }
        let t0 = Instant::now();
        for t in tasks {
            t.await.expect("task");
        }
        let n = done.load(Ordering::Relaxed);
        println!(
            "sustained: {n} signed orders in {:.2} s with {concurrency} concurrent clients = {:.0} orders/s",
            t0.elapsed().as_secs_f64(),
            n as f64 / t0.elapsed().as_secs_f64()
        );
    });
}

fn report(what: &str, lat: &mut [Duration]) {
    lat.sort();
    let pct = |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)];
    println!(
        "{what}: n={} p50 {:?} p90 {:?} p99 {:?} max {:?}",
        lat.len(),
        pct(0.50),
        pct(0.90),
        pct(0.99),
        lat[lat.len() - 1]
    );
}
