//! Every parser on the docs' own example payloads (tests/data, see its README).

use mirai_binance::http::error::from_status;
use mirai_binance::http::models::{Account, BookTicker, ExchangeInfo, KlineRow, MyTrade, Order};
use mirai_binance::http::parse;
use mirai_binance::websocket::messages::{
    ExecutionReportEvent, MarketMessage, WsApiMessage, decode_market, decode_ws_api,
};
use mirai_binance::websocket::parse as ws_parse;
use mirai_core::{Asset, ClientOrderId, OrderStatus, Price, Qty, Side, Symbol, Timestamp};
use rust_decimal_macros::dec;

fn data(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR")))
        .expect("recorded payload")
}

fn usdt_pair(base: &str, quote: &str) -> (Asset, Asset) {
    (Asset::new(base), Asset::new(quote))
}

#[test]
fn exchange_info_filters_become_decimal_rules() {
    let info: ExchangeInfo = serde_json::from_str(&data("exchange_info.json")).unwrap();
    assert_eq!(info.rate_limits.len(), 3);
    let r = parse::symbol_rules(&info.symbols[0]).unwrap();
    assert_eq!((r.symbol, r.base, r.quote), (Symbol::new("ETHBTC"), Asset::new("ETH"), Asset::new("BTC")));
    let pf = r.price_filter.unwrap();
    assert_eq!(
        (pf.min_price.get(), pf.max_price.get(), pf.tick_size.get()),
        (dec!(0.000001), dec!(100000), dec!(0.000001))
    );
    let lot = r.lot_size.unwrap();
    assert_eq!((lot.min_qty.get(), lot.step_size.get()), (dec!(0.001), dec!(0.001)));
    assert_eq!(r.market_lot_size.unwrap().max_qty.get(), dec!(100000));
    // NOTIONAL supersedes the legacy MIN_NOTIONAL listed before it.
    let n = r.notional.unwrap();
    assert_eq!(
        (n.min_notional.get(), n.max_notional.map(Price::get), n.apply_min_to_market),
        (dec!(10), Some(dec!(10000)), false)
    );
    assert!(!n.legacy_min_notional);
    // Compared as decimals: 0.0015 is off the 0.001 step.
    let limit = mirai_core::OrderKind::Limit {
        price: Price::new(dec!(0.05)),
        time_in_force: mirai_core::TimeInForce::Gtc,
    };
    assert!(r.check(&limit, Qty::new(dec!(200)), Price::new(dec!(0.05))).is_ok());
    assert_eq!(r.check(&limit, Qty::new(dec!(200.0015)), Price::new(dec!(0.05))).unwrap_err().0, "LOT_SIZE");
}

#[test]
fn kline_rows_become_candles() {
    let rows: Vec<KlineRow> = serde_json::from_str(&data("klines.json")).unwrap();
    let c = parse::candle(Symbol::new("BNBBTC"), &rows[0], 1_600_000_000_000).unwrap();
    assert_eq!((c.open_time.millis(), c.close_time.millis()), (1_499_040_000_000, 1_499_644_799_999));
    assert_eq!(
        (c.open.get(), c.high.get(), c.low.get(), c.close.get()),
        (dec!(0.0163479), dec!(0.8), dec!(0.015758), dec!(0.015771))
    );
    assert_eq!(c.volume.get(), dec!(148976.11427815));
    assert!(c.closed);
    assert!(
        !parse::candle(Symbol::new("BNBBTC"), &rows[0], 1_499_644_799_999).unwrap().closed,
        "not closed until its close time passes"
    );
}

#[test]
fn book_ticker_account_and_trades() {
    let bt: BookTicker = serde_json::from_str(&data("book_ticker.json")).unwrap();
    let q = parse::quote(&bt, Timestamp::from_millis(5)).unwrap();
    assert_eq!(
        (q.bid.get(), q.bid_qty.get(), q.ask.get(), q.ask_qty.get()),
        (dec!(4), dec!(431), dec!(4.000002), dec!(9))
    );
    let acct: Account = serde_json::from_str(&data("account.json")).unwrap();
    assert!(acct.can_trade);
    let b = parse::balances(&acct);
    assert_eq!(
        (b[0].asset, b[0].free, b[0].total()),
        (Asset::new("BTC"), dec!(4723846.89208129), dec!(4723846.89208129))
    );
    let trades: Vec<MyTrade> = serde_json::from_str(&data("my_trades.json")).unwrap();
    let id = ClientOrderId::new_checked("o1").unwrap();
    let f = parse::trade_fill(&trades[0], &id, usdt_pair("BNB", "BTC")).unwrap();
    // Bought 12 BNB paying 10.1 BNB commission (BNB is the base here): the account gains 1.9 BNB
    // and pays 12 × price in the quote asset. The ledger books exactly that: 1.9 received, the
    // commission valued at the fill price as the quote fee, so cash moves by 12 × price.
    assert_eq!(
        (f.trade_id.as_str(), f.side, f.qty.get(), f.price.get()),
        ("28457", Side::Buy, dec!(1.9), dec!(4.000001))
    );
    assert_eq!(f.fee.get(), dec!(10.1) * dec!(4.000001));
    assert_eq!(f.cash_delta().get(), -(dec!(12) * dec!(4.000001)));
    let third = parse::trade_fill(&trades[0], &id, usdt_pair("LTC", "BTC")).unwrap();
    assert_eq!(third.fee.get(), dec!(0), "a third-asset commission cannot be valued here");
    assert_eq!(third.qty.get(), dec!(12), "and is not taken from the quantity");
}

#[test]
fn order_responses_of_every_type_become_reports() {
    let pair = usdt_pair("BTC", "USDT");
    let full: Order = serde_json::from_str(&data("order_full.json")).unwrap();
    let r = parse::execution_report(&full, pair).unwrap();
    assert_eq!(
        (r.client_order_id.as_str(), r.exchange_order_id, r.status),
        ("6gCrw2kRUAF9CvJDGP16IP", 28, OrderStatus::Filled)
    );
    assert_eq!(r.filled_qty.get(), dec!(10));
    assert_eq!(r.fills.len(), 5);
    assert_eq!(r.fills.iter().map(|f| f.qty.get()).sum::<rust_decimal::Decimal>(), dec!(10));
    assert_eq!(
        (r.fills[1].trade_id.as_str(), r.fills[1].price.get(), r.fills[1].fee.get()),
        ("57", dec!(3999), dec!(19.995))
    );
    assert_eq!((r.fills[0].side, r.fills[0].ts.millis()), (Side::Sell, 1_507_725_176_595));
    let ack: Order = serde_json::from_str(&data("order_ack.json")).unwrap();
    let a = parse::execution_report(&ack, pair).unwrap();
    assert_eq!((a.status, a.fills.len()), (OrderStatus::New, 0));
    let result: Order = serde_json::from_str(&data("order_result.json")).unwrap();
    assert_eq!(parse::execution_report(&result, pair).unwrap().status, OrderStatus::Filled);
    let query: Order = serde_json::from_str(&data("query_order.json")).unwrap();
    let q = parse::execution_report(&query, usdt_pair("LTC", "BTC")).unwrap();
    assert_eq!(
        (q.client_order_id.as_str(), q.status, q.filled_qty),
        ("myOrder1", OrderStatus::New, Qty::ZERO)
    );
    let cancel: Order = serde_json::from_str(&data("cancel_order.json")).unwrap();
    let c = parse::execution_report(&cancel, usdt_pair("LTC", "BTC")).unwrap();
    assert_eq!(
        (c.client_order_id.as_str(), c.status),
        ("myOrder1", OrderStatus::Canceled),
        "a cancel reports the order's own id"
    );
}

#[test]
fn error_bodies_become_typed_errors() {
    let e = from_status(400, data("error.json").as_bytes(), 0);
    assert_eq!(e.code(), Some(-1121));
    assert!(!e.is_retryable() && !e.outcome_unknown());
    assert_eq!(e.to_string(), "Binance error -1121 (HTTP 400): Invalid symbol.");
}

#[test]
fn market_stream_events_decode_raw_and_combined() {
    let MarketMessage::Kline(k) = decode_market(&data("ws_kline.json")).unwrap() else { panic!("kline") };
    let c = ws_parse::candle(&k).unwrap();
    assert_eq!(
        (c.symbol, c.open_time.millis(), c.close_time.millis(), c.closed),
        (Symbol::new("BNBBTC"), 1_672_515_780_000, 1_672_515_839_999, false)
    );
    assert_eq!(
        (c.open.get(), c.close.get(), c.high.get(), c.low.get(), c.volume.get()),
        (dec!(0.001), dec!(0.002), dec!(0.0025), dec!(0.0015), dec!(1000))
    );
    let combined = format!(r#"{{"stream":"bnbbtc@kline_1m","data":{}}}"#, data("ws_kline.json"));
    assert!(matches!(decode_market(&combined).unwrap(), MarketMessage::Kline(_)));
    let MarketMessage::Trade(t) = decode_market(&data("ws_trade.json")).unwrap() else { panic!("trade") };
    let t = ws_parse::trade(&t).unwrap();
    assert_eq!(
        (t.trade_id, t.price.get(), t.qty.get(), t.buyer_is_maker),
        (12345, dec!(0.001), dec!(100), true)
    );
    let MarketMessage::BookTicker(b) = decode_market(&data("ws_book_ticker.json")).unwrap() else {
        panic!("bookTicker")
    };
    let q = ws_parse::quote(&b, Timestamp::from_millis(9)).unwrap();
    assert_eq!(
        (q.symbol, q.bid.get(), q.ask_qty.get(), q.time.millis()),
        (Symbol::new("BNBUSDT"), dec!(25.3519), dec!(40.66), 9)
    );
    assert_eq!(decode_market(r#"{"result":null,"id":1}"#).unwrap(), MarketMessage::CommandResult);
    assert!(decode_market("not json").is_err());
}

#[test]
fn execution_reports_become_order_updates_with_fills() {
    let pair = usdt_pair("ETH", "BTC");
    let new: ExecutionReportEvent = serde_json::from_str(&data("execution_report.json")).unwrap();
    let u = ws_parse::order_update(&new, pair).unwrap();
    assert_eq!(
        (u.client_order_id.as_str(), u.exchange_order_id, u.status, u.execution_type.as_str()),
        ("mUvoqJxFIILMdfAW5iGSOW", 4_293_153, OrderStatus::New, "NEW")
    );
    assert!(u.fill.is_none());
    let trade: ExecutionReportEvent = serde_json::from_str(&data("execution_report_trade.json")).unwrap();
    let u = ws_parse::order_update(&trade, pair).unwrap();
    let f = u.fill.clone().unwrap();
    assert_eq!(
        (f.trade_id.as_str(), f.qty.get(), f.price.get(), f.fee.get(), f.side),
        ("77", dec!(1), dec!(0.1026441), dec!(0.00010264), Side::Buy)
    );
    assert_eq!((u.status, u.report().filled_qty.get()), (OrderStatus::Filled, dec!(1)));
}

#[test]
fn websocket_api_frames_decode() {
    let WsApiMessage::Event(env) = decode_ws_api(&data("user_data_event.json")).unwrap() else {
        panic!("event")
    };
    assert_eq!((env.subscription_id, env.event["e"].as_str()), (0, Some("executionReport")));
    let WsApiMessage::Response(ok) = decode_ws_api(&data("ws_api_order_place.json")).unwrap() else {
        panic!("response")
    };
    assert_eq!(ok.status, 200);
    let order: Order = serde_json::from_value(ok.result.unwrap()).unwrap();
    assert_eq!((order.order_id, order.client_order_id.as_str()), (12_510_053_279, "a097fe6304b20a7e4fc436"));
    assert_eq!(ok.rate_limits.unwrap()[2].count, Some(321));
    let WsApiMessage::Response(err) = decode_ws_api(&data("ws_api_error.json")).unwrap() else {
        panic!("response")
    };
    let e = err.error.unwrap();
    assert_eq!(
        (err.status, e.code, e.msg.as_str()),
        (400, -2010, "Account has insufficient balance for requested action.")
    );
}

#[test]
fn base_commissions_are_netted_from_the_booked_quantity() {
    let btc = usdt_pair("BTC", "USDT");
    let p = mirai_core::Price::new(dec!(60000));
    // A buyer paying 0.1 % in BTC receives 0.000999 BTC and pays 60 USDT.
    let (q, fee) = parse::booked_qty_and_fee(Side::Buy, dec!(0.001), p, dec!(0.000001), "BTC", btc);
    assert_eq!((q, fee.get()), (dec!(0.000999), dec!(0.06)));
    assert_eq!(q * p.get() + fee.get(), dec!(60), "cash out is the traded notional, nothing more");
    // A seller charged in the base gives the commission away on top of the quantity sold.
    let (q, fee) = parse::booked_qty_and_fee(Side::Sell, dec!(0.001), p, dec!(0.000001), "BTC", btc);
    assert_eq!((q, fee.get()), (dec!(0.001001), dec!(0.06)));
    assert_eq!(q * p.get() - fee.get(), dec!(60), "cash in is the traded notional");
    // Quote commissions are already what the ledger wants.
    let (q, fee) = parse::booked_qty_and_fee(Side::Buy, dec!(0.001), p, dec!(0.06), "USDT", btc);
    assert_eq!((q, fee.get()), (dec!(0.001), dec!(0.06)));
}
