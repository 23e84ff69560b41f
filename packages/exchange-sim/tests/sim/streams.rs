//! Market streams: raw and combined frames, server pings, live SUBSCRIBE, and cutting streams.

use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;

use crate::support::start;

async fn next_text<S>(ws: &mut S) -> Value
where
    S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .expect("a frame")
            .expect("open")
            .expect("ok");
        if let Message::Text(t) = msg {
            return serde_json::from_str(t.as_str()).expect("JSON frames");
        }
    }
}

#[tokio::test]
async fn combined_streams_wrap_klines_and_book_tickers_and_the_server_pings() {
    let sim = start(|c| c.ping_every = Duration::from_millis(100)).await;
    let url = format!("ws://{}/stream?streams=btcusdt@kline_1m/btcusdt@bookTicker", sim.addr());
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    let bars = sim.advance(1);
    let kline = next_text(&mut ws).await;
    assert_eq!(kline["stream"], "btcusdt@kline_1m");
    assert_eq!(kline["data"]["e"], "kline");
    assert_eq!(kline["data"]["k"]["x"], true);
    assert_eq!(kline["data"]["k"]["t"].as_i64().unwrap(), bars[0].open_time.millis());
    let book = next_text(&mut ws).await;
    assert_eq!(book["stream"], "btcusdt@bookTicker");
    assert!(book["data"]["b"].is_string() && book["data"].get("e").is_none());
    let ping = tokio::time::timeout(Duration::from_secs(2), async {
        loop {
            if let Some(Ok(Message::Ping(_))) = ws.next().await {
                return;
            }
        }
    })
    .await;
    assert!(ping.is_ok(), "the server pings");
    sim.stop().await;
}

#[tokio::test]
async fn raw_streams_take_live_subscriptions_and_can_be_cut() {
    let sim = start(|_| {}).await;
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{}/ws", sim.addr())).await.unwrap();
    ws.send(Message::text(r#"{"method":"SUBSCRIBE","params":["ethusdt@trade"],"id":7}"#)).await.unwrap();
    assert_eq!(next_text(&mut ws).await, serde_json::json!({"result": null, "id": 7}));
    sim.advance(1);
    let trade = next_text(&mut ws).await;
    assert_eq!((trade["e"].as_str(), trade["s"].as_str()), (Some("trade"), Some("ETHUSDT")));
    sim.set_streams_up(false);
    let end = tokio::time::timeout(Duration::from_secs(2), async {
        loop {
            match ws.next().await {
                None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            }
        }
    })
    .await;
    assert!(end.is_ok(), "the connection is cut");
    assert!(
        tokio_tungstenite::connect_async(format!("ws://{}/ws/btcusdt@trade", sim.addr())).await.is_err(),
        "refused while down"
    );
    sim.set_streams_up(true);
    assert!(tokio_tungstenite::connect_async(format!("ws://{}/ws/btcusdt@trade", sim.addr())).await.is_ok());
    sim.stop().await;
}

#[tokio::test]
async fn the_open_candle_trades_and_book_move_every_two_seconds_of_market_time() {
    let sim = start(|_| {}).await;
    let url = format!("ws://{}/stream?streams=btcusdt@kline_1m/btcusdt@trade/btcusdt@bookTicker", sim.addr());
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    let start = sim.market_time();
    let closed = sim.advance_time(Duration::from_secs(60));
    assert_eq!(sim.market_time().since(start), 60_000, "30 updates; the last closed the bar, the next opens");
    assert_eq!(closed.len(), 2, "one bar per symbol closed");
    let (mut klines, mut trades, mut books) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..90 {
        let frame = next_text(&mut ws).await;
        match frame["stream"].as_str() {
            Some("btcusdt@kline_1m") => klines.push(frame["data"]["k"].clone()),
            Some("btcusdt@trade") => trades.push(frame["data"].clone()),
            _ => books.push(frame["data"].clone()),
        }
    }
    assert_eq!((klines.len(), trades.len(), books.len()), (30, 30, 30));
    assert!(klines[..29].iter().all(|k| k["x"] == false) && klines[29]["x"] == true);
    assert!(klines.iter().all(|k| k["t"] == klines[0]["t"]), "one bar forming");
    let closed_btc = closed.iter().find(|c| c.symbol.as_str() == "BTCUSDT").unwrap();
    assert_eq!(
        klines[29]["c"].as_str().unwrap().parse::<rust_decimal::Decimal>().unwrap(),
        closed_btc.close.get()
    );
    for i in 0..30 {
        let (k, t, b) = (&klines[i], &trades[i], &books[i]);
        assert_eq!(k["n"].as_i64().unwrap(), i as i64 + 1, "the bar's trades so far");
        assert_eq!(k["L"], t["t"], "the kline's last trade is the trade just pushed");
        assert_eq!(k["c"], t["p"], "the candle closes at the last trade");
        assert_eq!(b["u"].as_i64(), t["t"].as_i64(), "the book moved with the trade");
        let taker_sold = t["m"] == true;
        assert_eq!(if taker_sold { &b["b"] } else { &b["a"] }, &t["p"], "the trade took the best price");
        if i > 0 {
            assert_eq!(
                t["t"].as_i64().unwrap(),
                trades[i - 1]["t"].as_i64().unwrap() + 1,
                "trade ids in a row"
            );
            assert!(b["u"].as_i64() > books[i - 1]["u"].as_i64(), "update ids grow");
        }
    }
    let rest = crate::support::Client::new(&sim);
    let rows = rest.public("/api/v3/klines", "symbol=BTCUSDT&interval=1m&limit=1").await;
    let row = &rows.body[0];
    assert_eq!(
        (row[0].as_i64(), &row[4], row[8].as_i64()),
        (klines[29]["t"].as_i64(), &klines[29]["c"], Some(30))
    );
    // Subscribing mid-bar: the open candle comes at the next update, 2 s of market time later.
    let (mut late, _) =
        tokio_tungstenite::connect_async(format!("ws://{}/ws/ethusdt@kline_1m", sim.addr())).await.unwrap();
    sim.advance_time(Duration::from_secs(2));
    let k = next_text(&mut late).await;
    assert_eq!(
        (k["k"]["x"].as_bool(), k["k"]["n"].as_i64(), k["s"].as_str()),
        (Some(false), Some(1), Some("ETHUSDT"))
    );
    sim.stop().await;
}
