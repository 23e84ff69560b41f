//! The backtest's own rules around the shared engine.

use mirai_core::{ClientOrderId, DecisionId, Fill, Price, Side, TradeId};
use rust_decimal_macros::dec;

use super::*;
use crate::generate::{DEFAULT_START_MS, Generate};

#[test]
fn a_fill_the_portfolio_refuses_halts_trading_as_live() {
    // The one policy of the order lifecycle (`Engine::on_report`), as the trader applies it.
    let config = BacktestConfig {
        params: vec![("fast".into(), "2".into()), ("slow".into(), "5".into())],
        ..BacktestConfig::default()
    };
    let g = Generate {
        bars: 4_000,
        seed: 3,
        start_ms: DEFAULT_START_MS,
        interval_ms: 60_000,
        start_price: Price::new(dec!(100)),
    };
    let mut bt = Backtest::new(&config).unwrap();
    let mut candles = g.candles();
    for c in candles.by_ref().take(2_000) {
        bt.step(&c);
    }
    let orders_before = bt.counts.orders;
    assert!(orders_before > 0, "the strategy trades on this data");
    // A sale of far more than is held, as if the exchange had filled one.
    let id = DecisionId::new("test", config.symbol, Timestamp::from_millis(DEFAULT_START_MS));
    bt.fills.push(Fill {
        trade_id: TradeId::new("bogus"),
        client_order_id: ClientOrderId::for_decision(&id, Side::Sell),
        symbol: config.symbol,
        side: Side::Sell,
        qty: Qty::new(dec!(1000000)),
        price: Price::new(dec!(100)),
        fee: Amount::ZERO,
        ts: Timestamp::from_millis(DEFAULT_START_MS),
    });
    bt.book_bar_fills();
    assert_eq!(bt.counts.fills_refused, 1);
    for c in candles {
        bt.step(&c);
    }
    assert_eq!(bt.counts.orders, orders_before, "no order after the halt");
    assert!(bt.counts.refused.get("kill_switch").is_some_and(|n| *n > 0), "{:?}", bt.counts.refused);
    let report = bt.finish().unwrap();
    assert_eq!(serde_json::to_value(&report.counts).unwrap()["fills_refused"], 1);
}
