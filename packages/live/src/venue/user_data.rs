//! The user-data pump: the WebSocket API's execution reports as fills and order closures for the
//! trading task. Binance does not replay events missed while disconnected, so every
//! re-subscription asks the trader to resynchronise its open orders by query.

use std::collections::HashMap;

use mirai_binance::{UserDataConfig, UserDataEvent, UserDataStream};
use mirai_core::{ExecutionReport, Fill};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::connect::BinanceVenue;

/// What the trading task should apply. Fills may also have arrived in an order's own response:
/// the trader must book each trade id once (the store's `record_fill` already refuses repeats,
/// but the engine must be skipped for them too).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VenueUpdate {
    Fill(Fill),
    /// The order is no longer open (filled, cancelled, expired, rejected).
    Closed(ExecutionReport),
    /// Subscribed (again): query the locally open orders for anything missed before this point.
    Resync,
    Disconnected(String),
}

pub fn spawn_user_data(venue: &BinanceVenue, tx: mpsc::Sender<VenueUpdate>) -> JoinHandle<()> {
    let assets: HashMap<_, _> = venue.rules.iter().map(|r| (r.symbol, (r.base, r.quote))).collect();
    let mut config = UserDataConfig::new(venue.endpoints.ws_api.clone(), assets);
    config.recv_window_ms = venue.client.config().recv_window_ms;
    let stream = UserDataStream::spawn(config, venue.credential.clone(), venue.client.clock().clone());
    tokio::spawn(pump(stream, tx))
}

async fn pump(mut stream: UserDataStream, tx: mpsc::Sender<VenueUpdate>) {
    while let Some(event) = stream.next().await {
        let updates = match event {
            // Also on the first subscription: orders may have moved between reconciliation and now.
            UserDataEvent::Subscribed { resubscribed, .. } => {
                if resubscribed {
                    super::reconnects::user_data_resubscribed();
                }
                vec![VenueUpdate::Resync]
            }
            UserDataEvent::Disconnected { reason, .. } => vec![VenueUpdate::Disconnected(reason)],
            UserDataEvent::Order(u) => {
                let mut v: Vec<VenueUpdate> = u.fill.clone().into_iter().map(VenueUpdate::Fill).collect();
                if !u.status.is_open() {
                    v.push(VenueUpdate::Closed(u.report()));
                }
                v
            }
            UserDataEvent::Other(_) => Vec::new(),
        };
        for u in updates {
            if tx.send(u).await.is_err() {
                stream.stop().await;
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use mirai_binance::NewOrder;
    use mirai_core::{OrderStatus, Qty, Side, Symbol};
    use rust_decimal_macros::dec;

    use super::*;
    use crate::venue::test_support::{sim, venue};

    #[tokio::test]
    async fn fills_and_closures_reach_the_trader() {
        let sim = sim(|_| {}).await;
        let venue = venue(&sim).await;
        let (tx, mut rx) = mpsc::channel(64);
        let pump = spawn_user_data(&venue, tx);
        let mut next =
            async || tokio::time::timeout(Duration::from_secs(5), rx.recv()).await.unwrap().unwrap();
        assert_eq!(next().await, VenueUpdate::Resync, "subscribed");
        let placed = venue
            .client
            .new_order(&NewOrder::market(Symbol::new("ETHUSDT"), Side::Sell, Qty::new(dec!(0.5))))
            .await
            .unwrap();
        let VenueUpdate::Fill(fill) = next().await else { panic!("a fill first") };
        assert_eq!(
            (fill.qty.get(), fill.side, fill.trade_id.as_str().to_owned()),
            (dec!(0.5), Side::Sell, placed.fills[0].trade_id.to_string())
        );
        let VenueUpdate::Closed(report) = next().await else { panic!("then the closure") };
        assert_eq!((report.status, report.exchange_order_id), (OrderStatus::Filled, placed.order_id));
        drop(rx);
        pump.abort();
        sim.stop().await;
    }
}
