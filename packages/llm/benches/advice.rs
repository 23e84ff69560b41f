//! Decision latency through the model path, against the local simulator: a cache miss (the
//! request goes over HTTP to `sim-follow`, is validated and recorded) and a replay (answered from
//! the call log, no network), p50/p99 over 500 decisions each, plus the tokens the scenario used
//! and what they would cost at gpt-4o-mini's list prices.
//!
//! `cargo bench -p mirai-llm --features sim --bench advice`

use std::time::{Duration, Instant};

use mirai_core::{
    Action, AdviceRequest, Amount, Confidence, ExternalAdvice, Price, Qty, RiskBudget, Signal, Symbol,
    Timestamp,
};
use mirai_llm::advisor::calls::CallLog;
use mirai_llm::advisor::guard::Prices;
use mirai_llm::advisor::prompt::PromptNews;
use mirai_llm::advisor::settings::LlmSettings;
use mirai_llm::advisor::{LlmAdvisor, Source};
use rust_decimal::Decimal;
use secrecy::SecretString;

const DECISIONS: i64 = 500;

fn request(i: i64) -> AdviceRequest {
    let symbol = Symbol::new("BTCUSDT");
    AdviceRequest {
        signal: Signal {
            symbol,
            ts: Timestamp::from_millis(1_796_000_000_000 + i * 60_000),
            strategy: "sma-cross",
            action: Action::Buy,
            price: Price::new(Decimal::new(6_512_345, 2)),
            strength: Confidence::new_checked(Decimal::new(62, 2)).expect("a confidence"),
            reason: "SMA(10) 65110.2 crossed above SMA(20) 65090.4".into(),
        },
        position_qty: Qty::ZERO,
        cash: Amount::new(Decimal::from(10_000)),
        equity: Amount::new(Decimal::from(10_000)),
        budget: RiskBudget {
            max_order_notional: Amount::new(Decimal::from(1_000)),
            position_room: Amount::new(Decimal::from(1_000)),
            trades_left_today: 50,
            daily_loss_room: Amount::new(Decimal::from(500)),
            min_confidence: Confidence::new_checked(Decimal::new(7, 1)).expect("a confidence"),
        },
    }
}

/// Twelve items, as a decision sees at most.
fn news() -> Vec<PromptNews> {
    (0..12)
        .map(|n| PromptNews {
            id: format!("news-{n}"),
            published_at: Timestamp::from_millis(1_795_990_000_000 + n * 1_000),
            source: "sample".into(),
            title: format!("Bitcoin ETF flows, day {n}"),
            text: "Spot bitcoin ETFs took in more than expected as volatility eased. ".repeat(8),
            url: None,
        })
        .collect()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a runtime");
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let addr = listener.local_addr().expect("an address");
        let sim = mirai_llm::sim::Sim::new();
        tokio::spawn(mirai_llm::sim::serve(listener, sim.clone(), std::future::pending()));
        let dir = std::env::temp_dir().join(format!("mirai-advice-bench-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let settings = LlmSettings {
            api_key: SecretString::from("local"),
            base_url: format!("http://{addr}/v1"),
            model: "sim-follow".into(),
            timeout: Duration::from_secs(8),
            max_retries: 1,
            breaker_failures: 3,
            breaker_cooldown: Duration::from_secs(300),
            daily_budget_usd: Decimal::from(5),
            prices: Prices { input_per_mtok: Decimal::ZERO, output_per_mtok: Decimal::ZERO },
            training_cutoff: None,
        };
        let news = news();
        for (label, source) in [("cache miss (HTTP to the simulator)", Source::Network), ("replay (call log only)", Source::ReplayOnly)] {
            let advisor = LlmAdvisor::new(&settings, CallLog::open(&dir).expect("a log"), source).expect("an advisor");
            let mut took = Vec::new();
            for i in 0..DECISIONS {
                let r = request(i);
                let start = Instant::now();
                let advice = advisor.advise(&r, &news).await.expect("answered");
                took.push(start.elapsed());
                assert!(matches!(advice, ExternalAdvice::Model(_)), "{advice:?}");
            }
            took.sort();
            let stats = advisor.stats();
            println!(
                "{label}: {DECISIONS} decisions, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; tokens in {} out {}",
                percentile(&took, 0.5).as_secs_f64() * 1e3,
                percentile(&took, 0.99).as_secs_f64() * 1e3,
                took[took.len() - 1].as_secs_f64() * 1e3,
                stats.tokens_in,
                stats.tokens_out,
            );
            if source == Source::Network {
                let list = Prices { input_per_mtok: "0.15".parse().expect("a price"), output_per_mtok: "0.60".parse().expect("a price") };
                let per = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
                println!(
                    "  at gpt-4o-mini list prices ($0.15 / $0.60 per million tokens): ${} for {DECISIONS} decisions (tokens as the simulator counts them: characters / 4)",
                    list.cost(per(stats.tokens_in), per(stats.tokens_out)).round_dp(4)
                );
            }
        }
        println!("simulator calls: {} (the replay made none)", sim.calls());
        let _ = std::fs::remove_dir_all(&dir);
    });
}
