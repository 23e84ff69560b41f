//! Market data over REST: the price and 24-hour tickers, the order book (consistent with the book
//! ticker), unknown paths, and a replayed CSV as a symbol's market.

use std::time::Duration;

use clap::Parser as _;
use reqwest::Method;
use rust_decimal::Decimal;
use serde_json::Value;

use crate::support::{Client, start};

fn dec(v: &Value) -> Decimal {
    v.as_str().and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("a decimal string: {v}"))
}

fn weight(a: &crate::support::Answer) -> i64 {
    let header = a.headers["x-mbx-used-weight-1m"].to_str().unwrap_or_else(|e| panic!("{e}"));
    header.parse().unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn price_and_24_hour_tickers_follow_the_tape() {
    let sim = start(|c| c.history_bars = 2_000).await;
    sim.advance_time(Duration::from_secs(10));
    let c = Client::new(&sim);
    let price = c.public("/api/v3/ticker/price", "symbol=BTCUSDT").await;
    assert_eq!(price.body["symbol"], "BTCUSDT");
    let all = c.public("/api/v3/ticker/price", "").await;
    assert_eq!(all.body.as_array().unwrap().len(), 2);
    assert_eq!(weight(&all) - weight(&price), 4, "4 for all symbols, as Binance weighs it");
    let some = c.public("/api/v3/ticker/price", "symbols=%5B%22ETHUSDT%22%5D").await;
    assert_eq!(some.body[0]["symbol"], "ETHUSDT");

    let day = c.public("/api/v3/ticker/24hr", "symbol=BTCUSDT").await;
    let d = &day.body;
    assert_eq!(d["lastPrice"], price.body["price"], "the last trade");
    let (open, high, low, last) =
        (dec(&d["openPrice"]), dec(&d["highPrice"]), dec(&d["lowPrice"]), dec(&d["lastPrice"]));
    assert!(low <= open.min(last) && high >= open.max(last));
    assert_eq!(dec(&d["priceChange"]), last - open);
    assert_eq!(d["priceChangePercent"].as_str().unwrap().split('.').nth(1).map(str::len), Some(3));
    let (volume, quote_volume) = (dec(&d["volume"]), dec(&d["quoteVolume"]));
    assert!(volume > Decimal::ZERO);
    assert_eq!(dec(&d["weightedAvgPrice"]), (quote_volume / volume).round_dp(8));
    assert_eq!(d["closeTime"].as_i64().unwrap() - d["openTime"].as_i64().unwrap(), 86_400_000);
    assert_eq!(d["closeTime"].as_i64(), Some(sim.market_time().millis()), "market time, not the wall clock");
    let (first, last_id, count) =
        (d["firstId"].as_i64().unwrap(), d["lastId"].as_i64().unwrap(), d["count"].as_i64().unwrap());
    assert_eq!(count, last_id - first + 1);
    assert_eq!(count, 1_439 * 30 + 5, "a day of 1m bars of 30 trades, and 5 in the one forming");
    // The window's bars, as /klines serves them.
    let bars = c
        .public(
            "/api/v3/klines",
            &format!("symbol=BTCUSDT&interval=1m&startTime={}&limit=1000", d["openTime"]),
        )
        .await;
    assert_eq!(dec(&bars.body[0][1]), open);
    let book = c.public("/api/v3/ticker/bookTicker", "symbol=BTCUSDT").await;
    for (k, b) in
        [("bidPrice", "bidPrice"), ("bidQty", "bidQty"), ("askPrice", "askPrice"), ("askQty", "askQty")]
    {
        assert_eq!(d[k], book.body[b], "{k}");
    }
    let both = c.public("/api/v3/ticker/24hr", "").await;
    assert_eq!(both.body.as_array().unwrap().len(), 2);
    assert_eq!(weight(&both) - weight(&book), 80);
    let mini = c.public("/api/v3/ticker/24hr", "symbol=ETHUSDT&type=MINI").await;
    assert!(mini.body.get("priceChange").is_none() && mini.body["lastPrice"].is_string());
    assert_eq!(c.public("/api/v3/ticker/24hr", "symbol=ETHUSDT&type=HUGE").await.code(), -1139);
    for path in ["/api/v3/ticker/24hr", "/api/v3/ticker/price", "/api/v3/depth"] {
        let a = c.public(path, "symbol=NOPEUSDT").await;
        assert_eq!(
            (a.status, a.code(), a.body["msg"].as_str()),
            (400, -1121, Some("Invalid symbol.")),
            "{path}"
        );
    }
    sim.stop().await;
}

#[tokio::test]
async fn the_order_book_is_the_book_ticker_s_with_levels_on_ticks_and_lots() {
    let sim = start(|_| {}).await;
    sim.advance_time(Duration::from_secs(30));
    let c = Client::new(&sim);
    let book = c.public("/api/v3/ticker/bookTicker", "symbol=BTCUSDT").await.body;
    let depth = c.public("/api/v3/depth", "symbol=BTCUSDT&limit=5").await;
    assert_eq!(weight(&depth), 5 + 2, "5 for up to 100 levels, after the book ticker's 2");
    let d = &depth.body;
    assert!(d["lastUpdateId"].as_i64().unwrap() > 0);
    let (bids, asks) = (d["bids"].as_array().unwrap(), d["asks"].as_array().unwrap());
    assert_eq!((bids.len(), asks.len()), (5, 5));
    assert_eq!((&bids[0][0], &bids[0][1]), (&book["bidPrice"], &book["bidQty"]), "best bid as bookTicker");
    assert_eq!((&asks[0][0], &asks[0][1]), (&book["askPrice"], &book["askQty"]), "best ask as bookTicker");
    let (tick, lot) = (Decimal::new(1, 2), Decimal::new(1, 5));
    for (side, sign) in [(bids, -1), (asks, 1)] {
        for w in side.windows(2) {
            assert_eq!(dec(&w[1][0]) - dec(&w[0][0]), tick * Decimal::from(sign), "one tick apart");
        }
        for level in side {
            let q = dec(&level[1]);
            assert!(q >= lot && (q / lot).fract().is_zero(), "{q} on the lot step");
        }
    }
    assert_eq!(dec(&asks[0][0]) - dec(&bids[0][0]), tick);
    let deep = c.public("/api/v3/depth", "symbol=BTCUSDT").await;
    assert_eq!(deep.body["bids"].as_array().unwrap().len(), 100, "100 levels by default");
    let before = weight(&deep);
    let big = c.public("/api/v3/depth", "symbol=BTCUSDT&limit=500").await;
    assert_eq!(weight(&big) - before, 25);
    assert_eq!(c.public("/api/v3/depth", "symbol=BTCUSDT&limit=0").await.code(), -1100);
    // The book moves with the market, and stays consistent with the ticker.
    sim.advance_time(Duration::from_secs(2));
    let moved = c.public("/api/v3/depth", "symbol=BTCUSDT&limit=1").await.body;
    assert!(moved["lastUpdateId"].as_i64() > d["lastUpdateId"].as_i64());
    let now = c.public("/api/v3/ticker/bookTicker", "symbol=BTCUSDT").await.body;
    assert_eq!(moved["bids"][0][0], now["bidPrice"]);
    sim.stop().await;
}

#[tokio::test]
async fn unknown_paths_are_404s_and_unknown_symbols_400_invalid_symbol() {
    let sim = start(|_| {}).await;
    let c = Client::new(&sim);
    for path in ["/api/v3/nothingHere", "/api/v3/ticker/weekly", "/sapi/v1/system/status", "/"] {
        let a = c.public(path, "").await;
        assert_eq!((a.status, a.code()), (404, -1020), "{path}: {}", a.body);
        assert!(a.body["msg"].is_string());
    }
    let wrong_method = c.send(Method::POST, "/api/v3/ticker/price", "", None).await;
    assert_eq!((wrong_method.status, wrong_method.code()), (405, -1020));
    let bad_symbol = c.public("/api/v3/klines", "symbol=NOPEUSDT&interval=1m").await;
    assert_eq!((bad_symbol.status, bad_symbol.code()), (400, -1121));
    assert_eq!(sim.errors_answered(404, -1020), 4);
    sim.stop().await;
}

#[tokio::test]
async fn a_csv_replays_as_a_symbol_s_market() {
    let goog = concat!(env!("CARGO_MANIFEST_DIR"), "/../backtest/tests/data/GOOG.csv");
    let args = mirai_exchange_sim::Args::try_parse_from([
        "exchange-sim",
        "--api-key",
        crate::support::KEY,
        "--api-secret",
        crate::support::SECRET,
        "--listen",
        "127.0.0.1:0",
        "--history",
        "10",
        "--data",
        &format!("BTCUSDT={goog}"),
    ])
    .unwrap();
    let mut config = args.to_config().unwrap();
    config.bar_every = None;
    let sim = mirai_exchange_sim::serve(config).await.unwrap();
    let file = mirai_backtest::data::Bars::load(std::path::Path::new(goog)).unwrap();
    let btc = mirai_core::Symbol::new("BTCUSDT");
    let expected: Vec<_> = file.candles(btc, 0..12).collect();
    let history = sim.candles(btc);
    assert_eq!(history.len(), 10);
    sim.advance(1);
    sim.advance_time(Duration::from_secs(60));
    let bars = sim.candles(btc);
    for (got, want) in bars.iter().zip(&expected) {
        assert_eq!(
            (got.open, got.high, got.low, got.close, got.volume),
            (want.open, want.high, want.low, want.close, want.volume),
            "the file's bars, in order"
        );
    }
    assert_eq!(bars.len(), 12);
    assert!(
        bars.windows(2).all(|w| w[1].open_time.since(w[0].open_time) == 60_000),
        "on the simulator's 1m clock"
    );
    let eth = sim.candles(mirai_core::Symbol::new("ETHUSDT"));
    assert!(eth[0].open.get() > Decimal::from(1_000), "the other symbol keeps its generated path");
    let c = Client::new(&sim);
    let price: Decimal = dec(&c.public("/api/v3/ticker/price", "symbol=BTCUSDT").await.body["price"]);
    assert_eq!(price, expected[11].close.get());
    let bad = mirai_exchange_sim::Args::try_parse_from([
        "exchange-sim",
        "--api-key",
        "k",
        "--api-secret",
        "s",
        "--data",
        "BTCUSDT=/nonexistent/bars.csv",
    ])
    .unwrap();
    let err = mirai_exchange_sim::serve(bad.to_config().unwrap()).await.unwrap_err().to_string();
    assert!(err.contains("BTCUSDT") && err.contains("/nonexistent/bars.csv"), "{err}");
    sim.stop().await;
}
