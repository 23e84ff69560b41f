//! Market streams against the simulator: events arrive, a cut connection is reported and
//! re-established with the backoff, connections rotate before their age limit, pings are
//! answered.

use std::time::Duration;

use mirai_binance::{KlineInterval, MarketStream, StreamConfig, StreamEvent};
use mirai_core::Symbol;

use crate::support::sim;

fn config(base: &str, streams: Vec<String>) -> StreamConfig {
    let mut c = StreamConfig::new(base, streams);
    c.backoff = mirai_binance::jittered_backoff(Duration::from_millis(20), Duration::from_millis(200));
    c
}

async fn next(s: &mut MarketStream) -> StreamEvent {
    tokio::time::timeout(Duration::from_secs(5), s.next())
        .await
        .expect("an event in time")
        .expect("stream open")
}

async fn wait_for(s: &mut MarketStream, want: impl Fn(&StreamEvent) -> bool) -> StreamEvent {
    loop {
        let e = next(s).await;
        if want(&e) {
            return e;
        }
    }
}

#[tokio::test]
async fn klines_trades_and_quotes_arrive_on_a_combined_stream() {
    let sim = sim(|c| c.ping_every = Duration::from_millis(50)).await;
    let btc = Symbol::new("BTCUSDT");
    let ws = sim.base_url().replace("http://", "ws://");
    let streams = vec![
        StreamConfig::kline(btc, KlineInterval::M1),
        StreamConfig::trade(btc),
        StreamConfig::book_ticker(btc),
    ];
    let mut s = MarketStream::spawn(config(&ws, streams));
    assert!(matches!(next(&mut s).await, StreamEvent::Connected { reconnect: false, .. }));
    // Pings come every 50 ms; an unanswered ping would not end the connection here, but the
    // handler answers each (covered by the connection staying up across them).
    tokio::time::sleep(Duration::from_millis(200)).await;
    let bars = sim.advance(1);
    let StreamEvent::Kline(k) = next(&mut s).await else { panic!("kline first") };
    assert_eq!(k, bars[0]);
    assert!(
        matches!(next(&mut s).await, StreamEvent::Trade(t) if t.symbol == btc && t.price == bars[0].close)
    );
    assert!(matches!(next(&mut s).await, StreamEvent::Quote(q) if q.bid < q.ask));
    s.stop().await;
    sim.stop().await;
}

#[tokio::test]
async fn a_cut_connection_is_reported_and_reconnected_with_backoff() {
    let sim = sim(|_| {}).await;
    let ws = sim.base_url().replace("http://", "ws://");
    let mut s = MarketStream::spawn(config(
        &ws,
        vec![StreamConfig::kline(Symbol::new("ETHUSDT"), KlineInterval::M1)],
    ));
    assert!(matches!(next(&mut s).await, StreamEvent::Connected { .. }));
    sim.set_streams_up(false);
    assert!(matches!(next(&mut s).await, StreamEvent::Disconnected { .. }));
    // While down, attempts are refused; they are not reported again.
    tokio::time::sleep(Duration::from_millis(300)).await;
    sim.set_streams_up(true);
    assert!(matches!(next(&mut s).await, StreamEvent::Connected { reconnect: true, .. }));
    let bars = sim.advance(1);
    let k = wait_for(&mut s, |e| matches!(e, StreamEvent::Kline(_))).await;
    assert_eq!(k, StreamEvent::Kline(bars[1]), "the ETHUSDT bar");
    assert!(sim.stream_connections() >= 2);
    s.stop().await;
    sim.stop().await;
}

#[tokio::test]
async fn connections_rotate_before_their_age_limit() {
    let sim = sim(|_| {}).await;
    let ws = sim.base_url().replace("http://", "ws://");
    let mut c = config(&ws, vec![StreamConfig::trade(Symbol::new("BTCUSDT"))]);
    c.max_age = Duration::from_millis(300);
    let mut s = MarketStream::spawn(c);
    assert!(matches!(next(&mut s).await, StreamEvent::Connected { reconnect: false, .. }));
    let StreamEvent::Disconnected { reason, .. } = next(&mut s).await else { panic!("rotation") };
    assert!(reason.contains("rotated"), "{reason}");
    assert!(matches!(next(&mut s).await, StreamEvent::Connected { reconnect: true, .. }));
    s.stop().await;
    sim.stop().await;
}
