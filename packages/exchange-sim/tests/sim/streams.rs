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
