//! The user-data stream over the WebSocket API: subscription with a signature, execution reports
//! with fills valued in the quote asset, re-subscription after a reconnect.

use std::collections::HashMap;
use std::time::Duration;

use mirai_binance::{Credential, NewOrder, UserDataConfig, UserDataEvent, UserDataStream};
use mirai_core::{Asset, OrderStatus, Qty, Side, Symbol};
use rust_decimal_macros::dec;

use crate::support::{KEY, SECRET, client, sim};

async fn next(s: &mut UserDataStream) -> UserDataEvent {
    tokio::time::timeout(Duration::from_secs(5), s.next()).await.expect("an event in time").expect("open")
}

#[tokio::test]
async fn execution_reports_arrive_with_their_fills() {
    let sim = sim(|_| {}).await;
    let c = client(&sim);
    let btc = Symbol::new("BTCUSDT");
    let assets = HashMap::from([(btc, (Asset::new("BTC"), Asset::new("USDT")))]);
    let ws_api = format!("{}/ws-api/v3", sim.base_url().replace("http://", "ws://"));
    let cred = std::sync::Arc::new(Credential::hmac(KEY, SECRET).unwrap());
    let mut s = UserDataStream::spawn(UserDataConfig::new(ws_api, assets), cred, c.clock().clone());
    assert!(matches!(next(&mut s).await, UserDataEvent::Subscribed { resubscribed: false, .. }));
    let placed = c.new_order(&NewOrder::market(btc, Side::Buy, Qty::new(dec!(0.003)))).await.unwrap();
    let UserDataEvent::Order(new) = next(&mut s).await else { panic!("order event") };
    assert_eq!(
        (new.execution_type.as_str(), new.status, new.exchange_order_id),
        ("NEW", OrderStatus::New, placed.order_id)
    );
    let UserDataEvent::Order(trade) = next(&mut s).await else { panic!("order event") };
    let fill = trade.fill.clone().expect("a TRADE carries its fill");
    assert_eq!((trade.status, fill.qty.get(), fill.side), (OrderStatus::Filled, dec!(0.003), Side::Buy));
    assert_eq!(fill.trade_id.as_str(), placed.fills[0].trade_id.to_string());
    assert_eq!(fill.fee.get(), placed.fills[0].commission, "USDT commission, already in the quote asset");
    s.stop().await;
    sim.stop().await;
}

#[tokio::test]
async fn a_wrong_secret_is_refused_and_reported() {
    let sim = sim(|_| {}).await;
    let ws_api = format!("{}/ws-api/v3", sim.base_url().replace("http://", "ws://"));
    let cred = std::sync::Arc::new(Credential::hmac(KEY, "wrong").unwrap());
    let mut s = UserDataStream::spawn(UserDataConfig::new(ws_api, HashMap::new()), cred, Default::default());
    let UserDataEvent::Disconnected { reason, .. } = next(&mut s).await else { panic!("refusal") };
    assert!(reason.contains("-1022"), "{reason}");
    assert!(!reason.contains("wrong"));
    s.stop().await;
    sim.stop().await;
}
