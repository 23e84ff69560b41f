//! Engine benchmark: market events per second through strategy → advisor → risk → paper fill, and
//! the latency from one event to a risk-approved order intent (p50/p99).
//!
//! Run: `cargo bench -p mirai-engine --bench engine` (optionally `-- EVENTS`, default 2,000,000).
//! A plain binary rather than criterion: the figures wanted are a throughput and latency
//! percentiles over one long deterministic run, and criterion's dependency tree would double the
//! test command's build time.

use std::time::Instant;

use mirai_core::{Asset, MarketEvent, Price, RiskLimits, Symbol, Timestamp};
use mirai_engine::{
    AnyStrategy, Engine, EngineConfig, ManualClock, Outcome, RuleBasedAdvisor, synthetic::RandomWalk,
};
use mirai_paper::{PaperConfig, PaperExchange};
use rust_decimal_macros::dec;

fn main() {
    let events: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(2_000_000);
    let symbols = [(Symbol::new("BTCUSDT"), dec!(60000)), (Symbol::new("ETHUSDT"), dec!(3000))];
    let per_symbol = events / symbols.len();
    let mut feeds: Vec<_> = symbols
        .iter()
        .enumerate()
        .map(|(i, (s, p))| {
            RandomWalk::new(*s, Price::new(*p), Timestamp::from_millis(0), 60_000, 42 + i as u64)
        })
        .collect();
    let mut stream = Vec::with_capacity(per_symbol * symbols.len());
    for _ in 0..per_symbol {
        for f in &mut feeds {
            stream.push(MarketEvent::Candle(f.next().expect("endless")));
        }
    }

    let clock = ManualClock::default();
    // Generous daily trade cap so that the run exercises fills all the way through.
    let limits = RiskLimits { max_trades_per_day: 10_000, ..RiskLimits::default() };
    let mut engine =
        Engine::new(EngineConfig { limits, ..EngineConfig::default() }, RuleBasedAdvisor::default(), &clock);
    for (s, _) in &symbols {
        engine.add_symbol(
            *s,
            AnyStrategy::from_spec("sma-cross", &[("fast", "10"), ("slow", "20")]).expect("valid"),
            None,
        );
    }
    let mut paper = PaperExchange::new(PaperConfig {
        fee_rate: dec!(0.001),
        slippage_bps: dec!(0),
        rules: Vec::new(),
        balances: vec![(Asset::new("USDT"), dec!(10000))],
    });

    let mut intent_ns = Vec::new();
    let mut event_ns = Vec::with_capacity(stream.len());
    let (mut approved, mut refused, mut fills) = (0u64, 0u64, 0u64);
    let start = Instant::now();
    for ev in &stream {
        let t0 = Instant::now();
        clock.set(ev.time());
        for f in paper.on_market(ev) {
            let _ = engine.on_fill(&f);
            fills += 1;
        }
        let outcome = engine.on_event(ev);
        match outcome {
            Some(Outcome { order: Some(Ok(order)), .. }) => {
                intent_ns.push(t0.elapsed().as_nanos() as u64);
                approved += 1;
                let cid = order.inner().client_order_id.clone();
                if let Ok(report) = paper.submit(&order, ev.time()) {
                    for f in &report.fills {
                        let _ = engine.on_fill(f);
                        fills += 1;
                    }
                }
                engine.on_order_closed(&cid);
            }
            Some(Outcome { order: Some(Err(_)), .. }) => refused += 1,
            _ => {}
        }
        event_ns.push(t0.elapsed().as_nanos() as u64);
    }
    let secs = start.elapsed().as_secs_f64();
    let pct = |v: &mut Vec<u64>, p: f64| {
        v.sort_unstable();
        v.get(((v.len() as f64 - 1.0) * p).round() as usize).copied().unwrap_or(0)
    };
    println!("events: {}  approved orders: {approved}  refused: {refused}  fills: {fills}", stream.len());
    println!(
        "throughput: {:.2} M events/s ({secs:.3} s, per-event timing included)",
        stream.len() as f64 / secs / 1e6
    );
    println!(
        "event latency (all events): p50 {} ns, p99 {} ns, max {} ns",
        pct(&mut event_ns, 0.50),
        pct(&mut event_ns, 0.99),
        event_ns.last().copied().unwrap_or(0)
    );
    println!(
        "event → risk-approved order intent: p50 {} ns, p99 {} ns over {} intents",
        pct(&mut intent_ns, 0.50),
        pct(&mut intent_ns, 0.99),
        intent_ns.len()
    );
    println!("final equity: {}", engine.portfolio().equity());
}
