//! REST: public data, authentication errors, Binance's order errors, an order's lifecycle,
//! weights in headers, 429 then 418.

use reqwest::Method;
use serde_json::Value;

use crate::support::{Client, KEY, now_ms, sign, start};

#[tokio::test]
async fn public_endpoints_answer_in_binance_shapes() {
    let sim = start(|_| {}).await;
    let c = Client::new(&sim);
    let t = c.public("/api/v3/time", "").await;
    assert!((t.body["serverTime"].as_i64().unwrap() - now_ms()).abs() < 5_000);
    let info = c.public("/api/v3/exchangeInfo", "symbol=BTCUSDT").await;
    let sym = &info.body["symbols"][0];
    assert_eq!(sym["symbol"], "BTCUSDT");
    let filters: Vec<&str> =
        sym["filters"].as_array().unwrap().iter().map(|f| f["filterType"].as_str().unwrap()).collect();
    assert_eq!(filters, ["PRICE_FILTER", "LOT_SIZE", "MARKET_LOT_SIZE", "NOTIONAL"]);
    assert_eq!(sym["filters"][0]["tickSize"], "0.01000000", "decimals are strings");
    let k = c.public("/api/v3/klines", "symbol=BTCUSDT&interval=1m&limit=5").await;
    let rows = k.body.as_array().unwrap();
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[1][0].as_i64().unwrap() - rows[0][0].as_i64().unwrap(), 60_000);
    assert_eq!(c.public("/api/v3/klines", "symbol=BTCUSDT&interval=5m").await.code(), -1120);
    let bt = c.public("/api/v3/ticker/bookTicker", "symbol=BTCUSDT").await;
    let (bid, ask): (f64, f64) = (
        bt.body["bidPrice"].as_str().unwrap().parse().unwrap(),
        bt.body["askPrice"].as_str().unwrap().parse().unwrap(),
    );
    assert!(bid < ask);
    assert_eq!(c.public("/api/v3/exchangeInfo", "symbol=NOPEUSDT").await.code(), -1121);
    assert!(t.headers.contains_key("x-mbx-used-weight-1m"));
    sim.stop().await;
}

#[tokio::test]
async fn signatures_keys_and_timestamps_are_enforced() {
    let sim = start(|_| {}).await;
    let c = Client::new(&sim);
    assert_eq!(c.signed(Method::GET, "/api/v3/account", "").await.status, 200);
    let ts = now_ms();
    let q = format!("timestamp={ts}");
    let bad_sig = format!("{q}&signature={}", sign("timestamp=1"));
    let a = c.send(Method::GET, "/api/v3/account", &bad_sig, Some(KEY)).await;
    assert_eq!((a.status, a.code()), (400, -1022));
    let good = format!("{q}&signature={}", sign(&q));
    assert_eq!(c.send(Method::GET, "/api/v3/account", &good, None).await.code(), -2014);
    assert_eq!(c.send(Method::GET, "/api/v3/account", &good, Some("someone-else")).await.code(), -2015);
    let old = format!("timestamp={}&recvWindow=1000", ts - 5_000);
    let a =
        c.send(Method::GET, "/api/v3/account", &format!("{old}&signature={}", sign(&old)), Some(KEY)).await;
    assert_eq!((a.status, a.code()), (400, -1021));
    let future = format!("timestamp={}", ts + 10_000);
    assert_eq!(
        c.send(Method::GET, "/api/v3/account", &format!("{future}&signature={}", sign(&future)), Some(KEY))
            .await
            .code(),
        -1021
    );
    // Percent-encoded values are signed as sent, then decoded.
    let q = "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.001&newClientOrderId=a%3Ab%2Fc";
    let placed = c.signed(Method::POST, "/api/v3/order", q).await;
    assert_eq!(placed.status, 200, "{}", placed.body);
    assert_eq!(placed.body["clientOrderId"], "a:b/c");
    sim.stop().await;
}

#[tokio::test]
async fn order_errors_carry_binance_codes() {
    let sim = start(|_| {}).await;
    let c = Client::new(&sim);
    let order = |q: &'static str| c.signed(Method::POST, "/api/v3/order", q);
    assert_eq!(
        order("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.000015&price=60000").await.body
            ["msg"],
        "Filter failure: LOT_SIZE"
    );
    assert_eq!(
        order("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=60000.001")
            .await
            .code(),
        -1013
    );
    assert_eq!(
        order("symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.00001").await.body["msg"],
        "Filter failure: NOTIONAL"
    );
    let broke = order("symbol=BTCUSDT&side=BUY&type=MARKET&quantity=100").await;
    assert_eq!(
        (broke.code(), broke.body["msg"].as_str().unwrap()),
        (-2010, "Account has insufficient balance for requested action.")
    );
    assert_eq!(
        order("symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=0.001&price=1").await.code(),
        -1102,
        "LIMIT needs timeInForce"
    );
    assert_eq!(order("symbol=BTCUSDT&side=UP&type=MARKET&quantity=0.001").await.code(), -1117);
    assert_eq!(
        order("symbol=BTCUSDT&side=BUY&type=STOP_LOSS&quantity=0.001&stopPrice=1").await.code(),
        -2010
    );
    assert_eq!(order("symbol=DOGEUSDT&side=BUY&type=MARKET&quantity=1").await.code(), -1121);
    let q = c.signed(Method::GET, "/api/v3/order", "symbol=BTCUSDT&origClientOrderId=never-sent").await;
    assert_eq!((q.code(), q.body["msg"].as_str().unwrap()), (-2013, "Order does not exist."));
    let d = c.signed(Method::DELETE, "/api/v3/order", "symbol=BTCUSDT&origClientOrderId=never-sent").await;
    assert_eq!((d.code(), d.body["msg"].as_str().unwrap()), (-2011, "Unknown order sent."));
    assert_eq!(
        c.signed(Method::POST, "/api/v3/order/test", "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.00001")
            .await
            .code(),
        -1013
    );
    let ok = c
        .signed(Method::POST, "/api/v3/order/test", "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.001")
        .await;
    assert_eq!((ok.status, ok.body.clone()), (200, serde_json::json!({})));
    assert_eq!(sim.order_count(), 0, "refused and test orders leave no order behind");
    sim.stop().await;
}

#[tokio::test]
async fn a_resting_order_fills_on_a_later_bar_and_shows_everywhere() {
    let sim = start(|_| {}).await;
    let c = Client::new(&sim);
    let bt = c.public("/api/v3/ticker/bookTicker", "symbol=BTCUSDT").await;
    let bid: f64 = bt.body["bidPrice"].as_str().unwrap().parse().unwrap();
    let price = format!("{:.2}", bid * 0.999);
    let placed = c.signed(Method::POST, "/api/v3/order", &format!("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.01&price={price}&newClientOrderId=rest-1")).await;
    assert_eq!(placed.body["status"], "NEW", "{}", placed.body);
    assert!(placed.headers.contains_key("x-mbx-order-count-10s"));
    let open = c.signed(Method::GET, "/api/v3/openOrders", "symbol=BTCUSDT").await;
    assert_eq!(open.body.as_array().unwrap().len(), 1);
    let usdt_locked = sim.balance("USDT").unwrap().1;
    assert!(usdt_locked > mirai_core::Decimal::ZERO, "a resting buy locks quote");
    let mut filled = false;
    for _ in 0..500 {
        sim.advance(1);
        let q = c.signed(Method::GET, "/api/v3/order", "symbol=BTCUSDT&origClientOrderId=rest-1").await;
        if q.body["status"] == "FILLED" {
            assert_eq!(q.body["executedQty"], "0.01000000");
            filled = true;
            break;
        }
    }
    assert!(filled, "the walk came down to the limit within 500 bars");
    let trades = c
        .signed(
            Method::GET,
            "/api/v3/myTrades",
            &format!("symbol=BTCUSDT&orderId={}", placed.body["orderId"]),
        )
        .await;
    let t = &trades.body[0];
    assert_eq!(
        (t["isMaker"].clone(), t["isBuyer"].clone(), t["price"].clone()),
        (Value::Bool(true), Value::Bool(true), Value::String(format!("{price}000000")))
    );
    assert_eq!(c.signed(Method::GET, "/api/v3/openOrders", "").await.body.as_array().unwrap().len(), 0);
    let acct = c.signed(Method::GET, "/api/v3/account", "").await;
    let btc = acct.body["balances"].as_array().unwrap().iter().find(|b| b["asset"] == "BTC").unwrap().clone();
    assert_eq!(btc["free"], "1.01000000");
    sim.stop().await;
}

#[tokio::test]
async fn weight_limits_answer_429_with_retry_after_then_418() {
    let sim = start(|c| {
        c.weight_per_minute = 25;
        c.ban_after_429s = 2;
    })
    .await;
    let c = Client::new(&sim);
    let first = c.public("/api/v3/exchangeInfo", "").await;
    assert_eq!(first.headers["x-mbx-used-weight-1m"], "20");
    let mut statuses = Vec::new();
    for _ in 0..8 {
        let a = c.public("/api/v3/time", "").await;
        if a.status != 200 {
            assert!(a.headers.contains_key("retry-after"), "{} without Retry-After", a.status);
        }
        statuses.push(a.status);
    }
    // Within one minute: the weight runs out at 25; two 429s are tolerated, then the IP is banned.
    // (A minute boundary mid-test would reset the count, so only the order of events is pinned.)
    let first_429 = statuses.iter().position(|s| *s == 429);
    let first_418 = statuses.iter().position(|s| *s == 418);
    if let (Some(a), Some(b)) = (first_429, first_418) {
        assert!(a < b, "{statuses:?}");
    } else {
        assert!(now_ms() % 60_000 < 2_000, "expected 429 then 418: {statuses:?}");
    }
    sim.stop().await;
}

#[tokio::test]
async fn buyers_can_be_charged_in_the_base_asset_as_on_binance() {
    let sim = start(|c| {
        c.buyer_fee_in_base = true;
        c.balances = vec![(mirai_core::Asset::new("USDT"), "1000".parse().unwrap())];
    })
    .await;
    let c = Client::new(&sim);
    let buy =
        c.signed(Method::POST, "/api/v3/order", "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.01").await;
    assert_eq!(buy.status, 200, "{}", buy.body);
    let fill = &buy.body["fills"][0];
    assert_eq!(
        (fill["commission"].as_str(), fill["commissionAsset"].as_str()),
        (Some("0.00001000"), Some("BTC"))
    );
    let notional: rust_decimal::Decimal = buy.body["cummulativeQuoteQty"].as_str().unwrap().parse().unwrap();
    let usdt = sim.balance("USDT").unwrap();
    let btc = sim.balance("BTC").unwrap();
    assert_eq!(usdt.0 + usdt.1, "1000".parse::<rust_decimal::Decimal>().unwrap() - notional, "no quote fee");
    assert_eq!(btc.0 + btc.1, "0.00999".parse().unwrap(), "0.01 bought, 0.1 % of it kept as commission");
    let trades = c.signed(Method::GET, "/api/v3/myTrades", "symbol=BTCUSDT").await;
    assert_eq!(trades.body[0]["commissionAsset"], "BTC");
    // Sellers still pay in the quote asset.
    let sell =
        c.signed(Method::POST, "/api/v3/order", "symbol=BTCUSDT&side=SELL&type=MARKET&quantity=0.005").await;
    assert_eq!(sell.body["fills"][0]["commissionAsset"], "USDT");
    sim.stop().await;
}
