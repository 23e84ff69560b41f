//! The market streams and the user-data socket cut while the binary trades. Bars made while the
//! market streams are down come from REST when they return, every one (the worker's last bar is
//! the venue's, and its log counts exactly the bars missed); a fill only the user-data socket
//! would have reported (an order of ours filled elsewhere while it was down) is booked once it is
//! back; and the ledger still equals the account.

use std::time::Duration;

use mirai_binance::NewOrder;
use mirai_core::{OrderKind, OrderStatus, Side, Symbol};
use rust_decimal_macros::dec;

use super::*;
use crate::binance::{BTC, operator, request};
use crate::proxy::Proxy;

/// Waits until the worker has traded on the venue's last bar of both symbols.
async fn caught_up(data: &Path, sim: &SimHandle, secs: u64) {
    eventually(secs, async || {
        for s in [BTC, "ETHUSDT"] {
            let venue = sim.candles(Symbol::new(s)).last().map(|c| c.open_time.millis());
            let worker = last_bar(data, s);
            if worker != venue {
                return Err(format!("{s}: the worker's last bar {worker:?}, the venue's {venue:?}"));
            }
        }
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cut_market_and_user_data_sockets_lose_no_bar_and_no_fill() {
    const TEST: &str = "sockets";
    let (cuts, missed, user_data_down) =
        if long_form() { (5, 120, Duration::from_secs(10)) } else { (1, 7, Duration::from_secs(1)) };
    let sim = stepped_sim(|_| {}).await;
    let ws_api = Proxy::start(sim.addr()).await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let extra = [("BINANCE_WS_API_URL".to_owned(), format!("ws://{}/ws-api/v3", ws_api.addr()))];
    let w = Worker::start(dir.path(), &worker_vars(&data, &sim, &extra)).await;
    let op = operator(&sim).await;
    let mut pump = BarPump::start(&sim, Duration::from_millis(10));
    eventually(90, async || if ledger_fills(&data) >= 2 { Ok(()) } else { Err("two fills".to_owned()) })
        .await;

    let mut bars = 0;
    for cycle in 0..cuts {
        // The market streams: cut at a known bar, `missed` bars made while down, then back.
        bars += pump.stop().await;
        caught_up(&data, &sim, 30).await;
        let connections = sim.stream_connections();
        sim.set_streams_up(false);
        sim.advance(missed);
        bars += missed as u64;
        tokio::time::sleep(Duration::from_millis(300)).await;
        sim.set_streams_up(true);
        eventually(60, async || {
            if sim.stream_connections() > connections { Ok(()) } else { Err("reconnected".to_owned()) }
        })
        .await;
        caught_up(&data, &sim, 60).await;

        // The user-data socket: while it is down, trading goes on (orders answer for themselves)
        // and an order of ours fills that only the socket would have told the worker about.
        pump = BarPump::start(&sim, Duration::from_millis(10));
        ws_api.set_up(false);
        let ours = request(&format!("ud-{cycle}"), Side::Buy, dec!(0.001), OrderKind::Market);
        LocalStore::open(&data).unwrap().insert_order(&ours, OrderStatus::New).unwrap();
        let placed = op.client.new_order(&NewOrder::from_request(&ours)).await.expect("the operator's order");
        let trade = placed.fills[0].trade_id.to_string();
        tokio::time::sleep(user_data_down).await;
        ws_api.set_up(true);
        eventually(60, async || {
            let store = LocalStore::open(&data).map_err(|e| e.to_string())?;
            let booked =
                store.all_fills().map_err(|e| e.to_string())?.iter().any(|f| f.trade_id.as_str() == trade);
            let closed = store
                .order(&ours.client_order_id)
                .map_err(|e| e.to_string())?
                .is_some_and(|o| o.status == OrderStatus::Filled);
            if booked && closed {
                Ok(())
            } else {
                Err(format!("trade {trade} booked after the socket returned"))
            }
        })
        .await;
    }

    bars += pump.stop().await;
    w.control("pause").await;
    let books = assert_ledger_is_the_account(&data, &sim).await;
    assert_dashboard_is_the_account(&w, &sim).await;
    let logs = w.kill();
    for symbol in [BTC, "ETHUSDT"] {
        let filled = logs
            .lines()
            .filter(|l| {
                l.contains("missing bars filled from REST")
                    && l.contains(&format!("symbol={symbol}"))
                    && l.contains(&format!("bars={missed}"))
            })
            .count();
        assert_eq!(filled, cuts, "{symbol}: each cut's {missed} bars fetched on reconnect:\n{logs}");
    }
    figure(
        TEST,
        format!(
            "{cuts} market cuts of {missed} bars each, all filled from REST; {cuts} user-data cuts of {:.0} s, \
             the fill only it would report booked each time; venue {} orders, {} fills, duplicates 0, \
             lost 0; {bars} bars",
            user_data_down.as_secs_f64(),
            books.orders,
            books.fills
        ),
    );
}
