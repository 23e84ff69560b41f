//! The lifecycle's rules, on a bare engine and a ledger that remembers what it was given.

use std::collections::HashSet;

use mirai_core::{
    Amount, ClientOrderId, DecisionId, ExecutionReport, Fill, OrderStatus, Position, Price, Qty, Side,
    Symbol, Timestamp, TradeId,
};
use rust_decimal_macros::dec;

use super::{BookingError, Ledger};
use crate::{AnyStrategy, Engine, EngineConfig, RuleBasedAdvisor};
use mirai_core::ManualClock;

#[derive(Default)]
struct Book {
    fills: Vec<(String, Qty)>,
    statuses: Vec<OrderStatus>,
    seen: HashSet<String>,
}

impl Ledger for Book {
    type Error = String;
    fn contains(&mut self, fill: &Fill) -> Result<bool, String> {
        Ok(self.seen.contains(fill.trade_id.as_str()))
    }
    fn record_fill(
        &mut self,
        fill: &Fill,
        position: &Position,
        _trip: mirai_core::TripMark,
    ) -> Result<(), String> {
        self.seen.insert(fill.trade_id.as_str().to_owned());
        self.fills.push((fill.trade_id.as_str().to_owned(), position.qty));
        Ok(())
    }
    fn record_report(&mut self, report: &ExecutionReport) -> Result<(), String> {
        self.statuses.push(report.status);
        Ok(())
    }
}

fn btc() -> Symbol {
    Symbol::new("BTCUSDT")
}

fn engine() -> Engine<RuleBasedAdvisor, ManualClock> {
    let mut e = Engine::new(EngineConfig::default(), RuleBasedAdvisor::default(), ManualClock::default());
    e.add_symbol(btc(), AnyStrategy::from_spec("sma-cross", &[("fast", "2"), ("slow", "4")]).unwrap(), None);
    e
}

fn order_id(side: Side) -> ClientOrderId {
    ClientOrderId::for_decision(&DecisionId::new("test", btc(), Timestamp::from_millis(0)), side)
}

fn fill(id: &str, side: Side, qty: &str) -> Fill {
    Fill {
        trade_id: TradeId::new(id),
        client_order_id: order_id(side),
        symbol: btc(),
        side,
        qty: Qty::new(qty.parse().unwrap()),
        price: Price::new(dec!(100)),
        fee: Amount::new(dec!(0.1)),
        ts: Timestamp::from_millis(1),
    }
}

fn report(side: Side, status: OrderStatus, fills: Vec<Fill>) -> ExecutionReport {
    let filled_qty = Qty::new(fills.iter().map(|f| f.qty.get()).sum());
    ExecutionReport { client_order_id: order_id(side), exchange_order_id: 7, status, filled_qty, fills }
}

#[test]
fn a_report_books_its_fills_once_then_its_status() {
    let mut e = engine();
    let mut book = Book::default();
    let partial = report(Side::Buy, OrderStatus::PartiallyFilled, vec![fill("t1", Side::Buy, "1")]);
    e.on_report(&partial, &mut book).unwrap();
    // The final report repeats the first fill: booked once, with the position after each.
    let done =
        report(Side::Buy, OrderStatus::Filled, vec![fill("t1", Side::Buy, "1"), fill("t2", Side::Buy, "2")]);
    e.on_report(&done, &mut book).unwrap();
    assert_eq!(book.fills, vec![("t1".into(), Qty::new(dec!(1))), ("t2".into(), Qty::new(dec!(3)))]);
    assert_eq!(book.statuses, vec![OrderStatus::PartiallyFilled, OrderStatus::Filled]);
    assert_eq!(e.portfolio().position(btc()).map(|p| p.qty), Some(Qty::new(dec!(3))));
    // A fill on its own that was already booked changes nothing.
    e.on_reported_fill(&fill("t2", Side::Buy, "2"), &mut book).unwrap();
    assert_eq!(e.portfolio().position(btc()).map(|p| p.qty), Some(Qty::new(dec!(3))));
    assert!(!e.risk_state().halted);
}

#[test]
fn a_fill_the_portfolio_refuses_halts_trading_and_the_rest_is_still_booked() {
    let mut e = engine();
    let mut book = Book::default();
    e.on_report(&report(Side::Buy, OrderStatus::Filled, vec![fill("b1", Side::Buy, "1")]), &mut book)
        .unwrap();
    // Selling 5 of the 1 held cannot be booked; the sale of 0.5 beside it can.
    let sells = report(
        Side::Sell,
        OrderStatus::Filled,
        vec![fill("s1", Side::Sell, "5"), fill("s2", Side::Sell, "0.5")],
    );
    match e.on_report(&sells, &mut book) {
        Err(BookingError::FillRefused { fill, .. }) => assert_eq!(fill.trade_id.as_str(), "s1"),
        other => panic!("the oversell was booked: {other:?}"),
    }
    assert!(e.risk_state().halted, "a refused fill halts trading");
    assert_eq!(book.fills.last(), Some(&("s2".into(), Qty::new(dec!(0.5)))));
    assert_eq!(book.statuses.last(), Some(&OrderStatus::Filled));
    assert_eq!(e.portfolio().position(btc()).map(|p| p.qty), Some(Qty::new(dec!(0.5))));
}
