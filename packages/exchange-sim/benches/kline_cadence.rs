//! The kline stream's cadence as a client sees it: the simulator with the README recipe's
//! settings (its defaults: 1m bars every 3 s, 20 times real time) on its own runtime, a raw
//! WebSocket client on another, subscribed to `btcusdt@kline_1m`; the wall-clock time between
//! consecutive open-candle (`"x": false`) messages, and the market time they carry.
//!
//! `cargo bench -p mirai-exchange-sim --bench kline_cadence -- [MESSAGES] [BAR_MS]`
//! (defaults: 60 open-candle messages at the default speed; `BAR_MS` as `--bar-ms`).

use std::time::{Duration, Instant};

use clap::Parser as _;
use futures_util::StreamExt as _;
use mirai_exchange_sim::{Args, serve};
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;

fn main() {
    let numbers: Vec<u64> =
        std::env::args().skip(1).filter(|a| !a.starts_with("--")).filter_map(|a| a.parse().ok()).collect();
    let wanted = numbers.first().copied().unwrap_or(60) as usize;
    let mut argv =
        vec!["exchange-sim", "--listen", "127.0.0.1:0", "--api-key", "bench", "--api-secret", "bench"];
    let bar_ms = numbers.get(1).map(u64::to_string);
    if let Some(ms) = &bar_ms {
        argv.extend(["--bar-ms", ms.as_str()]);
    }
    let config = Args::try_parse_from(argv)
        .unwrap_or_else(|e| panic!("{e}"))
        .to_config()
        .unwrap_or_else(|e| panic!("{e}"));
    let speed = config.speed().unwrap_or(1.0);
    let update_ms = config.market_ms_per_update();

    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        rt.block_on(async move {
            let sim = serve(config).await.unwrap_or_else(|e| panic!("{e}"));
            addr_tx.send(sim.addr()).unwrap_or_else(|e| panic!("{e}"));
            std::future::pending::<()>().await;
        });
    });
    let addr = addr_rx.recv().unwrap_or_else(|e| panic!("{e}"));

    let rt =
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap_or_else(|e| panic!("{e}"));
    let (arrivals, market) = rt.block_on(async move {
        let url = format!("ws://{addr}/ws/btcusdt@kline_1m");
        let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap_or_else(|e| panic!("{e}"));
        let mut arrivals: Vec<(Instant, bool)> = Vec::new();
        let mut market: Vec<i64> = Vec::new();
        while arrivals.iter().filter(|(_, closed)| !closed).count() < wanted {
            let msg = tokio::time::timeout(Duration::from_secs(10), ws.next())
                .await
                .unwrap_or_else(|_| panic!("no kline for 10 s"))
                .unwrap_or_else(|| panic!("the stream ended"))
                .unwrap_or_else(|e| panic!("{e}"));
            let Message::Text(text) = msg else { continue };
            let at = Instant::now();
            let v: Value = serde_json::from_str(text.as_str()).unwrap_or_else(|e| panic!("{e}"));
            let k = &v["k"];
            let closed = k["x"].as_bool().unwrap_or(false);
            if !closed {
                market.push(k["t"].as_i64().unwrap_or(0) + k["n"].as_i64().unwrap_or(0) * update_ms);
            }
            arrivals.push((at, closed));
        }
        (arrivals, market)
    });

    let open: Vec<Instant> = arrivals.iter().filter(|(_, closed)| !closed).map(|(at, _)| *at).collect();
    let mut all: Vec<f64> = open.windows(2).map(|w| (w[1] - w[0]).as_secs_f64() * 1_000.0).collect();
    // Within a bar: consecutive open candles with no close between them.
    let mut within: Vec<f64> = Vec::new();
    let mut last_open: Option<Instant> = None;
    for (at, closed) in &arrivals {
        if *closed {
            last_open = None;
        } else {
            if let Some(prev) = last_open {
                within.push((*at - prev).as_secs_f64() * 1_000.0);
            }
            last_open = Some(*at);
        }
    }
    let market_steps: Vec<i64> = market.windows(2).map(|w| w[1] - w[0]).filter(|d| *d > 0).collect();
    println!(
        "kline cadence: {} open-candle messages at {speed:.0}x ({} ms of market time per update, \
         {:.1} ms of real time expected)",
        open.len(),
        update_ms,
        update_ms as f64 / speed
    );
    println!("  all intervals between x:false messages: {}", summary(&mut all));
    println!("  within a bar (no close between):         {}", summary(&mut within));
    println!(
        "  market time between consecutive x:false in a bar: {:?} ms",
        market_steps
            .iter()
            .copied()
            .filter(|d| *d < 2 * update_ms)
            .collect::<std::collections::BTreeSet<_>>()
    );
}

fn summary(v: &mut [f64]) -> String {
    if v.is_empty() {
        return "none".to_owned();
    }
    v.sort_by(f64::total_cmp);
    let pct = |p: f64| v[((v.len() as f64 - 1.0) * p).round() as usize];
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    format!(
        "n {}, mean {mean:.1} ms, p50 {:.1} ms, p99 {:.1} ms, min {:.1} ms, max {:.1} ms",
        v.len(),
        pct(0.5),
        pct(0.99),
        v[0],
        v[v.len() - 1]
    )
}
