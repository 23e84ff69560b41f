//! The REST client against the simulator: clock sync, rules, market data, account, the order
//! endpoints, Ed25519 signing, and the governor keeping us clear of 429s.

use mirai_binance::http::governor::GovernorConfig;
use mirai_binance::{
    BinanceError, BinanceHttpClient, Credential, KlineInterval, NewOrder, OrderRef, OrderType,
    SharedCredential,
};
use mirai_core::{Asset, Price, Qty, Side, Symbol};
use rust_decimal_macros::dec;

use crate::support::{KEY, SECRET, client, config, sim};

#[tokio::test]
async fn market_data_rules_and_account() {
    let sim = sim(|_| {}).await;
    let c = client(&sim);
    let offset = c.sync_time().await.unwrap();
    assert!(offset.abs() < 1_000, "same machine: offset {offset}");
    let rules = c.symbol_rules(&[Symbol::new("BTCUSDT"), Symbol::new("ETHUSDT")]).await.unwrap();
    assert_eq!(rules.len(), 2);
    assert_eq!(rules[0].lot_size.unwrap().step_size.get(), dec!(0.00001));
    let btc = Symbol::new("BTCUSDT");
    let bars = c.klines(btc, KlineInterval::M1, None, None, 10).await.unwrap();
    assert_eq!(bars.len(), 10);
    assert_eq!(bars, sim.candles(btc)[90..].to_vec(), "the simulator's bars, exactly");
    let from = bars[3].open_time;
    let some = c.klines(btc, KlineInterval::M1, Some(from), Some(bars[5].open_time), 1000).await.unwrap();
    assert_eq!(some.len(), 3);
    let q = c.book_ticker(btc).await.unwrap();
    assert!(q.bid < q.ask);
    let balances = c.balances().await.unwrap();
    let usdt = balances.iter().find(|b| b.asset == Asset::new("USDT")).unwrap();
    assert_eq!(usdt.free, dec!(100000));
    let e = c.klines(Symbol::new("XRPUSDT"), KlineInterval::M1, None, None, 5).await.unwrap_err();
    assert_eq!(e.code(), Some(-1121));
    sim.stop().await;
}

#[tokio::test]
async fn orders_of_each_supported_type_query_cancel_and_trades() {
    let sim = sim(|_| {}).await;
    let c = client(&sim);
    let btc = Symbol::new("BTCUSDT");
    let mkt = NewOrder::market(btc, Side::Buy, Qty::new(dec!(0.002)))
        .with_client_order_id(mirai_core::ClientOrderId::new_checked("rest-mkt").unwrap());
    let o = c.new_order(&mkt).await.unwrap();
    assert_eq!(o.status.as_deref(), Some("FILLED"));
    assert_eq!(o.fills.len(), 1);
    let trades = c.my_trades(btc, Some(o.order_id), None, 10).await.unwrap();
    assert_eq!(trades.len(), 1);
    assert_eq!(trades[0].qty, dec!(0.002));
    let bid = c.book_ticker(btc).await.unwrap().bid.get();
    let low = Price::new((bid * dec!(0.9)).round_dp(2));
    let rest = NewOrder::limit(btc, Side::Buy, Qty::new(dec!(0.001)), low, mirai_core::TimeInForce::Gtc)
        .with_client_order_id(mirai_core::ClientOrderId::new_checked("rest-lim").unwrap());
    c.test_order(&rest).await.unwrap();
    assert_eq!(sim.orders_with_client_id("rest-lim"), 0, "a test order is never placed");
    let placed = c.new_order(&rest).await.unwrap();
    assert_eq!(placed.status.as_deref(), Some("NEW"));
    let open = c.open_orders(Some(btc)).await.unwrap();
    assert_eq!(open.len(), 1);
    let by_id = c.query_order(btc, &OrderRef::Exchange(placed.order_id)).await.unwrap();
    assert_eq!(by_id.client_order_id, "rest-lim");
    let cancelled = c
        .cancel_order(btc, &OrderRef::Client(mirai_core::ClientOrderId::new_checked("rest-lim").unwrap()))
        .await
        .unwrap();
    assert_eq!(
        (cancelled.status.as_deref(), cancelled.orig_client_order_id.as_deref()),
        (Some("CANCELED"), Some("rest-lim"))
    );
    let mut maker = NewOrder::of_type(btc, Side::Buy, OrderType::LimitMaker);
    maker.quantity = Some(Qty::new(dec!(0.001)));
    maker.price = Some(Price::new((bid * dec!(1.01)).round_dp(2)));
    let e = c.new_order(&maker).await.unwrap_err();
    assert_eq!(
        e,
        BinanceError::Api { status: 400, code: -2010, msg: "Order would immediately match and take.".into() }
    );
    let mut stop = NewOrder::of_type(btc, Side::Sell, OrderType::StopLoss);
    stop.quantity = Some(Qty::new(dec!(0.001)));
    assert!(matches!(c.new_order(&stop).await, Err(BinanceError::Invalid(_))), "validated before sending");
    stop.stop_price = Some(Price::new(dec!(1000)));
    assert_eq!(
        c.new_order(&stop).await.unwrap_err().code(),
        Some(-2010),
        "the simulator does not run stop orders"
    );
    let missing = c
        .query_order(btc, &OrderRef::Client(mirai_core::ClientOrderId::new_checked("nope").unwrap()))
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Some(-2013));
    sim.stop().await;
}

#[tokio::test]
async fn a_replaced_credential_signs_the_very_next_request() {
    let sim = sim(|_| {}).await;
    // The key the venue knows, then one it does not, then the known one again: each request
    // signs with whatever the slot held when it was sent.
    let slot = SharedCredential::new(Credential::hmac(KEY, SECRET).unwrap());
    let c = BinanceHttpClient::new(config(&sim), slot.clone()).unwrap();
    assert!(c.account().await.is_ok());
    slot.replace(Credential::hmac("rotated-key", SECRET).unwrap());
    assert_eq!(c.account().await.unwrap_err().code(), Some(-2015), "the new API key is sent");
    slot.replace(Credential::hmac(KEY, "rotated-secret").unwrap());
    assert_eq!(c.account().await.unwrap_err().code(), Some(-1022), "the new secret signs");
    slot.replace(Credential::hmac(KEY, SECRET).unwrap());
    assert!(c.account().await.is_ok());
    assert_eq!(c.credential().map(|k| k.api_key().to_owned()).as_deref(), Some(KEY));
    sim.stop().await;
}

#[tokio::test]
async fn ed25519_requests_are_accepted_and_a_wrong_key_is_refused() {
    let seed = [11u8; 32];
    let cred = Credential::ed25519_seed(KEY, &seed).unwrap();
    let public = cred.ed25519_public_key().unwrap();
    let sim = sim(|c| c.ed25519_public_key = Some(public)).await;
    let c = BinanceHttpClient::new(config(&sim), cred).unwrap();
    assert!(c.account().await.is_ok());
    let wrong =
        BinanceHttpClient::new(config(&sim), Credential::ed25519_seed(KEY, &[12u8; 32]).unwrap()).unwrap();
    assert_eq!(wrong.account().await.unwrap_err().code(), Some(-1022));
    let hmac_wrong =
        BinanceHttpClient::new(config(&sim), Credential::hmac(KEY, "not-the-secret").unwrap()).unwrap();
    assert_eq!(hmac_wrong.account().await.unwrap_err().code(), Some(-1022));
    let _ = SECRET;
    sim.stop().await;
}

#[tokio::test]
async fn a_skewed_clock_is_resynchronised_on_1021() {
    let sim = sim(|_| {}).await;
    let c = client(&sim);
    // Pretend our clock runs 20 s fast: the first signed request earns -1021, the client
    // measures the offset and signs again.
    c.clock().observe(0, 20_000, 0);
    assert!(c.account().await.is_ok());
    assert!(c.clock().offset_ms().abs() < 1_000);
    sim.stop().await;
}

#[tokio::test]
async fn the_governor_keeps_us_under_the_venues_weight_limit() {
    // The venue allows 60 weight a minute and bans after one 429; our budget is 80 % of it.
    let sim = sim(|c| {
        c.weight_per_minute = 60;
        c.ban_after_429s = 1;
    })
    .await;
    let mut cfg = config(&sim);
    cfg.governor = GovernorConfig { weight_per_minute: 60, max_wait_ms: 0, ..GovernorConfig::default() };
    let c = BinanceHttpClient::public(cfg).unwrap();
    let minute = |t: i64| t.div_euclid(60_000);
    let started = mirai_binance::common::time::local_millis();
    let mut refused_locally = 0;
    for _ in 0..60 {
        match c.server_time().await {
            Ok(_) => {}
            Err(BinanceError::Budget { .. }) => refused_locally += 1,
            Err(e) => panic!("the venue was hit past its limit: {e}"),
        }
    }
    if minute(started) == minute(mirai_binance::common::time::local_millis()) {
        assert_eq!(
            refused_locally, 12,
            "48 of the venue's 60 is our share; the rest is refused before sending"
        );
    }
    sim.stop().await;
}

#[tokio::test]
async fn a_429_opens_the_circuit_breaker_until_retry_after() {
    let sim = sim(|c| {
        c.weight_per_minute = 20;
        c.ban_after_429s = 100;
    })
    .await;
    // Our own budget is set above the venue's so the venue's 429 is what stops us.
    let mut cfg = config(&sim);
    cfg.governor = GovernorConfig { weight_per_minute: 1_000, ..GovernorConfig::default() };
    let c = BinanceHttpClient::public(cfg).unwrap();
    let mut first_429 = None;
    for i in 0..30 {
        if let Err(e) = c.ping().await {
            first_429 = Some((i, e));
            break;
        }
    }
    let (_, e) = first_429.expect("the venue throttles at 20");
    assert!(matches!(e, BinanceError::RateLimited { retry_after_ms } if retry_after_ms >= 1_000), "{e}");
    assert_eq!(c.governor().throttles().rate_limited, 1, "counted for the alerter");
    assert!(
        matches!(c.ping().await, Err(BinanceError::CircuitOpen { .. })),
        "nothing is sent while the breaker is open"
    );
    sim.stop().await;
}

#[tokio::test]
async fn transport_errors_never_carry_the_signed_url_or_the_key() {
    // Nothing listens on port 9 of loopback (discard; closed here).
    let mut cfg = mirai_binance::HttpConfig::new("http://127.0.0.1:9");
    cfg.timeout = std::time::Duration::from_millis(500);
    let c = BinanceHttpClient::new(cfg, Credential::hmac(KEY, SECRET).expect("credential")).expect("client");
    let e = c.account().await.unwrap_err();
    assert!(e.is_retryable(), "{e}: never sent, safe to retry");
    let text = format!("{e} {e:?}");
    for secret in ["signature", "timestamp=", KEY, SECRET] {
        assert!(!text.contains(secret), "{secret} leaked into {text}");
    }
}
