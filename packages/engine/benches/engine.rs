//! Engine benchmark: market events per second through strategy → advisor → risk → paper fill, and
//! the latency from one event to a risk-approved order intent (p50/p99).
//!
//! Run: `cargo bench -p mirai-engine --bench engine` (optionally `-- EVENTS`, default 2,000,000).
//! A plain binary rather than criterion: the figures wanted are a throughput and latency
//! percentiles over one long deterministic run, and criterion's dependency tree would double the
//! test command's build time.

use std::time::Instant;

use mirai_core::synthetic::RandomWalk;
use mirai_core::{
    Asset, LotSize, ManualClock, MarketEvent, NotionalFilter, Price, PriceFilter, Qty, RiskLimits, Symbol,
    SymbolRules, Timestamp,
};
use mirai_engine::{AnyStrategy, Engine, EngineConfig, Outcome, RuleBasedAdvisor};
use mirai_paper::{PaperConfig, PaperExchange};
use rust_decimal_macros::dec;

/// Filters like Binance's for BTCUSDT/ETHUSDT, so every order is checked the way the venue would.
fn binance_like_rules(symbol: Symbol) -> SymbolRules {
    let step = if symbol.as_str() == "BTCUSDT" { dec!(0.00001) } else { dec!(0.0001) };
    let lot = LotSize { min_qty: Qty::new(step), max_qty: Qty::new(dec!(9000)), step_size: Qty::new(step) };
    SymbolRules {
        symbol,
        base: Asset::new(symbol.as_str().trim_end_matches("USDT")),
        quote: Asset::new("USDT"),
        price_filter: Some(PriceFilter {
            min_price: Price::new(dec!(0.01)),
            max_price: Price::new(dec!(1000000)),
            tick_size: Price::new(dec!(0.01)),
        }),
        lot_size: Some(lot),
        market_lot_size: Some(lot),
        notional: Some(NotionalFilter {
            min_notional: Price::new(dec!(5)),
            apply_min_to_market: true,
            max_notional: None,
            apply_max_to_market: false,
            legacy_min_notional: false,
        }),
    }
}

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

    // Pass 1 measures throughput with no per-event timing; pass 2 times every event.
    let (plain, _, _) = run(&stream, false);
    let (timed, mut event_ns, mut intent_ns) = run(&stream, true);
    let pct = |v: &mut Vec<u64>, p: f64| {
        v.sort_unstable();
        v.get(((v.len() as f64 - 1.0) * p).round() as usize).copied().unwrap_or(0)
    };
    println!(
        "events: {}  approved orders: {}  refused by risk: {}  rejected by the exchange: {}  fills: {}",
        stream.len(),
        plain.approved,
        plain.refused,
        plain.rejected,
        plain.fills
    );
    println!("throughput: {:.2} M events/s ({:.3} s)", stream.len() as f64 / plain.secs / 1e6, plain.secs);
    println!(
        "throughput with per-event timing: {:.2} M events/s ({:.3} s)",
        stream.len() as f64 / timed.secs / 1e6,
        timed.secs
    );
    println!(
        "event latency (all events): p50 {} ns, p99 {} ns, p99.9 {} ns",
        pct(&mut event_ns, 0.50),
        pct(&mut event_ns, 0.99),
        pct(&mut event_ns, 0.999)
    );
    println!(
        "event → risk-approved order intent: p50 {} ns, p99 {} ns over {} intents",
        pct(&mut intent_ns, 0.50),
        pct(&mut intent_ns, 0.99),
        intent_ns.len()
    );
    println!("final equity: {}", plain.equity);
}

struct Totals {
    approved: u64,
    refused: u64,
    rejected: u64,
    fills: u64,
    secs: f64,
    equity: mirai_core::Amount,
}

/// One run of the whole stream through a fresh engine and paper exchange.
fn run(stream: &[MarketEvent], timed: bool) -> (Totals, Vec<u64>, Vec<u64>) {
    let clock = ManualClock::default();
    // A generous daily trade cap so that the run exercises fills all the way through.
    let limits = RiskLimits { max_trades_per_day: 10_000, ..RiskLimits::default() };
    let config = EngineConfig { limits, ..EngineConfig::default() };
    let mut engine = Engine::new(config, RuleBasedAdvisor::default(), &clock);
    let symbols = [Symbol::new("BTCUSDT"), Symbol::new("ETHUSDT")];
    let rules: Vec<SymbolRules> = symbols.iter().map(|s| binance_like_rules(*s)).collect();
    for r in &rules {
        let strategy = AnyStrategy::from_spec("sma-cross", &[("fast", "10"), ("slow", "20")]).expect("valid");
        engine.add_symbol(r.symbol, strategy, Some(r.clone()));
    }
    let mut paper = PaperExchange::new(PaperConfig {
        fee_rate: dec!(0.001),
        slippage_bps: dec!(2),
        rules,
        balances: vec![(Asset::new("USDT"), dec!(10000))],
    })
    .expect("valid paper config");

    let mut intent_ns = Vec::new();
    let mut event_ns = Vec::with_capacity(if timed { stream.len() } else { 0 });
    let mut t = Totals {
        approved: 0,
        refused: 0,
        rejected: 0,
        fills: 0,
        secs: 0.0,
        equity: mirai_core::Amount::ZERO,
    };
    let start = Instant::now();
    for ev in stream {
        let t0 = timed.then(Instant::now);
        clock.set(ev.time());
        for f in paper.on_market(ev) {
            let _ = engine.on_fill(&f);
            t.fills += 1;
        }
        match engine.on_event(ev) {
            Some(Outcome { order: Some(Ok(order)), .. }) => {
                if let Some(t0) = t0 {
                    intent_ns.push(t0.elapsed().as_nanos() as u64);
                }
                t.approved += 1;
                let cid = order.inner().client_order_id.clone();
                match paper.submit(order.inner(), ev.time()) {
                    Ok(report) => {
                        for f in &report.fills {
                            let _ = engine.on_fill(f);
                            t.fills += 1;
                        }
                    }
                    Err(_) => t.rejected += 1,
                }
                engine.on_order_closed(&cid);
            }
            Some(Outcome { order: Some(Err(_)), .. }) => t.refused += 1,
            _ => {}
        }
        if let Some(t0) = t0 {
            event_ns.push(t0.elapsed().as_nanos() as u64);
        }
    }
    t.secs = start.elapsed().as_secs_f64();
    t.equity = engine.portfolio().equity();
    (t, event_ns, intent_ns)
}
