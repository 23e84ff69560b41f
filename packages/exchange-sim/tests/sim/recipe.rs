//! The README's simulator recipe, read from the README itself and run with its settings: the
//! market moves within seconds (the open candle, trades and book tickers every 2 s of market time,
//! bars closing every few seconds of real time), the account is the worker's, and a resting order
//! fills. The test holds the clock (`SimHandle::advance_time`) instead of waiting for it, and
//! converts market time to real time with the recipe's speed.

use std::time::Duration;

use clap::Parser as _;
use futures_util::StreamExt as _;
use mirai_core::Decimal;
use mirai_exchange_sim::{Args, SimSecret, serve};
use reqwest::Method;
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;

use crate::support::{Client, KEY, SECRET};

/// The `exchange-sim` command line of the README's recipe, on a free port.
fn readme_recipe() -> Args {
    let readme = include_str!("../../../../README.md");
    let line = readme
        .lines()
        .find(|l| l.contains("cargo run --release -- exchange-sim "))
        .unwrap_or_else(|| panic!("the README has an exchange-sim recipe"));
    let command = line.split(" #").next().unwrap_or(line);
    let mut words: Vec<String> =
        command.split_whitespace().skip_while(|w| *w != "--").skip(1).map(str::to_owned).collect();
    if let Some(i) = words.iter().position(|w| w == "--listen") {
        words[i + 1] = "127.0.0.1:0".to_owned();
    }
    Args::try_parse_from(&words).unwrap_or_else(|e| panic!("the README's recipe parses: {e}"))
}

fn dec(v: &Value) -> Decimal {
    v.as_str().and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("a decimal string: {v}"))
}

#[tokio::test]
async fn the_readme_recipe_moves_and_fills_within_seconds() {
    let args = readme_recipe();
    let mut config = args.to_config().unwrap_or_else(|e| panic!("{e}"));
    let every = config.bar_every.unwrap_or_else(|| panic!("the recipe runs on the clock"));
    assert!(every <= Duration::from_secs(5), "bars close every few seconds, not every {every:?}");
    let speed = config.speed().unwrap_or_else(|| panic!("a speed"));
    assert_eq!(config.updates_per_bar(), 30, "the open candle every 2 s of market time");
    // The recipe's market with the test holding its clock, and the test's own key.
    config.bar_every = None;
    config.api_key = KEY.to_owned();
    config.api_secret = SimSecret::new(SECRET);
    let sim = serve(config).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sim.updates_per_bar(), 30, "the same market as on the clock");
    let zero = (Decimal::ZERO, Decimal::ZERO);
    assert_eq!(
        sim.balance("USDT"),
        Some((Decimal::from(10_000), Decimal::ZERO)),
        "the worker's STARTING_CASH"
    );
    assert_eq!((sim.balance("BTC"), sim.balance("ETH")), (Some(zero), Some(zero)), "and no coins");

    let url = format!("ws://{}/stream?streams=btcusdt@kline_1m/btcusdt@trade", sim.addr());
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap_or_else(|e| panic!("{e}"));
    let c = Client::new(&sim);
    let book = c.public("/api/v3/ticker/bookTicker", "symbol=BTCUSDT").await;
    let bid = dec(&book.body["bidPrice"]);
    let placed = c
        .signed(
            Method::POST,
            "/api/v3/order",
            &format!("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price={bid}&newClientOrderId=recipe-1"),
        )
        .await;
    assert_eq!(placed.body["status"], "NEW", "rests at the best bid: {}", placed.body);

    let start = sim.market_time();
    sim.advance_time(Duration::from_secs(2));
    let first = next_json(&mut ws).await;
    assert_eq!(
        (first["data"]["e"].as_str(), first["data"]["k"]["x"].as_bool()),
        (Some("kline"), Some(false)),
        "the open candle 2 s of market time after subscribing: {first}"
    );
    let trade = next_json(&mut ws).await;
    assert_eq!(trade["data"]["e"], "trade", "and a trade with it");

    let mut filled_after = None;
    for _ in 0..60 {
        let q = c.signed(Method::GET, "/api/v3/order", "symbol=BTCUSDT&origClientOrderId=recipe-1").await;
        if q.body["status"] == "FILLED" {
            filled_after = Some(sim.market_time().since(start));
            break;
        }
        sim.advance_time(Duration::from_secs(2));
    }
    let waited = filled_after.unwrap_or_else(|| panic!("no fill within 2 minutes of market time"));
    let real_ms = waited as f64 / speed;
    assert!(waited <= 60_000, "a fill within a minute of market time, not {waited} ms");
    assert!(real_ms <= 3_000.0, "within 3 s of real time at the recipe's speed, not {real_ms} ms");
    eprintln!(
        "the recipe's first fill: {waited} ms of market time, {real_ms:.0} ms of real time at {speed}x"
    );
    let (btc, _) = sim.balance("BTC").unwrap_or_default();
    assert_eq!(btc, Decimal::new(1, 3));
    sim.stop().await;
}

async fn next_json<S>(ws: &mut S) -> Value
where
    S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .unwrap_or_else(|_| panic!("a frame within 5 s"))
            .unwrap_or_else(|| panic!("the stream is open"))
            .unwrap_or_else(|e| panic!("{e}"));
        if let Message::Text(t) = msg {
            return serde_json::from_str(t.as_str()).unwrap_or_else(|e| panic!("{e}"));
        }
    }
}
