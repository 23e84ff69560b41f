//! Tests of the gates, one refusal at a time, and property tests of their invariants.

use super::*;
use crate::{ClientOrderId, DecisionId, OrderKind, Price, Qty, Symbol};
use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

const T0: i64 = 1_700_000_000_000;

fn order(side: Side, qty: Decimal, price: Decimal) -> OrderRequest {
    let decision_id = DecisionId::new("test", Symbol::new("BTCUSDT"), Timestamp::from_millis(T0));
    OrderRequest {
        client_order_id: ClientOrderId::for_decision(&decision_id, side),
        decision_id,
        symbol: Symbol::new("BTCUSDT"),
        side,
        kind: OrderKind::Market,
        qty: Qty::new(qty),
        reference_price: Price::new(price),
        created_at: Timestamp::from_millis(T0),
    }
}

fn exposure(equity: Decimal, symbol: Decimal, total: Decimal) -> Exposure {
    Exposure {
        equity: Amount::new(equity),
        symbol_value: Amount::new(symbol),
        total_value: Amount::new(total),
    }
}

fn conf(c: Decimal) -> Confidence {
    Confidence::new_checked(c).unwrap()
}

fn now() -> Timestamp {
    Timestamp::from_millis(T0)
}

fn refusal(gate: &mut RiskGate, o: OrderRequest, c: Decimal, e: &Exposure) -> Option<&'static str> {
    gate.check(o, conf(c), e, now()).err().map(|r| r.reason.gate())
}

#[test]
fn a_sound_buy_is_approved_and_counted() {
    let mut g = RiskGate::default();
    let e = exposure(dec!(10000), dec!(0), dec!(0));
    let approved = g.check(order(Side::Buy, dec!(0.01), dec!(60000)), conf(dec!(0.8)), &e, now()).unwrap();
    assert_eq!(approved.inner().qty.get(), dec!(0.01));
    assert_eq!(g.state().trades_today, 1);
}

#[test]
fn each_gate_refuses_with_its_reason() {
    let e = exposure(dec!(10000), dec!(0), dec!(0));
    let mut g = RiskGate::default();
    assert_eq!(
        refusal(&mut g, order(Side::Buy, dec!(0.01), dec!(60000)), dec!(0.69), &e),
        Some("min_confidence")
    );
    // 0.7 exactly passes: the comparison is decimal, not float.
    assert_eq!(refusal(&mut g, order(Side::Buy, dec!(0.01), dec!(60000)), dec!(0.7), &e), None);
    let mut g = RiskGate::new(
        RiskLimits { max_order_notional: Amount::new(dec!(500)), ..RiskLimits::default() },
        RiskState::default(),
    );
    assert_eq!(
        refusal(&mut g, order(Side::Buy, dec!(0.01), dec!(60000)), dec!(0.9), &e),
        Some("max_order_notional")
    );
    let mut g = RiskGate::default();
    // 10 % of 10,000 is 1,000: 400 held + 600.01 is over.
    let held = exposure(dec!(10000), dec!(400), dec!(400));
    assert_eq!(
        refusal(&mut g, order(Side::Buy, dec!(1), dec!(600.01)), dec!(0.9), &held),
        Some("max_position")
    );
    assert_eq!(refusal(&mut g, order(Side::Buy, dec!(1), dec!(600)), dec!(0.9), &held), None);
    let mut g = RiskGate::default();
    let total = exposure(dec!(10000), dec!(0), dec!(2000));
    assert_eq!(
        refusal(&mut g, order(Side::Buy, dec!(1), dec!(500.01)), dec!(0.9), &total),
        Some("max_total_exposure")
    );
    assert_eq!(refusal(&mut g, order(Side::Buy, dec!(0), dec!(500)), dec!(0.9), &e), Some("zero_quantity"));
    assert_eq!(refusal(&mut g, order(Side::Buy, dec!(1), dec!(0)), dec!(0.9), &e), Some("no_price"));
}

#[test]
fn daily_loss_stops_buys_until_the_next_day() {
    let mut g = RiskGate::default();
    let start = exposure(dec!(10000), dec!(0), dec!(0));
    assert!(g.check(order(Side::Buy, dec!(0.001), dec!(60000)), conf(dec!(0.9)), &start, now()).is_ok());
    let down = exposure(dec!(9500), dec!(0), dec!(0));
    assert_eq!(
        refusal(&mut g, order(Side::Buy, dec!(0.001), dec!(60000)), dec!(0.9), &down),
        Some("max_daily_loss")
    );
    // Exits still go through.
    assert!(g.check(order(Side::Sell, dec!(0.001), dec!(60000)), conf(dec!(0.1)), &down, now()).is_ok());
    let tomorrow = now().plus_millis(86_400_000);
    assert!(g.check(order(Side::Buy, dec!(0.001), dec!(60000)), conf(dec!(0.9)), &down, tomorrow).is_ok());
    assert_eq!(g.state().day_start_equity.get(), dec!(9500));
}

#[test]
fn trades_per_day_and_cooldown() {
    let limits = RiskLimits {
        max_trades_per_day: 2,
        max_consecutive_losses: 2,
        cooldown_ms: 60_000,
        ..RiskLimits::default()
    };
    let mut g = RiskGate::new(limits, RiskState::default());
    let e = exposure(dec!(10000), dec!(0), dec!(0));
    assert_eq!(refusal(&mut g, order(Side::Buy, dec!(0.001), dec!(60000)), dec!(0.9), &e), None);
    assert_eq!(refusal(&mut g, order(Side::Buy, dec!(0.001), dec!(60000)), dec!(0.9), &e), None);
    assert_eq!(
        refusal(&mut g, order(Side::Buy, dec!(0.001), dec!(60000)), dec!(0.9), &e),
        Some("max_trades_per_day")
    );

    let mut g = RiskGate::new(
        RiskLimits { max_consecutive_losses: 2, cooldown_ms: 60_000, ..RiskLimits::default() },
        RiskState::default(),
    );
    g.record_round_trip(Amount::new(dec!(-1)), now());
    assert_eq!(refusal(&mut g, order(Side::Buy, dec!(0.001), dec!(60000)), dec!(0.9), &e), None);
    g.record_round_trip(Amount::new(dec!(-1)), now());
    assert_eq!(refusal(&mut g, order(Side::Buy, dec!(0.001), dec!(60000)), dec!(0.9), &e), Some("cooldown"));
    assert!(g.check(order(Side::Sell, dec!(0.001), dec!(60000)), conf(dec!(0.9)), &e, now()).is_ok());
    let later = now().plus_millis(60_000);
    assert!(g.check(order(Side::Buy, dec!(0.001), dec!(60000)), conf(dec!(0.9)), &e, later).is_ok());
    g.record_round_trip(Amount::new(dec!(5)), later);
    assert_eq!(g.state().consecutive_losses, 0);
}

#[test]
fn unrestricted_limits_approve_large_orders_without_overflow() {
    let mut g = RiskGate::new(RiskLimits::unrestricted(), RiskState::default());
    let e = exposure(dec!(1000000000), dec!(0), dec!(0));
    assert_eq!(refusal(&mut g, order(Side::Buy, dec!(1000), dec!(60000)), dec!(0), &e), None);
    g.halt();
    assert_eq!(refusal(&mut g, order(Side::Buy, dec!(1), dec!(1)), dec!(1), &e), Some("kill_switch"));
}

#[test]
fn kill_switch_refuses_everything_until_resumed() {
    let mut g = RiskGate::default();
    let e = exposure(dec!(10000), dec!(500), dec!(500));
    g.halt();
    assert_eq!(refusal(&mut g, order(Side::Buy, dec!(0.001), dec!(60000)), dec!(1), &e), Some("kill_switch"));
    assert_eq!(
        refusal(&mut g, order(Side::Sell, dec!(0.001), dec!(60000)), dec!(1), &e),
        Some("kill_switch")
    );
    g.resume();
    assert_eq!(refusal(&mut g, order(Side::Sell, dec!(0.001), dec!(60000)), dec!(1), &e), None);
    g.pause();
    assert_eq!(refusal(&mut g, order(Side::Buy, dec!(0.001), dec!(60000)), dec!(1), &e), Some("paused"));
}

fn arb_limits() -> impl Strategy<Value = RiskLimits> {
    (1u32..5000, 1u32..50, 1u32..100, 1u32..20, 0u32..10, 1u32..5, 0u32..=100).prop_map(
        |(notional, pos, tot, loss, trades, losses, conf)| RiskLimits {
            max_order_notional: Amount::new(Decimal::from(notional)),
            max_position_pct: Decimal::new(pos.into(), 2),
            max_total_exposure_pct: Decimal::new(tot.into(), 2),
            max_daily_loss_pct: Decimal::new(loss.into(), 2),
            max_trades_per_day: trades,
            max_consecutive_losses: losses,
            cooldown_ms: 60_000,
            min_confidence: Confidence::clamped(Decimal::new(conf.into(), 2)),
            news_embargo_ms: 30 * 60_000,
        },
    )
}

proptest! {
    /// Whatever the limits and the stream of orders, an approved buy never breaks a limit, the
    /// day's approvals never exceed the daily maximum, and a halted gate approves nothing.
    #[test]
    fn approved_buys_respect_every_limit(
        limits in arb_limits(),
        orders in proptest::collection::vec((1u32..100_000, 1u32..100_000, 0u32..=100, 0u32..20_000, 0u32..20_000, any::<bool>()), 1..40),
        halt_at in proptest::option::of(0usize..40),
    ) {
        let mut g = RiskGate::new(limits.clone(), RiskState::default());
        let mut approved_today = 0u32;
        for (i, (q, p, c, sym, extra, buy)) in orders.into_iter().enumerate() {
            if halt_at == Some(i) { g.halt(); }
            let side = if buy { Side::Buy } else { Side::Sell };
            let o = order(side, Decimal::new(q.into(), 4), Decimal::new(p.into(), 2));
            let e = exposure(dec!(10000), Decimal::from(sym) / dec!(10), Decimal::from(sym) / dec!(10) + Decimal::from(extra) / dec!(10));
            let c = Confidence::clamped(Decimal::new(c.into(), 2));
            let notional = o.reference_price * o.qty;
            match g.check(o, c, &e, now()) {
                Ok(_) => {
                    prop_assert!(!g.is_halted());
                    approved_today += 1;
                    if side == Side::Buy {
                        prop_assert!(c >= limits.min_confidence);
                        prop_assert!(notional <= limits.max_order_notional);
                        prop_assert!(e.symbol_value + notional <= e.equity.scale(limits.max_position_pct));
                        prop_assert!(e.total_value + notional <= e.equity.scale(limits.max_total_exposure_pct));
                    }
                }
                Err(r) => {
                    if g.is_halted() { prop_assert_eq!(r.reason, RefusalReason::KillSwitch); }
                }
            }
            prop_assert_eq!(g.state().trades_today, approved_today);
        }
    }

    /// Buys alone can never be approved more often in a day than the daily maximum.
    #[test]
    fn daily_trade_count_is_a_hard_cap(max in 0u32..20, n in 0usize..40) {
        let mut g = RiskGate::new(RiskLimits { max_trades_per_day: max, ..RiskLimits::default() }, RiskState::default());
        let e = exposure(dec!(1000000), dec!(0), dec!(0));
        let approved = (0..n)
            .filter(|_| g.check(order(Side::Buy, dec!(0.001), dec!(100)), conf(dec!(0.9)), &e, now()).is_ok())
            .count();
        prop_assert_eq!(approved, n.min(max as usize));
    }
}

#[test]
fn news_about_a_symbol_holds_its_entries_for_the_embargo_and_never_its_exits() {
    let mut g = RiskGate::new(RiskLimits::default(), RiskState::default());
    let e = exposure(dec!(10000), dec!(0), dec!(0));
    let now = Timestamp::from_millis(1_000_000_000);
    g.note_news(Symbol::new("BTCUSDT"), Timestamp::from_millis(now.millis() - 29 * 60_000));
    let buy = order(Side::Buy, dec!(0.001), dec!(60000));
    let refused = g.check(buy.clone(), Confidence::ONE, &e, now).unwrap_err();
    assert_eq!(refused.reason, RefusalReason::NewsEmbargo { until_ms: now.millis() + 60_000 });
    assert!(
        g.check(order(Side::Sell, dec!(0.001), dec!(60000)), Confidence::ONE, &e, now).is_ok(),
        "exits pass"
    );
    let later = Timestamp::from_millis(now.millis() + 60_000);
    assert!(g.check(buy.clone(), Confidence::ONE, &e, later).is_ok(), "30 minutes after the news");
    // News about another symbol holds nothing here; an older item never shortens the embargo.
    g.note_news(Symbol::new("ETHUSDT"), later);
    g.note_news(Symbol::new("BTCUSDT"), Timestamp::from_millis(0));
    assert!(g.check(buy.clone(), Confidence::ONE, &e, later).is_ok());
    // News dated after the decision (a replay behind the wall clock) holds nothing yet.
    let mut early = RiskGate::new(RiskLimits::default(), RiskState::default());
    early.note_news(Symbol::new("BTCUSDT"), Timestamp::from_millis(now.millis() + 1));
    assert!(early.check(buy.clone(), Confidence::ONE, &e, now).is_ok());
    let mut off =
        RiskGate::new(RiskLimits { news_embargo_ms: 0, ..RiskLimits::default() }, RiskState::default());
    off.note_news(Symbol::new("BTCUSDT"), now);
    assert!(off.check(buy, Confidence::ONE, &e, now).is_ok(), "0 turns the gate off");
}
