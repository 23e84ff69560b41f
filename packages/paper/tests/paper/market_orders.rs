//! Market orders fill at once, completely, at the last price moved by slippage, with the fee in
//! the quote asset, exact to the last digit.

use mirai_core::{Amount, Decimal, OrderStatus, Price, Qty, Side, TradeId};
use rust_decimal_macros::dec;

use crate::support::*;

#[test]
fn market_buy_then_sell_with_fee_and_slippage_exact() {
    let mut ex = exchange(dec!(0.001), dec!(5));
    ex.on_market(&flat(0, dec!(60000)));

    let buy = ex.submit(&market("buy-1", Side::Buy, dec!(0.01)), T0).expect("funded");
    assert_eq!(buy.status, OrderStatus::Filled);
    assert_eq!(buy.exchange_order_id, 1);
    assert_eq!(buy.filled_qty, Qty::new(dec!(0.01)));
    let [fill] = buy.fills.as_slice() else {
        panic!("one fill expected, got {:?}", buy.fills);
    };
    // 60 000 × (1 + 5/10 000) = 60 030; notional 600.30; fee 0.1 % = 0.60030.
    assert_eq!(fill.price, Price::new(dec!(60030)));
    assert_eq!(fill.fee, Amount::new(dec!(0.6003)));
    assert_eq!(fill.trade_id, TradeId::new("paper-1"));
    assert_eq!(fill.ts, T0);
    assert_eq!(balance(&ex, "USDT"), (dec!(9399.0997), Decimal::ZERO));
    assert_eq!(balance(&ex, "BTC"), (dec!(1.01), Decimal::ZERO));

    let sell = ex.submit(&market("sell-1", Side::Sell, dec!(0.01)), T0.plus_millis(1)).expect("holds BTC");
    assert_eq!(sell.exchange_order_id, 2);
    let [fill] = sell.fills.as_slice() else {
        panic!("one fill expected");
    };
    // 60 000 × (1 − 5/10 000) = 59 970; notional 599.70; fee 0.5997; receives 599.1003.
    assert_eq!(fill.price, Price::new(dec!(59970)));
    assert_eq!(fill.fee, Amount::new(dec!(0.5997)));
    assert_eq!(fill.trade_id, TradeId::new("paper-2"));
    assert_eq!(balance(&ex, "USDT"), (dec!(9998.2000), Decimal::ZERO));
    assert_eq!(balance(&ex, "BTC"), (dec!(1), Decimal::ZERO));
}

#[test]
fn fill_cash_delta_matches_the_balance_change() {
    let mut ex = exchange(dec!(0.00075), dec!(3));
    ex.on_market(&flat(0, dec!(61234.56)));
    let report = ex.submit(&market("m", Side::Buy, dec!(0.12345)), T0).expect("funded");
    let delta: Amount = report.fills.iter().map(|f| f.cash_delta()).sum();
    assert_eq!(balance(&ex, "USDT").0, dec!(10000) + delta.get());
    // Binance reports commissions to 8 decimal places.
    assert_eq!(report.fills[0].fee.get(), (report.fills[0].notional().get() * dec!(0.00075)).round_dp(8));
}

#[test]
fn against_a_quote_buys_take_the_ask_and_sells_the_bid() {
    let mut ex = exchange(Decimal::ZERO, Decimal::ZERO);
    ex.on_market(&quote(0, dec!(59990), dec!(60010)));
    assert_eq!(ex.last_price(btcusdt()), Some(Price::new(dec!(60000))));
    let buy = ex.submit(&market("b", Side::Buy, dec!(0.01)), T0).expect("funded");
    assert_eq!(buy.fills[0].price, Price::new(dec!(60010)));
    let sell = ex.submit(&market("s", Side::Sell, dec!(0.01)), T0).expect("holds BTC");
    assert_eq!(sell.fills[0].price, Price::new(dec!(59990)));
    // The spread is the whole cost of the round trip when there is no fee.
    assert_eq!(balance(&ex, "USDT").0, dec!(9999.80));
}

#[test]
fn the_latest_event_sets_the_price() {
    let mut ex = exchange(Decimal::ZERO, Decimal::ZERO);
    assert_eq!(ex.last_price(btcusdt()), None);
    ex.on_market(&flat(0, dec!(60000)));
    ex.on_market(&candle(60_000, dec!(62000), dec!(59000), dec!(61000)));
    assert_eq!(ex.last_price(btcusdt()), Some(Price::new(dec!(61000))));
    let buy = ex.submit(&market("b", Side::Buy, dec!(0.01)), T0).expect("funded");
    assert_eq!(buy.fills[0].price, Price::new(dec!(61000)));
}

#[test]
fn without_closed_order_history_reports_and_balances_are_the_same() {
    // A backtest's exchange forgets orders that close on arrival; everything it returns and
    // every balance must match an exchange that keeps them, and resting orders stay queryable.
    let run = |ex: &mut mirai_paper::PaperExchange| {
        ex.on_market(&flat(0, dec!(60000)));
        let mut reports = Vec::new();
        for i in 0..12 {
            let side = if i % 2 == 0 { Side::Buy } else { Side::Sell };
            let r =
                ex.submit(&market(&format!("m-{i}"), side, dec!(0.01)), T0.plus_millis(i)).expect("funded");
            reports.push(r);
        }
        let resting = ex
            .submit(
                &limit("rest-1", Side::Buy, dec!(50000), dec!(0.01), mirai_core::TimeInForce::Gtc),
                T0.plus_millis(20),
            )
            .expect("funded");
        reports.push(resting);
        (reports, balance(ex, "USDT"), balance(ex, "BTC"))
    };
    let mut kept = default_exchange();
    let mut forgetful = default_exchange().without_closed_order_history();
    let (a, b) = (run(&mut kept), run(&mut forgetful));
    assert_eq!(a, b);
    assert_eq!(a.0[10].fills[0].trade_id, TradeId::new("paper-11"));
    assert!(kept.query(btcusdt(), &id("m-3")).is_some());
    assert!(forgetful.query(btcusdt(), &id("m-3")).is_none(), "closed on arrival: forgotten");
    assert_eq!(forgetful.query(btcusdt(), &id("rest-1")).map(|r| r.status), Some(OrderStatus::New));
    assert_eq!(forgetful.open_orders().len(), 1);
}
