//! Limit orders: resting with funds locked, filling at their limit when the market reaches it
//! and not before, filling at once when marketable, expiring when IOC or FOK cannot fill.

use mirai_core::{Decimal, OrderStatus, Price, Side, TimeInForce, TradeId};
use rust_decimal_macros::dec;

use crate::support::*;

#[test]
fn a_resting_buy_locks_notional_plus_fee_and_fills_when_the_low_reaches_it() {
    let mut ex = default_exchange();
    ex.on_market(&flat(0, dec!(60000)));
    let order = limit("lb", Side::Buy, dec!(59000), dec!(0.1), TimeInForce::Gtc);
    let report = ex.submit(&order, T0).expect("funded");
    assert_eq!(report.status, OrderStatus::New);
    assert!(report.fills.is_empty());
    // 5 900 notional + 5.9 fee.
    assert_eq!(balance(&ex, "USDT"), (dec!(4094.1), dec!(5905.9)));
    let open = ex.open_orders();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].locked, dec!(5905.9));
    assert_eq!(open[0].locked_asset, asset("USDT"));

    // A low of 59 000.01 is a cent short: nothing happens.
    let fills = ex.on_market(&candle(60_000, dec!(60500), dec!(59000.01), dec!(59500)));
    assert!(fills.is_empty());
    assert_eq!(ex.query(btcusdt(), &id("lb")).map(|r| r.status), Some(OrderStatus::New));

    let fills = ex.on_market(&candle(120_000, dec!(59500), dec!(58000), dec!(58500)));
    assert_eq!(fills.len(), 1);
    assert_eq!(fills[0].price, Price::new(dec!(59000)), "fills at its limit");
    assert_eq!(fills[0].fee.get(), dec!(5.9));
    assert_eq!(fills[0].ts, T0.plus_millis(120_000));
    assert_eq!(fills[0].trade_id, TradeId::new("paper-1"));
    assert_eq!(balance(&ex, "USDT"), (dec!(4094.1), Decimal::ZERO));
    assert_eq!(balance(&ex, "BTC"), (dec!(1.1), Decimal::ZERO));
    assert!(ex.open_orders().is_empty());

    let queried = ex.query(btcusdt(), &id("lb")).expect("known order");
    assert_eq!(queried.status, OrderStatus::Filled);
    assert_eq!(queried.fills, fills);
    // Filled orders do not fill again.
    assert!(ex.on_market(&flat(180_000, dec!(50000))).is_empty());
}

#[test]
fn a_resting_sell_locks_base_and_fills_when_the_high_reaches_it() {
    let mut ex = default_exchange();
    ex.on_market(&flat(0, dec!(60000)));
    let order = limit("ls", Side::Sell, dec!(61000), dec!(0.5), TimeInForce::Gtc);
    ex.submit(&order, T0).expect("holds BTC");
    assert_eq!(balance(&ex, "BTC"), (dec!(0.5), dec!(0.5)));
    assert!(ex.on_market(&candle(60_000, dec!(60999.99), dec!(60000), dec!(60500))).is_empty());
    let fills = ex.on_market(&candle(120_000, dec!(61000), dec!(60500), dec!(60800)));
    assert_eq!(fills.len(), 1);
    // 30 500 notional − 30.5 fee.
    assert_eq!(balance(&ex, "USDT"), (dec!(40469.5), Decimal::ZERO));
    assert_eq!(balance(&ex, "BTC"), (dec!(0.5), Decimal::ZERO));
}

#[test]
fn quotes_fill_resting_buys_on_the_ask_and_sells_on_the_bid() {
    let mut ex = default_exchange();
    ex.on_market(&flat(0, dec!(60000)));
    ex.submit(&limit("b", Side::Buy, dec!(59000), dec!(0.01), TimeInForce::Gtc), T0).expect("funded");
    ex.submit(&limit("s", Side::Sell, dec!(61000), dec!(0.01), TimeInForce::Gtc), T0).expect("holds BTC");
    // The bid reaching the buy's limit is not enough; a buyer needs a seller at that price.
    assert!(ex.on_market(&quote(1, dec!(59000), dec!(59001))).is_empty());
    let fills = ex.on_market(&quote(2, dec!(58999), dec!(59000)));
    assert_eq!(fills.iter().map(|f| f.side).collect::<Vec<_>>(), [Side::Buy]);
    assert!(ex.on_market(&quote(3, dec!(60999), dec!(61000))).is_empty());
    let fills = ex.on_market(&quote(4, dec!(61000), dec!(61001)));
    assert_eq!(fills.iter().map(|f| f.side).collect::<Vec<_>>(), [Side::Sell]);
}

#[test]
fn an_event_older_than_the_order_does_not_fill_it() {
    let mut ex = default_exchange();
    ex.on_market(&flat(0, dec!(60000)));
    let later = T0.plus_millis(300_000);
    ex.submit(&limit("lb", Side::Buy, dec!(59000), dec!(0.01), TimeInForce::Gtc), later).expect("funded");
    assert!(ex.on_market(&flat(240_000, dec!(58000))).is_empty());
    assert_eq!(ex.on_market(&flat(360_000, dec!(58000))).len(), 1);
}

#[test]
fn resting_orders_fill_oldest_first() {
    let mut ex = default_exchange();
    ex.on_market(&flat(0, dec!(60000)));
    for name in ["first", "second", "third"] {
        ex.submit(&limit(name, Side::Buy, dec!(59000), dec!(0.01), TimeInForce::Gtc), T0).expect("funded");
    }
    let fills = ex.on_market(&flat(60_000, dec!(58000)));
    let order: Vec<_> = fills.iter().map(|f| f.client_order_id.as_str().to_owned()).collect();
    assert_eq!(order, ["first", "second", "third"]);
    let trades: Vec<_> = fills.iter().map(|f| f.trade_id.as_str().to_owned()).collect();
    assert_eq!(trades, ["paper-1", "paper-2", "paper-3"]);
}

#[test]
fn a_marketable_limit_fills_at_once_at_the_better_price() {
    let mut ex = exchange(dec!(0.001), dec!(5));
    ex.on_market(&flat(0, dec!(60000)));
    // Slipped ask 60 030 is below the 60 100 limit: the buyer gets 60 030.
    let buy =
        ex.submit(&limit("b", Side::Buy, dec!(60100), dec!(0.01), TimeInForce::Gtc), T0).expect("funded");
    assert_eq!(buy.status, OrderStatus::Filled);
    assert_eq!(buy.fills[0].price, Price::new(dec!(60030)));
    // Slipped ask 60 030 is above the 60 010 limit: the limit protects the buyer.
    let capped =
        ex.submit(&limit("c", Side::Buy, dec!(60010), dec!(0.01), TimeInForce::Ioc), T0).expect("funded");
    assert_eq!(capped.fills[0].price, Price::new(dec!(60010)));
    let sell =
        ex.submit(&limit("s", Side::Sell, dec!(59000), dec!(0.01), TimeInForce::Fok), T0).expect("holds BTC");
    assert_eq!(sell.fills[0].price, Price::new(dec!(59970)));
    assert!(ex.open_orders().is_empty());
    assert_eq!(balance(&ex, "USDT").1, Decimal::ZERO, "nothing stays locked");
}

#[test]
fn ioc_and_fok_that_cannot_fill_expire_and_lock_nothing() {
    let mut ex = default_exchange();
    ex.on_market(&flat(0, dec!(60000)));
    for (name, tif) in [("ioc", TimeInForce::Ioc), ("fok", TimeInForce::Fok)] {
        let report = ex
            .submit(&limit(name, Side::Buy, dec!(59000), dec!(0.01), tif), T0)
            .expect("accepted, then expired");
        assert_eq!(report.status, OrderStatus::Expired);
        assert!(report.fills.is_empty());
        assert_eq!(report.filled_qty.get(), Decimal::ZERO);
        assert_eq!(ex.query(btcusdt(), &id(name)).map(|r| r.status), Some(OrderStatus::Expired));
    }
    assert_eq!(balance(&ex, "USDT"), (dec!(10000), Decimal::ZERO));
    assert!(ex.open_orders().is_empty());
    // Expired orders never fill later.
    assert!(ex.on_market(&flat(60_000, dec!(50000))).is_empty());
}

#[test]
fn a_gtc_limit_rests_when_no_price_is_known_yet() {
    let mut ex = default_exchange();
    let report =
        ex.submit(&limit("early", Side::Buy, dec!(59000), dec!(0.01), TimeInForce::Gtc), T0).expect("funded");
    assert_eq!(report.status, OrderStatus::New);
    assert_eq!(ex.on_market(&flat(60_000, dec!(58000))).len(), 1);
}

#[test]
fn query_is_scoped_to_the_symbol() {
    let mut ex = default_exchange();
    ex.submit(&limit("q", Side::Buy, dec!(59000), dec!(0.01), TimeInForce::Gtc), T0).expect("funded");
    assert!(ex.query(btcusdt(), &id("q")).is_some());
    assert_eq!(ex.query(ethbtc(), &id("q")), None);
    assert_eq!(ex.query(btcusdt(), &id("never")), None);
}

#[test]
fn ids_continue_after_a_restart() {
    let mut ex = default_exchange();
    ex.on_market(&flat(0, dec!(60000)));
    ex.resume_ids(42, 7);
    let report = ex.submit(&market("after-restart", Side::Buy, dec!(0.01)), T0).expect("funded");
    assert_eq!(report.exchange_order_id, 42);
    assert_eq!(report.fills[0].trade_id, TradeId::new("paper-7"));
}

#[test]
fn events_fed_by_market_index_fill_and_price_exactly_as_events_fed_by_symbol() {
    // A backtest resolves its symbol once and feeds every bar by index; the fills, ids, balances
    // and prices must be those of the worker's symbol-by-symbol path.
    let events = [
        flat(0, dec!(60000)),
        candle(60_000, dec!(60500), dec!(59000.01), dec!(59500)),
        candle(120_000, dec!(61500), dec!(58000), dec!(58500)),
        flat(180_000, dec!(62000)),
    ];
    let run = |by_index: bool| {
        let mut ex = default_exchange();
        let at = ex.market_index(btcusdt());
        assert_eq!(ex.last_price(btcusdt()), None, "resolving a symbol gives it no price");
        let mut fills = Vec::new();
        for (i, ev) in events.iter().enumerate() {
            if i == 1 {
                ex.submit(&limit("lb", Side::Buy, dec!(59000), dec!(0.1), TimeInForce::Gtc), T0)
                    .expect("funded");
                ex.submit(&limit("ls", Side::Sell, dec!(61000), dec!(0.5), TimeInForce::Gtc), T0)
                    .expect("funded");
            }
            if by_index {
                ex.on_market_at(at, ev, &mut fills);
            } else {
                fills.extend(ex.on_market(ev));
            }
        }
        (fills, ex.balances(), ex.last_price(btcusdt()), ex.market_index(btcusdt()) == at)
    };
    let (by_symbol, by_index) = (run(false), run(true));
    assert_eq!(by_symbol.0.len(), 2, "both resting orders fill: {:?}", by_symbol.0);
    assert_eq!(by_index, by_symbol);
    assert_eq!(by_index.2, Some(Price::new(dec!(62000))));
    assert!(by_index.3, "a symbol's index is stable");
}
