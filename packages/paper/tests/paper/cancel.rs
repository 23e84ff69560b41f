//! Cancelling releases exactly what an order locked; closed or unknown orders answer -2011.

use mirai_core::{Decimal, OrderStatus, Side, TimeInForce};
use rust_decimal_macros::dec;

use crate::support::*;

#[test]
fn cancel_unlocks_the_funds_and_the_order_never_fills() {
    let mut ex = default_exchange();
    ex.on_market(&flat(0, dec!(60000)));
    ex.submit(&limit("b", Side::Buy, dec!(59000), dec!(0.1), TimeInForce::Gtc), T0).expect("funded");
    ex.submit(&limit("s", Side::Sell, dec!(61000), dec!(0.4), TimeInForce::Gtc), T0).expect("holds BTC");
    assert_eq!(balance(&ex, "USDT"), (dec!(4094.1), dec!(5905.9)));
    assert_eq!(balance(&ex, "BTC"), (dec!(0.6), dec!(0.4)));

    let report = ex.cancel(btcusdt(), &id("b"), T0).expect("open order");
    assert_eq!(report.status, OrderStatus::Canceled);
    assert_eq!(report.exchange_order_id, 1);
    assert_eq!(balance(&ex, "USDT"), (dec!(10000), Decimal::ZERO));
    ex.cancel(btcusdt(), &id("s"), T0).expect("open order");
    assert_eq!(balance(&ex, "BTC"), (dec!(1), Decimal::ZERO));
    assert!(ex.open_orders().is_empty());

    assert!(ex.on_market(&candle(60_000, dec!(70000), dec!(50000), dec!(60000))).is_empty());
    assert_eq!(balance(&ex, "USDT"), (dec!(10000), Decimal::ZERO));
}

#[test]
fn cancelling_a_closed_or_unknown_order_is_minus_2011() {
    let mut ex = default_exchange();
    ex.on_market(&flat(0, dec!(60000)));
    ex.submit(&limit("b", Side::Buy, dec!(59000), dec!(0.1), TimeInForce::Gtc), T0).expect("funded");
    ex.cancel(btcusdt(), &id("b"), T0).expect("open");
    let unknown = |e: mirai_core::ExchangeError| (e.code, e.msg);
    let expected = (-2011, "Unknown order sent.".to_owned());
    assert_eq!(ex.cancel(btcusdt(), &id("b"), T0).map_err(unknown), Err(expected.clone()));
    assert_eq!(ex.cancel(btcusdt(), &id("nope"), T0).map_err(unknown), Err(expected.clone()));

    ex.submit(&market("m", Side::Buy, dec!(0.01)), T0).expect("funded");
    assert_eq!(ex.cancel(btcusdt(), &id("m"), T0).map_err(unknown), Err(expected.clone()));

    ex.submit(&limit("other", Side::Buy, dec!(59000), dec!(0.01), TimeInForce::Gtc), T0).expect("funded");
    assert_eq!(ex.cancel(ethbtc(), &id("other"), T0).map_err(unknown), Err(expected));
    assert_eq!(ex.open_orders().len(), 1, "a cancel on the wrong symbol changes nothing");
}
