//! Engine tests: the whole path from candles to approved orders and back through paper fills.

use super::*;
use crate::RuleBasedAdvisor;
use mirai_core::ManualClock;
use mirai_core::synthetic::RandomWalk;
use mirai_core::{OrderStatus, RefusalReason};
use mirai_paper::{PaperConfig, PaperExchange};
use rust_decimal_macros::dec;

fn btc() -> Symbol {
    Symbol::new("BTCUSDT")
}

fn candle(i: i64, close: Decimal) -> Candle {
    mirai_core::stubs::flat_minute_bar(i, close)
}

fn engine(limits: RiskLimits) -> Engine<RuleBasedAdvisor, ManualClock> {
    let config = EngineConfig { limits, ..EngineConfig::default() };
    let mut e = Engine::new(config, RuleBasedAdvisor::default(), ManualClock::default());
    e.add_symbol(btc(), AnyStrategy::from_spec("sma-cross", &[("fast", "2"), ("slow", "4")]).unwrap(), None);
    e
}

/// Prices that make SMA(2) cross above SMA(4) on the 6th bar, far enough for high confidence.
const UP: [i64; 6] = [100, 99, 98, 97, 96, 110];

#[test]
fn a_cross_becomes_an_approved_sized_order_with_a_rationale() {
    let mut e = engine(RiskLimits::default());
    let mut outcomes = Vec::new();
    for (i, p) in UP.iter().enumerate() {
        outcomes.extend(e.on_event(&MarketEvent::Candle(candle(i as i64, Decimal::from(*p)))));
    }
    assert_eq!(outcomes.len(), 1);
    let o = &outcomes[0];
    assert_eq!(o.decision.action, Action::Buy);
    assert!(o.decision.rationale.contains("crossed above"), "{}", o.decision.rationale);
    let order = o.order.clone().unwrap().unwrap().into_inner();
    // 10 % of 10,000 at 110 with a 0.1 % fee: 1000 / 110.11 = 9.08182726…
    assert_eq!(order.qty.get(), dec!(9.08182726));
    assert_eq!(order.client_order_id, ClientOrderId::for_decision(&o.decision.id, Side::Buy));
}

/// An account that grew (or a fraction set high) sizes its buy down to the per-order limit rather
/// than sending an order the gate would refuse: a profitable worker keeps trading.
#[test]
fn a_buy_is_sized_within_the_per_order_limit() {
    let config = EngineConfig {
        starting_cash: Amount::new(dec!(30000)),
        limits: RiskLimits { max_position_pct: dec!(0.5), ..RiskLimits::default() },
        ..EngineConfig::default()
    };
    let mut e = Engine::new(config, RuleBasedAdvisor::default(), ManualClock::default());
    e.add_symbol(btc(), AnyStrategy::from_spec("sma-cross", &[("fast", "2"), ("slow", "4")]).unwrap(), None);
    let mut outcomes = Vec::new();
    for (i, p) in UP.iter().enumerate() {
        outcomes.extend(e.on_event(&MarketEvent::Candle(candle(i as i64, Decimal::from(*p)))));
    }
    // 10 % of 30,000 is 3,000, above the default 1,000 per order: the order spends 1,000 with
    // its fee, 1000 × 1.001 / 110.11 = 9.09090909… units, 999.99 … notional, and is approved.
    let order = outcomes[0].order.clone().unwrap().unwrap_or_else(|r| panic!("refused: {r:?}")).into_inner();
    assert_eq!(order.qty.get(), dec!(9.09090909));
    assert!(order.qty.get() * dec!(110) <= dec!(1000));
}

/// The per-order cap the sizing reads is worked out when the limits change, not on every buy:
/// it follows `set_limits` (to no limit and back) and `restore`, which brings back the config's.
#[test]
fn the_sizing_cap_follows_the_limits() {
    let config = EngineConfig { starting_cash: Amount::new(dec!(30000)), ..EngineConfig::default() };
    let mut e = Engine::new(config, RuleBasedAdvisor::default(), ManualClock::default());
    e.add_symbol(btc(), AnyStrategy::from_spec("sma-cross", &[("fast", "2"), ("slow", "4")]).unwrap(), None);
    let price = Price::new(dec!(110));
    // 10 % of 30,000 is 3,000; the default 1,000 per order with its fee: 1001 / 110.11.
    assert_eq!(e.buy_qty_at(SlotIndex(0), price).get(), dec!(9.09090909));
    e.set_limits(RiskLimits { max_order_notional: Amount::new(Decimal::MAX), ..RiskLimits::default() });
    // No cap: 3,000 / 110.11.
    assert_eq!(e.buy_qty_at(SlotIndex(0), price).get(), dec!(27.24548179));
    e.set_limits(RiskLimits { max_order_notional: Amount::new(dec!(500)), ..RiskLimits::default() });
    assert_eq!(e.buy_qty_at(SlotIndex(0), price).get(), dec!(4.54545454));
    e.restore(Amount::new(dec!(30000)), Vec::new(), RiskState::default());
    assert_eq!(e.buy_qty_at(SlotIndex(0), price).get(), dec!(9.09090909));
}

#[test]
fn the_same_events_give_the_same_decisions() {
    let run = || {
        let mut e = engine(RiskLimits::default());
        RandomWalk::new(btc(), Price::new(dec!(100)), Timestamp::from_millis(0), 60_000, 3)
            .take(2_000)
            .filter_map(|c| {
                let o = e.on_event(&MarketEvent::Candle(c));
                if let Some(Ok(a)) = o.as_ref().and_then(|o| o.order.clone()) {
                    e.on_order_closed(&a.inner().client_order_id);
                }
                o
            })
            .collect::<Vec<_>>()
    };
    let (a, b) = (run(), run());
    assert!(!a.is_empty());
    assert_eq!(a, b);
}

#[test]
fn without_text_the_decisions_are_the_same_but_for_their_words() {
    // A backtest turns the strategy's reasons and the advisor's rationale off; everything a
    // trade depends on (actions, prices, confidence, stops, sizes, verdicts) must not change.
    let run = |explain: bool| {
        let config = EngineConfig { limits: RiskLimits::default(), ..EngineConfig::default() };
        let advisor = RuleBasedAdvisor { explain, ..RuleBasedAdvisor::default() };
        let mut e = Engine::new(config, advisor, ManualClock::default());
        let mut strategy = AnyStrategy::from_spec("sma-cross", &[("fast", "2"), ("slow", "4")]).unwrap();
        strategy.set_reasons(explain);
        e.add_symbol(btc(), strategy, None);
        RandomWalk::new(btc(), Price::new(dec!(100)), Timestamp::from_millis(0), 60_000, 5)
            .take(3_000)
            .filter_map(|c| {
                let o = e.on_event(&MarketEvent::Candle(c));
                if let Some(Ok(a)) = o.as_ref().and_then(|o| o.order.clone()) {
                    e.on_order_closed(&a.inner().client_order_id);
                }
                o
            })
            .collect::<Vec<_>>()
    };
    let (with_text, without) = (run(true), run(false));
    assert!(with_text.len() > 10, "the walk should cross often: {}", with_text.len());
    assert!(with_text.iter().all(|o| o.decision.rationale.contains("crossed")));
    assert!(without.iter().all(|o| o.decision.rationale.is_empty() && o.decision.citations.is_empty()));
    let blanked: Vec<Outcome> = with_text
        .into_iter()
        .map(|mut o| {
            o.decision.rationale.clear();
            o.decision.citations.clear();
            o
        })
        .collect();
    assert_eq!(blanked, without);
}

#[test]
fn kill_switch_refuses_the_next_order() {
    let mut e = engine(RiskLimits::default());
    e.halt();
    let mut last = None;
    for (i, p) in UP.iter().enumerate() {
        last = e.on_event(&MarketEvent::Candle(candle(i as i64, Decimal::from(*p)))).or(last);
    }
    let refused = last.unwrap().order.unwrap().unwrap_err();
    assert_eq!(refused.reason, RefusalReason::KillSwitch);
}

#[test]
fn round_trip_through_the_paper_exchange_books_exact_pnl() {
    let mut e = engine(RiskLimits::default());
    let mut ex = PaperExchange::new(PaperConfig {
        fee_rate: dec!(0.001),
        slippage_bps: dec!(0),
        rules: vec![SymbolRules {
            symbol: btc(),
            base: mirai_core::Asset::new("BTC"),
            quote: mirai_core::Asset::new("USDT"),
            price_filter: None,
            lot_size: None,
            market_lot_size: None,
            notional: None,
        }],
        balances: vec![(mirai_core::Asset::new("USDT"), dec!(10000))],
    })
    .unwrap();
    // Up then down: a buy at 110, then a sell when SMA(2) crosses back below SMA(4).
    let prices = [100, 99, 98, 97, 96, 110, 111, 112, 90, 80];
    let mut fills = Vec::new();
    for (i, p) in prices.iter().enumerate() {
        let ev = MarketEvent::Candle(candle(i as i64, Decimal::from(*p)));
        assert!(ex.on_market(&ev).is_empty());
        if let Some(Outcome { order: Some(Ok(approved)), .. }) = e.on_event(&ev) {
            let report = ex.submit(approved.inner(), ev.time()).unwrap();
            assert_eq!(report.status, OrderStatus::Filled);
            for f in &report.fills {
                e.on_fill(f).unwrap();
            }
            e.on_order_closed(&approved.inner().client_order_id);
            fills.extend(report.fills);
        }
    }
    assert_eq!(fills.len(), 2, "{fills:?}");
    assert_eq!((fills[0].side, fills[1].side), (Side::Buy, Side::Sell));
    assert!(e.portfolio().position(btc()).unwrap().is_flat());
    let cash_moves: Amount = fills.iter().map(Fill::cash_delta).sum();
    assert_eq!(e.portfolio().cash(), Amount::new(dec!(10000)) + cash_moves);
    assert_eq!(e.portfolio().realised_pnl(), cash_moves);
    // The engine's books and the exchange's wallet agree to the last digit.
    let usdt = ex.balances().into_iter().find(|b| b.asset.as_str() == "USDT").unwrap();
    assert_eq!(usdt.free, e.portfolio().cash().get());
    // A losing round trip counts towards the losing streak.
    assert_eq!(e.risk_state().consecutive_losses, 1);
}

fn tick(i: i64, price: Decimal) -> MarketEvent {
    MarketEvent::Candle(Candle {
        closed: false,
        close_time: Timestamp::from_millis(i * 60_000),
        ..candle(i, price)
    })
}

#[test]
fn next_open_timing_decides_at_the_next_price_and_sizes_with_it() {
    let mut e = engine(RiskLimits::default()).with_order_timing(OrderTiming::NextOpen);
    for (i, p) in UP.iter().enumerate() {
        assert!(e.on_event(&MarketEvent::Candle(candle(i as i64, Decimal::from(*p)))).is_none());
    }
    assert!(e.awaits_next_price(), "the cross on the last close waits for the next open");
    let o = e.on_event(&tick(6, dec!(111))).expect("decided at the opening tick");
    let order = o.order.unwrap().unwrap().into_inner();
    assert_eq!(order.reference_price.get(), dec!(111));
    // 10 % of 10,000 at 111 with a 0.1 % fee: 1000 / 111.111 = 9.00000900…
    assert_eq!(order.qty.get(), dec!(9.000009));
    assert!(!e.awaits_next_price());
}

#[test]
fn a_deferred_signal_with_no_opening_tick_is_decided_at_the_next_bar_s_open() {
    let mut e = engine(RiskLimits::default()).with_order_timing(OrderTiming::NextOpen);
    for (i, p) in UP.iter().enumerate() {
        e.on_event(&MarketEvent::Candle(candle(i as i64, Decimal::from(*p))));
    }
    let next = Candle { open: Price::new(dec!(105)), high: Price::new(dec!(120)), ..candle(6, dec!(120)) };
    let o = e.on_event(&MarketEvent::Candle(next)).expect("the waiting signal is decided first");
    assert_eq!(o.decision.price.get(), dec!(105));
    assert_eq!(o.order.unwrap().unwrap().inner().reference_price.get(), dec!(105));
}

/// Binance takes a buyer's commission out of the coin bought, so a full sell (rounded down to the
/// lot step) leaves dust behind. The dust must not keep the symbol from trading again, and the
/// round trip it ends must still count for the losing-streak gate.
#[test]
fn dust_below_the_lot_step_counts_as_flat() {
    let rules = SymbolRules::spot(
        btc(),
        mirai_core::Asset::new("BTC"),
        mirai_core::Asset::new("USDT"),
        Price::new(dec!(0.01)),
        Qty::new(dec!(0.00001)),
        Qty::new(dec!(9000)),
        Price::new(dec!(5)),
    );
    let config = EngineConfig { limits: RiskLimits::default(), ..EngineConfig::default() };
    let mut e = Engine::new(config, RuleBasedAdvisor::without_stops(), ManualClock::default());
    e.add_symbol(
        btc(),
        AnyStrategy::from_spec("sma-cross", &[("fast", "2"), ("slow", "4")]).unwrap(),
        Some(rules),
    );
    // Fills the way Binance books them: a buy's commission (0.1 %) comes off the quantity.
    let mut fill_no = 0;
    let mut fill =
        |e: &mut Engine<RuleBasedAdvisor, ManualClock>, a: &RiskApproved<OrderRequest>, price: Price| {
            let o = a.inner();
            fill_no += 1;
            let qty = match o.side {
                Side::Buy => Qty::new(o.qty.get() * dec!(0.999)),
                Side::Sell => o.qty,
            };
            let f = Fill {
                trade_id: mirai_core::TradeId::new(format!("t{fill_no}")),
                client_order_id: o.client_order_id.clone(),
                symbol: o.symbol,
                side: o.side,
                qty,
                price,
                fee: Amount::ZERO,
                ts: Timestamp::from_millis(0),
            };
            let (_, mark) = e.on_fill_marked(&f).unwrap();
            e.on_order_closed(&o.client_order_id);
            (f, mark)
        };
    // Up (buy at 110), down (sell at 80), up again (a second buy).
    let prices = [100, 99, 98, 97, 96, 110, 111, 112, 90, 80, 79, 78, 77, 76, 95, 120];
    let mut fills = Vec::new();
    for (i, p) in prices.iter().enumerate() {
        let ev = MarketEvent::Candle(candle(i as i64, Decimal::from(*p)));
        if let Some(Outcome { order: Some(Ok(approved)), .. }) = e.on_event(&ev) {
            fills.push(fill(&mut e, &approved, Price::new(Decimal::from(*p))));
        }
    }
    let (fills, marks): (Vec<Fill>, Vec<mirai_core::TripMark>) = fills.into_iter().unzip();
    let sides: Vec<Side> = fills.iter().map(|f| f.side).collect();
    assert_eq!(sides, [Side::Buy, Side::Sell, Side::Buy], "{fills:?}");
    // The ledger is told so: the sell that left dust closed the trip, the buy on dust opened one
    // (by the position alone, neither would: dust is not zero).
    use mirai_core::TripMark::{Closes, Opens};
    assert_eq!(marks, [Opens, Closes, Opens]);
    // The sell carried every whole lot; what stayed behind is dust, below one step.
    let after_sell = fills[0].qty.get() - fills[1].qty.get();
    assert!(after_sell > Decimal::ZERO && after_sell < dec!(0.00001), "{after_sell}");
    assert_eq!(e.risk_state().consecutive_losses, 1, "the losing round trip was counted");
    // The second buy adds to the dust; nothing is lost from the books.
    let held = e.portfolio().position(btc()).unwrap().qty;
    assert_eq!(held.get(), after_sell + fills[2].qty.get());
}

#[test]
fn candles_fed_by_slot_index_decide_exactly_as_events_fed_by_symbol() {
    // A backtest resolves its symbol once and feeds every bar (and opening tick) by index; the
    // decisions, verdicts, marks and waiting signals must be those of the worker's path.
    let run = |by_index: bool| {
        let mut e = engine(RiskLimits::default()).with_order_timing(OrderTiming::NextOpen);
        let slot = e.slot_index(btc()).expect("BTCUSDT is traded");
        let mut seen = Vec::new();
        let walk = RandomWalk::new(btc(), Price::new(dec!(100)), Timestamp::from_millis(0), 60_000, 7);
        for (i, c) in walk.take(2_000).enumerate() {
            let waiting = e.awaits_next_price();
            let mut events = vec![c];
            if waiting && i % 2 == 0 {
                // Every other waiting signal gets an opening tick; the rest meet the next bar.
                events.insert(0, Candle { close: c.open, close_time: c.open_time, closed: false, ..c });
            }
            for c in events {
                let o = if by_index { e.on_candle_at(slot, &c) } else { e.on_event(&MarketEvent::Candle(c)) };
                if let Some(Ok(a)) = o.as_ref().and_then(|o| o.order.clone()) {
                    e.on_order_closed(&a.inner().client_order_id);
                }
                seen.push((o, e.portfolio().mark_of(btc())));
            }
        }
        seen
    };
    let (by_symbol, by_index) = (run(false), run(true));
    assert!(by_symbol.iter().filter(|(o, _)| o.is_some()).count() > 10, "the walk should cross often");
    assert_eq!(by_index, by_symbol);
}

#[test]
fn a_symbol_without_a_slot_is_still_marked_but_never_decided() {
    let mut e = engine(RiskLimits::default());
    let eth = Symbol::new("ETHUSDT");
    assert_eq!(e.slot_index(eth), None);
    let c = Candle { symbol: eth, ..candle(0, dec!(2000)) };
    assert!(e.on_event(&MarketEvent::Candle(c)).is_none());
    assert_eq!(e.portfolio().mark_of(eth), Some(Price::new(dec!(2000))));
    assert_eq!(e.portfolio().mark_of(btc()), None);
}
