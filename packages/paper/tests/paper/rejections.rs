//! Refusals answer with Binance's code and message and leave the account untouched.

use mirai_core::{Decimal, ExchangeError, OrderKind, Price, Side, Symbol, TimeInForce};
use rust_decimal_macros::dec;

use crate::support::*;

fn refused(ex: &mut mirai_paper::PaperExchange, order: &mirai_core::OrderRequest) -> (i32, String) {
    let (symbol, client_id) = (order.symbol, &order.client_order_id);
    let before = (ex.balances(), ex.open_orders(), ex.query(symbol, client_id));
    let err = ex.submit(order, T0).expect_err("order must be refused");
    let after = (ex.balances(), ex.open_orders(), ex.query(symbol, client_id));
    assert_eq!(after, before, "a refused order must change nothing");
    (err.code, err.msg)
}

fn with_price() -> mirai_paper::PaperExchange {
    let mut ex = default_exchange();
    ex.on_market(&flat(0, dec!(60000)));
    ex
}

#[test]
fn each_filter_failure_answers_minus_1013_with_its_name() {
    let mut ex = with_price();
    let gtc = TimeInForce::Gtc;
    let cases = [
        (limit("a", Side::Buy, dec!(60000.005), dec!(0.001), gtc), "PRICE_FILTER"),
        (limit("b", Side::Buy, dec!(60000), dec!(0.000015), gtc), "LOT_SIZE"),
        (limit("c", Side::Buy, dec!(60000), dec!(0.00001), gtc), "NOTIONAL"),
        (market("d", Side::Sell, dec!(101)), "MARKET_LOT_SIZE"),
        (
            request(
                "e",
                ethbtc(),
                Side::Buy,
                OrderKind::Limit { price: Price::new(dec!(0.05)), time_in_force: gtc },
                dec!(0.001),
            ),
            "MIN_NOTIONAL",
        ),
    ];
    for (order, filter) in cases {
        assert_eq!(refused(&mut ex, &order), (-1013, format!("Filter failure: {filter}")));
    }
}

#[test]
fn unknown_symbol_is_minus_1121() {
    let mut ex = with_price();
    let order = request("x", Symbol::new("DOGEUSDT"), Side::Buy, OrderKind::Market, dec!(1));
    assert_eq!(refused(&mut ex, &order), (-1121, "Invalid symbol.".to_owned()));
}

#[test]
fn zero_quantity_and_zero_price_are_refused() {
    let mut ex = with_price();
    assert_eq!(
        refused(&mut ex, &market("z", Side::Buy, Decimal::ZERO)),
        (-1013, "Invalid quantity.".to_owned())
    );
    let free_price = request(
        "p",
        ethbtc(),
        Side::Buy,
        OrderKind::Limit { price: Price::ZERO, time_in_force: TimeInForce::Gtc },
        dec!(1),
    );
    assert_eq!(refused(&mut ex, &free_price), (-1013, "Invalid price.".to_owned()));
}

#[test]
fn insufficient_balance_is_minus_2010_and_loses_nothing() {
    let mut ex = with_price();
    let msg = "Account has insufficient balance for requested action.".to_owned();
    // 0.2 BTC costs 12 012 USDT with the fee; the account has 10 000.
    assert_eq!(refused(&mut ex, &market("b", Side::Buy, dec!(0.2))), (-2010, msg.clone()));
    assert_eq!(refused(&mut ex, &market("s", Side::Sell, dec!(1.5))), (-2010, msg.clone()));
    // A limit buy needs notional plus fee at its limit, even one that rests.
    let gtc = limit("l", Side::Buy, dec!(50000), dec!(0.2), TimeInForce::Gtc);
    assert_eq!(refused(&mut ex, &gtc), (-2010, msg));
    assert_eq!(balance(&ex, "USDT"), (dec!(10000), Decimal::ZERO));
    assert_eq!(balance(&ex, "BTC"), (dec!(1), Decimal::ZERO));
}

#[test]
fn funds_locked_by_a_resting_order_cannot_be_spent_twice() {
    let mut ex = with_price();
    let first = limit("l1", Side::Buy, dec!(50000), dec!(0.15), TimeInForce::Gtc);
    ex.submit(&first, T0).expect("7 507.5 USDT is available");
    let second = limit("l2", Side::Buy, dec!(50000), dec!(0.15), TimeInForce::Gtc);
    assert_eq!(refused(&mut ex, &second).0, -2010);
}

#[test]
fn a_client_order_id_already_used_is_a_duplicate() {
    let mut ex = with_price();
    let order = market("dup", Side::Buy, dec!(0.01));
    ex.submit(&order, T0).expect("first submission fills");
    assert_eq!(refused(&mut ex, &order), (-2010, "Duplicate order sent.".to_owned()));
    // A different order under the same id is refused too: the id is what identifies the intent.
    let other = limit("dup", Side::Sell, dec!(70000), dec!(0.01), TimeInForce::Gtc);
    assert_eq!(refused(&mut ex, &other).1, "Duplicate order sent.");
}

#[test]
fn a_refused_order_can_be_sent_again_under_the_same_id() {
    let mut ex = with_price();
    let order = market("retry", Side::Sell, dec!(2));
    assert_eq!(refused(&mut ex, &order).0, -2010);
    ex.set_balance(asset("BTC"), dec!(3)).expect("positive");
    let report = ex.submit(&order, T0).expect("now funded");
    assert_eq!(report.exchange_order_id, 1, "refusals take no order id");
}

#[test]
fn a_market_order_before_any_price_is_refused_clearly() {
    let mut ex = default_exchange();
    let (code, msg) = refused(&mut ex, &market("m", Side::Buy, dec!(0.01)));
    assert_eq!(code, -2010);
    assert!(msg.contains("No market price is known for BTCUSDT"), "{msg}");
}

#[test]
fn absurd_sizes_are_refused_instead_of_overflowing() {
    let mut ex = with_price();
    let huge = Decimal::MAX / dec!(10);
    let order = market("huge", Side::Buy, huge);
    assert_eq!(refused(&mut ex, &order).0, ExchangeError::BAD_PARAMETER);
}
