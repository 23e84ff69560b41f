//! Invariants over random sequences of orders, cancels and market moves: no balance goes
//! negative, locked funds equal what open orders hold, the account reconciles with the fills,
//! value is conserved but for fees, and the same sequence always gives the same result.

use std::collections::BTreeMap;

use mirai_core::{
    Asset, Decimal, ExecutionReport, Fill, MarketEvent, OrderKind, Price, Side, SymbolRules, TimeInForce,
};
use mirai_paper::{Balance, PaperConfig, PaperExchange};
use proptest::prelude::*;

use crate::support::*;

#[derive(Clone, Debug)]
enum Op {
    Candle { a: i64, b: i64, close: i64 },
    Quote { bid: i64, spread: i64 },
    Submit { side: Side, kind: u8, price: i64, qty_milli: i64 },
    Cancel { pick: usize },
}

fn cents(c: i64) -> Decimal {
    Decimal::new(c, 2)
}

fn op() -> impl Strategy<Value = Op> {
    let side = prop_oneof![Just(Side::Buy), Just(Side::Sell)];
    prop_oneof![
        (100i64..20_000, 100i64..20_000, 0i64..=100).prop_map(|(a, b, close)| Op::Candle { a, b, close }),
        (100i64..20_000, 0i64..200).prop_map(|(bid, spread)| Op::Quote { bid, spread }),
        (side, 0u8..4, 100i64..20_000, 1i64..3_000)
            .prop_map(|(side, kind, price, qty_milli)| { Op::Submit { side, kind, price, qty_milli } }),
        any::<usize>().prop_map(|pick| Op::Cancel { pick }),
    ]
}

fn unfiltered() -> SymbolRules {
    SymbolRules {
        price_filter: None,
        lot_size: None,
        market_lot_size: None,
        notional: None,
        ..btcusdt_rules()
    }
}

struct Run {
    ex: PaperExchange,
    fills: Vec<Fill>,
    reports: Vec<Result<ExecutionReport, i32>>,
}

fn total(balances: &[Balance], code: &str) -> Decimal {
    balances.iter().filter(|b| b.asset == Asset::new(code)).map(|b| b.free + b.locked).sum()
}

fn run(fee_rate: Decimal, slippage_bps: Decimal, ops: &[Op]) -> Run {
    let config = PaperConfig {
        fee_rate,
        slippage_bps,
        rules: vec![unfiltered()],
        balances: vec![(asset("USDT"), Decimal::from(1_000)), (asset("BTC"), Decimal::from(5))],
    };
    let mut ex = PaperExchange::new(config).expect("valid config");
    let (mut fills, mut reports, mut ids) = (Vec::new(), Vec::new(), Vec::new());
    for (step, op) in ops.iter().enumerate() {
        let now = T0.plus_millis(step as i64 * 1_000);
        match *op {
            Op::Candle { a, b, close } => {
                let (low, high) = (a.min(b), a.max(b));
                let close = low + (high - low) * close / 100;
                let event = candle(step as i64 * 1_000, cents(high), cents(low), cents(close));
                fills.extend(ex.on_market(&event));
            }
            Op::Quote { bid, spread } => {
                let event = quote(step as i64 * 1_000, cents(bid), cents(bid + spread));
                fills.extend(ex.on_market(&event));
            }
            Op::Submit { side, kind, price, qty_milli } => {
                let kind = match kind {
                    0 => OrderKind::Market,
                    k => OrderKind::Limit {
                        price: Price::new(cents(price)),
                        time_in_force: [TimeInForce::Gtc, TimeInForce::Ioc, TimeInForce::Fok]
                            [usize::from(k - 1)],
                    },
                };
                let name = format!("o{step}");
                let order = request(&name, btcusdt(), side, kind, Decimal::new(qty_milli, 3));
                let before = ex.balances();
                let result = ex.submit(&order, now);
                match &result {
                    Ok(r) => fills.extend(r.fills.iter().cloned()),
                    Err(_) => assert_eq!(ex.balances(), before, "a refusal moved money"),
                }
                ids.push(name);
                reports.push(result.map_err(|e| e.code));
            }
            Op::Cancel { pick } => {
                if !ids.is_empty() {
                    let name = &ids[pick % ids.len()];
                    let _ = ex.cancel(btcusdt(), &id(name), now);
                }
            }
        }
        check_invariants(&ex, &fills, fee_rate);
    }
    Run { ex, fills, reports }
}

fn check_invariants(ex: &PaperExchange, fills: &[Fill], fee_rate: Decimal) {
    let balances = ex.balances();
    for b in &balances {
        assert!(!b.free.is_sign_negative() || b.free.is_zero(), "negative free: {b:?}");
        assert!(!b.locked.is_sign_negative() || b.locked.is_zero(), "negative locked: {b:?}");
    }
    let mut held: BTreeMap<Asset, Decimal> = BTreeMap::new();
    for o in ex.open_orders() {
        *held.entry(o.locked_asset).or_default() += o.locked;
    }
    for b in &balances {
        assert_eq!(b.locked, held.get(&b.asset).copied().unwrap_or_default());
    }

    let cash: Decimal = fills.iter().map(|f| f.cash_delta().get()).sum();
    let base: Decimal = fills
        .iter()
        .map(|f| match f.side {
            Side::Buy => f.qty.get(),
            Side::Sell => -f.qty.get(),
        })
        .sum();
    let fees: Decimal = fills.iter().map(|f| f.fee.get()).sum();
    let quote_total = total(&balances, "USDT");
    let base_total = total(&balances, "BTC");
    assert_eq!(quote_total, Decimal::from(1_000) + cash);
    assert_eq!(base_total, Decimal::from(5) + base);
    // Valued at each fill's own price, the base bought (sold) is worth the quote paid (received)
    // before the fee, so trading only ever loses the fee.
    let value_change: Decimal = (quote_total - Decimal::from(1_000))
        + fills
            .iter()
            .map(|f| match f.side {
                Side::Buy => f.qty.get() * f.price.get(),
                Side::Sell => -(f.qty.get() * f.price.get()),
            })
            .sum::<Decimal>();
    assert_eq!(value_change, -fees);
    for f in fills {
        // The commission is the notional times the rate, to Binance's 8 decimal places.
        assert_eq!(
            f.fee.get(),
            (f.notional().get() * fee_rate)
                .round_dp_with_strategy(8, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
        );
    }
}

fn fee_rates() -> impl Strategy<Value = Decimal> {
    prop_oneof![Just(Decimal::ZERO), Just(Decimal::new(1, 3)), Just(Decimal::new(75, 5))]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn balances_stay_consistent_over_random_sequences(
        fee_rate in fee_rates(),
        bps in 0i64..=50,
        ops in proptest::collection::vec(op(), 1..60),
    ) {
        let r = run(fee_rate, Decimal::from(bps), &ops);
        let trade_ids: Vec<_> = r.fills.iter().map(|f| f.trade_id.as_str().to_owned()).collect();
        let expected: Vec<_> = (1..=r.fills.len()).map(|n| format!("paper-{n}")).collect();
        prop_assert_eq!(trade_ids, expected);
        prop_assert!(r.ex.balances().iter().all(|b| b.free >= Decimal::ZERO));
    }

    #[test]
    fn the_same_sequence_gives_the_same_result(
        fee_rate in fee_rates(),
        bps in 0i64..=50,
        ops in proptest::collection::vec(op(), 1..40),
    ) {
        let a = run(fee_rate, Decimal::from(bps), &ops);
        let b = run(fee_rate, Decimal::from(bps), &ops);
        prop_assert_eq!(a.fills, b.fills);
        prop_assert_eq!(a.reports, b.reports);
        prop_assert_eq!(a.ex.balances(), b.ex.balances());
        prop_assert_eq!(a.ex.open_orders(), b.ex.open_orders());
    }
}

#[test]
fn status_events_change_nothing() {
    let mut ex = default_exchange();
    let event = MarketEvent::Status(mirai_core::FeedStatus::Disconnected { at: T0 });
    assert!(ex.on_market(&event).is_empty());
    assert_eq!(ex.last_price(btcusdt()), None);
}
