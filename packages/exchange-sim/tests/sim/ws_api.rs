//! The WebSocket API: signed user-data subscription and executionReports for orders placed over
//! REST, and order placement over the socket itself.

use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use reqwest::Method;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::support::{Client, KEY, now_ms, sign, start};

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn next_json(ws: &mut Ws) -> Value {
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

/// Signed params: every field but the signature, sorted, unencoded.
fn signed(mut params: Vec<(&str, Value)>) -> Value {
    params.push(("apiKey", json!(KEY)));
    params.push(("timestamp", json!(now_ms())));
    params.sort_by(|a, b| a.0.cmp(b.0));
    let payload: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{k}={}", v.as_str().map_or(v.to_string(), str::to_owned)))
        .collect();
    let mut obj: serde_json::Map<String, Value> =
        params.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    obj.insert("signature".into(), json!(sign(&payload.join("&"))));
    Value::Object(obj)
}

#[tokio::test]
async fn user_data_subscription_pushes_execution_reports() {
    let sim = start(|_| {}).await;
    let (mut ws, _) =
        tokio_tungstenite::connect_async(format!("ws://{}/ws-api/v3", sim.addr())).await.unwrap();
    let mut bad = signed(vec![]);
    bad["signature"] = json!("00");
    ws.send(Message::text(
        json!({"id": "x", "method": "userDataStream.subscribe.signature", "params": bad}).to_string(),
    ))
    .await
    .unwrap();
    let refused = next_json(&mut ws).await;
    assert_eq!((refused["status"].as_u64(), refused["error"]["code"].as_i64()), (Some(400), Some(-1022)));
    ws.send(Message::text(
        json!({"id": "s1", "method": "userDataStream.subscribe.signature", "params": signed(vec![])})
            .to_string(),
    ))
    .await
    .unwrap();
    let ok = next_json(&mut ws).await;
    assert_eq!(
        (ok["id"].as_str(), ok["status"].as_u64(), ok["result"]["subscriptionId"].as_u64()),
        (Some("s1"), Some(200), Some(0))
    );
    assert!(ok["rateLimits"][0]["count"].as_u64().unwrap() > 0);
    let c = Client::new(&sim);
    let placed = c
        .signed(
            Method::POST,
            "/api/v3/order",
            "symbol=BTCUSDT&side=SELL&type=MARKET&quantity=0.01&newClientOrderId=uds-1",
        )
        .await;
    assert_eq!(placed.body["status"], "FILLED");
    let new = next_json(&mut ws).await;
    assert_eq!(
        (new["subscriptionId"].as_u64(), new["event"]["e"].as_str(), new["event"]["x"].as_str()),
        (Some(0), Some("executionReport"), Some("NEW"))
    );
    let trade = next_json(&mut ws).await;
    let e = &trade["event"];
    assert_eq!(
        (e["x"].as_str(), e["X"].as_str(), e["c"].as_str(), e["l"].as_str()),
        (Some("TRADE"), Some("FILLED"), Some("uds-1"), Some("0.01000000"))
    );
    assert_eq!(e["t"].as_i64(), placed.body["fills"][0]["tradeId"].as_i64());
    assert_eq!(e["N"], "USDT");
    sim.stop().await;
}

#[tokio::test]
async fn orders_can_be_placed_queried_and_cancelled_over_the_socket() {
    let sim = start(|_| {}).await;
    let (mut ws, _) =
        tokio_tungstenite::connect_async(format!("ws://{}/ws-api/v3", sim.addr())).await.unwrap();
    let place = signed(vec![
        ("symbol", json!("ETHUSDT")),
        ("side", json!("BUY")),
        ("type", json!("LIMIT")),
        ("timeInForce", json!("GTC")),
        ("quantity", json!("0.1")),
        ("price", json!("100.00")),
        ("newClientOrderId", json!("ws-1")),
    ]);
    ws.send(Message::text(json!({"id": 1, "method": "order.place", "params": place}).to_string()))
        .await
        .unwrap();
    let r = next_json(&mut ws).await;
    assert_eq!((r["status"].as_u64(), r["result"]["status"].as_str()), (Some(200), Some("NEW")), "{r}");
    ws.send(Message::text(json!({"id": 2, "method": "order.status", "params": signed(vec![("symbol", json!("ETHUSDT")), ("origClientOrderId", json!("ws-1"))])}).to_string())).await.unwrap();
    assert_eq!(next_json(&mut ws).await["result"]["clientOrderId"], "ws-1");
    ws.send(Message::text(json!({"id": 3, "method": "order.cancel", "params": signed(vec![("symbol", json!("ETHUSDT")), ("origClientOrderId", json!("ws-1"))])}).to_string())).await.unwrap();
    assert_eq!(next_json(&mut ws).await["result"]["status"], "CANCELED");
    ws.send(Message::text(json!({"id": 4, "method": "time"}).to_string())).await.unwrap();
    assert!(next_json(&mut ws).await["result"]["serverTime"].as_i64().is_some());
    sim.stop().await;
}
