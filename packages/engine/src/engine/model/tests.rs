//! The engine with a consulted model: entries wait for advice, the answer can only decline,
//! lower confidence and shrink, the gates still judge, exits never wait.

use mirai_core::{
    Action, AdviceSource, CallUsage, Candle, Citation, Confidence, Decimal, ExternalAdvice, ManualClock,
    MarketEvent, ModelAdvice, RefusalReason, RiskLimits, Symbol,
};
use proptest::prelude::*;
use rust_decimal_macros::dec;

use crate::{AnyStrategy, Engine, EngineConfig, Outcome, RuleBasedAdvisor};

fn btc() -> Symbol {
    Symbol::new("BTCUSDT")
}

fn engine(limits: RiskLimits, consult: bool) -> Engine<RuleBasedAdvisor, ManualClock> {
    let config = EngineConfig { limits, ..EngineConfig::default() };
    let mut e =
        Engine::new(config, RuleBasedAdvisor::default(), ManualClock::default()).with_model_advice(consult);
    e.add_symbol(btc(), AnyStrategy::from_spec("sma-cross", &[("fast", "2"), ("slow", "4")]).unwrap(), None);
    e
}

fn candle(i: i64, close: i64) -> Candle {
    mirai_core::stubs::flat_minute_bar(i, Decimal::from(close))
}

/// SMA(2) crosses above SMA(4) on the 6th bar.
const UP: [i64; 6] = [100, 99, 98, 97, 96, 110];

fn feed(e: &mut Engine<RuleBasedAdvisor, ManualClock>, closes: &[i64], from: i64) -> Vec<Outcome> {
    closes
        .iter()
        .enumerate()
        .filter_map(|(i, p)| e.on_event(&MarketEvent::Candle(candle(from + i as i64, *p))))
        .collect()
}

fn model(enter: bool, confidence: Decimal, size_fraction: Decimal) -> ExternalAdvice {
    ExternalAdvice::Model(ModelAdvice {
        enter,
        abstained: false,
        confidence: Confidence::new_checked(confidence).unwrap(),
        size_fraction,
        rationale: "ETF inflows".into(),
        citations: vec![Citation::titled("ETF inflows", None)],
        model: "sim-follow".into(),
        prompt_hash: "ab".repeat(32),
        usage: Some(USAGE),
    })
}

const USAGE: CallUsage =
    CallUsage { tokens_in: 812, tokens_out: 64, cost_usd: Decimal::ZERO, latency_ms: 930 };

fn rules_order_qty() -> Decimal {
    let mut e = engine(RiskLimits::default(), false);
    let o = feed(&mut e, &UP, 0);
    o[0].order.clone().unwrap().unwrap().inner().qty.get()
}

#[test]
fn an_entry_waits_for_advice_and_a_halved_size_halves_the_order() {
    let mut e = engine(RiskLimits::default(), true);
    assert!(feed(&mut e, &UP, 0).is_empty(), "no decision before the advice");
    let request = e.take_advice_request().expect("the entry asks");
    assert_eq!(request.signal.action, Action::Buy);
    assert_eq!(request.equity.get(), dec!(10000));
    assert_eq!(request.budget.max_order_notional.get(), dec!(1000));
    assert_eq!(request.budget.position_room.get(), dec!(1000), "10 % of 10,000, nothing held");
    assert_eq!(request.budget.trades_left_today, 50);
    assert!(e.take_advice_request().is_none(), "taken once");
    assert!(e.awaits_advice(btc()));
    // Bars while waiting decide nothing for the symbol.
    assert!(feed(&mut e, &[120, 130], 6).is_empty());

    let o = e.on_advice(btc(), model(true, dec!(0.9), dec!(0.5))).expect("decided");
    let order = o.order.unwrap().unwrap().into_inner();
    assert_eq!(order.qty.get(), (rules_order_qty() * dec!(0.5)).round_dp(8));
    assert_eq!(o.decision.size_fraction, dec!(0.05));
    assert_eq!(o.decision.rationale, "ETF inflows");
    assert!(matches!(o.decision.advisor, AdviceSource::Model(ref m) if m.model == "sim-follow"));
    assert_eq!(o.decision.advisor.usage(), Some(&USAGE), "the call's usage stays with the decision");
    assert!(!e.awaits_advice(btc()));
    assert!(e.on_advice(btc(), model(true, dec!(0.9), dec!(1))).is_none(), "nothing waits any more");
}

#[test]
fn a_declined_entry_holds_and_a_fallback_decides_by_the_rules_with_its_reason() {
    let mut e = engine(RiskLimits::default(), true);
    feed(&mut e, &UP, 0);
    let o = e.on_advice(btc(), model(false, dec!(0.9), dec!(1))).expect("decided");
    assert_eq!(o.decision.action, Action::Hold);
    assert!(o.order.is_none());

    let mut e = engine(RiskLimits::default(), true);
    feed(&mut e, &UP, 0);
    let reason = "timeout after 8000 ms".to_owned();
    let usage = CallUsage { latency_ms: 8_003, ..CallUsage::default() };
    let fallback = ExternalAdvice::Fallback {
        model: "gpt".into(),
        reason: reason.clone(),
        prompt_hash: None,
        usage: Some(usage),
    };
    let o = e.on_advice(btc(), fallback).expect("decided");
    assert_eq!(o.order.unwrap().unwrap().inner().qty.get(), rules_order_qty());
    assert!(o.decision.rationale.contains("crossed above"), "the rules' rationale");
    assert_eq!(o.decision.advisor, AdviceSource::fallback("gpt".into(), reason, None, Some(usage)));
}

#[test]
fn the_gates_still_judge_a_confident_model_and_a_halted_engine_asks_nothing() {
    let mut e = engine(RiskLimits::default(), true);
    feed(&mut e, &UP, 0);
    let o = e.on_advice(btc(), model(true, dec!(0.5), dec!(1))).expect("decided");
    assert!(matches!(o.order, Some(Err(ref r)) if matches!(r.reason, RefusalReason::MinConfidence { .. })));

    let mut e = engine(RiskLimits::default(), true);
    e.halt();
    let o = feed(&mut e, &UP, 0);
    assert!(e.take_advice_request().is_none(), "no model call for a refused entry");
    assert!(matches!(o[0].order, Some(Err(ref r)) if r.reason == RefusalReason::KillSwitch));
}

#[test]
fn exits_never_wait_for_a_model() {
    let mut e = engine(RiskLimits::default(), true);
    feed(&mut e, &UP, 0);
    let o = e.on_advice(btc(), model(true, dec!(0.9), dec!(1))).unwrap();
    let approved = o.order.unwrap().unwrap();
    let order = approved.inner().clone();
    let fill =
        mirai_core::stubs::fill("BTCUSDT", order.side, order.qty.get(), dec!(110), dec!(0), 6 * 60_000);
    e.on_fill(&fill).unwrap();
    e.on_order_closed(&order.client_order_id);
    // A fall through the 2 % stop-loss sells at once, with no request.
    let out = feed(&mut e, &[100], 6);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].decision.action, Action::Sell);
    assert!(e.take_advice_request().is_none());
    assert_eq!(out[0].decision.advisor, AdviceSource::Rules);
}

proptest! {
    /// Whatever a model answers — any confidence, any size, even out of range — the order is
    /// never larger than the rules' and never passes a gate the rules' order would fail.
    #[test]
    fn no_answer_grows_an_order(enter: bool, conf in 0u32..=10_000, size in -20_000i64..=30_000) {
        let size = Decimal::new(size, 4);
        let mut e = engine(RiskLimits::default(), true);
        feed(&mut e, &UP, 0);
        let o = e.on_advice(btc(), model(enter, Decimal::new(i64::from(conf), 4), size)).unwrap();
        if let Some(Ok(a)) = o.order {
            prop_assert!(enter);
            prop_assert!(a.inner().qty.get() <= rules_order_qty());
            prop_assert!(a.inner().qty.get() * dec!(110) <= dec!(1000));
        }
    }
}
