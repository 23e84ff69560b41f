//! Backtest benchmark: SMA(10/20) on 1,000,000 one-minute bars of the deterministic random walk,
//! through the live engine, risk gates and paper exchange. Reports the backtest alone (bars
//! already in memory, as the peers' figures exclude loading), CSV parsing, and a 100-combination
//! sweep on all cores (`-- N sweep unshared` adds the same grid run one full backtest per
//! combination, `-- N sweep10k` runs the 10,000-combination grid instead).
//!
//! Run: `cargo bench -p mirai-backtest --bench backtest` (optionally `-- BARS`, default 1,000,000).
//!
//! Each figure is given twice: wall-clock time, and time actually on a CPU (from
//! `/proc/thread-self/schedstat`, or the process's user + system time for the parallel sweep).
//! On a shared machine the second is what the code costs; the first includes waiting for the CPU.

use std::time::Instant;

use mirai_backtest::data::{Bars, CsvReader};
use mirai_backtest::sweep::{Grid, sweep};
use mirai_backtest::{BacktestConfig, FillAt, run_bars};
use mirai_core::synthetic::RandomWalk;
use mirai_core::{Price, Symbol, Timestamp};
use rust_decimal::Decimal;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: usize = args.iter().find_map(|a| a.parse().ok()).unwrap_or(1_000_000);
    // `-- N backtest|quiet|csv|sweep` runs one part only (for profiling).
    let parts = ["backtest", "quiet", "csv", "sweep", "sweep10k"];
    let only =
        |part: &str| !args.iter().any(|a| parts.contains(&a.as_str())) || args.iter().any(|a| a == part);
    let symbol = Symbol::new("BTCUSDT");
    let start = Timestamp::from_millis(1_704_067_200_000);
    let walk = RandomWalk::new(symbol, Price::new(Decimal::from(100)), start, 60_000, 42);
    // Only built when a part needs it (a profile of the quiet part alone stays clean).
    let needs_walk = ["backtest", "csv", "sweep", "sweep10k"].iter().any(|p| only(p));
    let bars =
        if needs_walk { Bars::from_candles(walk.take(n)).expect("generated bars") } else { Bars::default() };
    let config = |fill| BacktestConfig {
        symbol,
        params: vec![("fast".into(), "10".into()), ("slow".into(), "20".into())],
        fill,
        ..BacktestConfig::default()
    };

    // `once`: a single next-open run (for callgrind, which is slow).
    let once = args.iter().any(|a| a == "once");
    let fills = if once { &[FillAt::NextOpen][..] } else { &[FillAt::NextOpen, FillAt::Close][..] };
    for &fill in fills.iter().filter(|_| only("backtest")) {
        let mut last = None;
        let (wall, cpu, best) = median_of(if once { 1 } else { 7 }, || {
            last = Some(run_bars(&config(fill), &bars, 0..bars.len()).expect("backtest runs"))
        });
        let r = last.expect("ran");
        println!(
            "backtest {fill:<9} {n} bars: median {:.1} ms wall = {:.1} M bars/s (best {:.1} ms = {:.1} M), {:.1} ms on CPU  (decisions {}, orders {}, trades {}, open {}, final equity {})",
            wall * 1e3,
            n as f64 / wall / 1e6,
            best * 1e3,
            n as f64 / best / 1e6,
            cpu * 1e3,
            r.counts.decisions,
            r.counts.orders,
            r.stats.trades,
            r.stats.open_trades,
            r.stats.final_equity
        );
    }

    if only("quiet") {
        quiet(n, symbol, &config(FillAt::NextOpen));
    }
    if only("csv") {
        csv_parse(&bars);
    }
    if only("sweep") || args.iter().any(|a| a == "sweep10k") {
        run_sweep(&bars, &config(FillAt::NextOpen), n, &args);
    }
}

fn csv_parse(bars: &Bars) {
    // The file `mirai gen-bars` writes for the same seed.
    let mut out = Vec::new();
    let g = mirai_backtest::generate::Generate {
        bars: bars.len() as u64,
        seed: 42,
        start_ms: mirai_backtest::generate::DEFAULT_START_MS,
        interval_ms: 60_000,
        start_price: Price::new(Decimal::from(100)),
    };
    g.write_csv(&mut out, |_| {}).expect("in memory");
    let csv = String::from_utf8(out).expect("ASCII");
    let mut parsed = 0;
    let (wall, cpu, _) = median_of(3, || {
        parsed = CsvReader::new(csv.as_bytes()).expect("header").filter(|b| b.is_ok()).count()
    });
    println!(
        "csv parse: {parsed} bars, {:.1} MB: median {:.1} ms wall, {:.1} ms on CPU = {:.0} MB/s on CPU",
        csv.len() as f64 / 1e6,
        wall * 1e3,
        cpu * 1e3,
        csv.len() as f64 / 1e6 / cpu
    );
}

/// The sweeps: the 100-combination grid (`sweep`), shared as `mirai sweep` runs it and, for the
/// ratio, one full backtest per combination as sweeps ran before sharing (with `unshared`); the
/// 10,000-combination grid with `sweep10k` (`-- N sweep10k FAST_SPEC` runs a slice of it, for
/// profiling: `fast=1..10`).
fn run_sweep(bars: &Bars, config: &BacktestConfig, n: usize, args: &[String]) {
    let mut grids = vec![("100", vec!["fast=5..50:5".to_owned(), "slow=10..100:10".to_owned()])];
    if args.iter().any(|a| a == "sweep10k") {
        let fast = args.iter().find(|a| a.starts_with("fast=")).cloned().unwrap_or("fast=1..100".into());
        grids = vec![("10k", vec![fast, "slow=1..100".to_owned()])];
    }
    for (name, specs) in grids {
        let grid = Grid::parse(&specs).expect("grid");
        let (cpu0, t0) = (process_cpu_secs(), Instant::now());
        let results = sweep(config, &grid, bars, 0..bars.len(), |_| {}).expect("sweep");
        let (secs, cpu) = (t0.elapsed().as_secs_f64(), process_cpu_secs() - cpu0);
        let trades: u64 = results.iter().map(|r| r.stats.trades).sum();
        println!(
            "sweep {name}: {} combinations ({} valid) on {} threads: {:.2} s wall, {:.2} s CPU over all threads = {:.1} M bar-runs/s per CPU-second ({trades} trades in all)",
            grid.len(),
            results.len(),
            rayon::current_num_threads(),
            secs,
            cpu,
            (results.len() * n) as f64 / cpu / 1e6
        );
        if args.iter().any(|a| a == "unshared") {
            use rayon::prelude::*;
            let configs: Vec<BacktestConfig> = grid
                .combinations()
                .iter()
                .map(|c| mirai_backtest::sweep::with_params(config, c))
                .filter(|c| c.validate().is_ok())
                .collect();
            let (cpu0, t0) = (process_cpu_secs(), Instant::now());
            let alone: Vec<_> =
                configs.par_iter().map(|c| run_bars(c, bars, 0..bars.len()).expect("runs").stats).collect();
            let (secs, cpu) = (t0.elapsed().as_secs_f64(), process_cpu_secs() - cpu0);
            let same = alone.iter().zip(&results).all(|(a, r)| format!("{a:?}") == format!("{:?}", r.stats));
            println!(
                "  the same {} combinations unshared (one full backtest each): {secs:.2} s wall, {cpu:.2} s CPU; statistics identical: {same}",
                configs.len()
            );
        }
    }
}

/// The per-bar floor: a steadily rising series on which the averages never cross again, so no
/// decision is ever taken and every bar costs only the loop itself.
fn quiet(n: usize, symbol: Symbol, config: &BacktestConfig) {
    use mirai_core::{Candle, Qty};
    let mut bars = Bars::default();
    for i in 0..n as i64 {
        let p = |d: i64| Price::new(Decimal::new(1_000_000 + i * 10 + d, 2));
        let t = Timestamp::from_millis(1_704_067_200_000 + i * 60_000);
        bars.push(&Candle {
            symbol,
            open_time: t,
            close_time: t.plus_millis(59_999),
            open: p(0),
            high: p(9),
            low: p(0),
            close: p(9),
            volume: Qty::ZERO,
            closed: true,
        });
    }
    let (wall, cpu, _) =
        median_of(5, || assert_eq!(run_bars(config, &bars, 0..bars.len()).expect("runs").stats.trades, 0));
    println!(
        "quiet series (no decisions) {n} bars: median {:.1} ms wall, {:.1} ms on CPU = {:.1} M bars/s, {:.1} ns/bar on CPU",
        wall * 1e3,
        cpu * 1e3,
        n as f64 / cpu / 1e6,
        cpu * 1e9 / n as f64
    );
}

/// Median wall and on-CPU seconds of `runs` calls, and the best wall time (on a shared machine
/// other work only ever adds time, so the best run is the code's own cost).
fn median_of(runs: usize, mut f: impl FnMut()) -> (f64, f64, f64) {
    let mut wall = Vec::new();
    let mut cpu = Vec::new();
    for _ in 0..runs {
        let (c0, t0) = (thread_cpu_secs(), Instant::now());
        f();
        wall.push(t0.elapsed().as_secs_f64());
        cpu.push(thread_cpu_secs() - c0);
    }
    wall.sort_by(f64::total_cmp);
    cpu.sort_by(f64::total_cmp);
    (wall[runs / 2], cpu[runs / 2], wall[0])
}

/// Nanoseconds this thread has spent on a CPU (Linux's schedstat), in seconds; NaN elsewhere.
fn thread_cpu_secs() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|n| n.parse::<f64>().ok()))
        .map_or(f64::NAN, |ns| ns / 1e9)
}

/// User + system time of the whole process, all threads, in seconds (10 ms ticks); NaN elsewhere.
fn process_cpu_secs() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else { return f64::NAN };
    // Fields after the command name (which is in parentheses and may hold spaces).
    let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else { return f64::NAN };
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(f64::NAN);
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    (ticks(11) + ticks(12)) / 100.0
}
