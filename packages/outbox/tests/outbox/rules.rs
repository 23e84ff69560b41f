//! The shipping rules, against an in-memory sink: order, retries that never duplicate,
//! isolating and parking a refused record, holding everything when the destination is at fault,
//! and the status the worker shows.

use std::sync::Arc;
use std::time::Duration;

use mirai_core::AnalyticsRecord;
use mirai_outbox::{Backoff, OutboxTopic, Shipper, ShipperConfig, StatusSource, Step};

use crate::helpers::{Behaviour, MemorySink, store_with_outbox, trade};

fn config(batch_size: usize) -> ShipperConfig {
    ShipperConfig {
        batch_size,
        poll_interval: Duration::from_millis(10),
        backoff: Backoff::new(Duration::from_millis(10), Duration::from_millis(40)),
        ship_timeout: Duration::from_secs(5),
    }
}

#[tokio::test]
async fn ships_in_order_in_batches_and_empties_the_queue() {
    let store = store_with_outbox(&[OutboxTopic::Analytics]);
    let written: usize = (0..10).map(|i| trade(&store, i)).sum();
    let sink = MemorySink::new(OutboxTopic::Analytics);
    let shipper = Shipper::new(store.clone(), sink.clone(), config(32));

    let mut steps = 0;
    while let Step::Shipped { .. } = shipper.ship_once().await.unwrap() {
        steps += 1;
    }
    assert_eq!(steps, written.div_ceil(32));
    assert_eq!(sink.delivered().len(), written);
    assert!(matches!(sink.delivered()[0], AnalyticsRecord::Decision(_)));
    let s = shipper.status();
    assert_eq!(
        (s.pending, s.parked, s.shipped, s.lag_ms, s.consecutive_failures),
        (0, 0, written as u64, 0, 0)
    );
    assert!(s.last_shipped_at.is_some() && s.last_error.is_none());
}

#[tokio::test]
async fn an_unavailable_destination_keeps_everything_queued_and_retries_without_duplicates() {
    let store = store_with_outbox(&[OutboxTopic::Analytics]);
    let written: usize = (0..3).map(|i| trade(&store, i)).sum();
    let sink = MemorySink::new(OutboxTopic::Analytics);
    sink.set(Behaviour::Unavailable(2));
    let shipper = Shipper::new(store.clone(), sink.clone(), config(500));

    for failures in 1..=2 {
        let step = shipper.ship_once().await.unwrap();
        assert!(matches!(&step, Step::Failed { shipped: 0, error } if error.retryable), "{step:?}");
        let s = shipper.status();
        assert_eq!((s.pending, s.consecutive_failures), (written as u64, failures));
        assert_eq!(s.last_error.as_deref(), Some("connection refused"));
        assert!(s.retry_in_ms.is_some());
    }
    assert_eq!(store.outbox_next(OutboxTopic::Analytics, 1).unwrap()[0].attempts, 2);
    assert_eq!(shipper.ship_once().await.unwrap(), Step::Shipped { shipped: written, parked: 0 });
    assert_eq!(sink.delivered().len(), written, "every record exactly once");
    assert_eq!(shipper.status().consecutive_failures, 0);
}

#[tokio::test]
async fn a_refused_record_is_isolated_and_parked_while_the_rest_ships() {
    let store = store_with_outbox(&[OutboxTopic::Analytics]);
    let written: usize = (0..8).map(|i| trade(&store, i)).sum();
    let sink = MemorySink::new(OutboxTopic::Analytics);
    sink.set(Behaviour::RefuseTrade("paper-5".into()));
    let shipper = Shipper::new(store.clone(), sink.clone(), config(500));

    assert_eq!(shipper.ship_once().await.unwrap(), Step::Shipped { shipped: written - 1, parked: 1 });
    let delivered = sink.delivered();
    assert_eq!(delivered.len(), written - 1);
    assert!(
        !delivered
            .iter()
            .any(|r| matches!(r, AnalyticsRecord::Fill(f) if f.fill.trade_id.as_str() == "paper-5"))
    );
    // Splitting in halves finds it in about log2(n) rounds, not n.
    assert!(sink.calls() < 20, "{} deliveries", sink.calls());
    let s = shipper.status();
    assert_eq!((s.pending, s.parked), (0, 1));
    assert_eq!(s.last_error.as_deref(), Some("bad value in trade paper-5"));

    // After a fix, an operator puts it back in line and it ships.
    sink.set(Behaviour::Accept);
    assert_eq!(store.outbox_unpark(OutboxTopic::Analytics).unwrap(), 1);
    assert_eq!(shipper.ship_once().await.unwrap(), Step::Shipped { shipped: 1, parked: 0 });
    assert_eq!(sink.delivered().len(), written);
}

#[tokio::test]
async fn when_the_destination_refuses_everything_nothing_is_parked() {
    let store = store_with_outbox(&[OutboxTopic::Analytics]);
    let written: usize = (0..2).map(|i| trade(&store, i)).sum();
    let sink = MemorySink::new(OutboxTopic::Analytics);
    sink.set(Behaviour::RefuseAll);
    let shipper = Shipper::new(store.clone(), sink.clone(), config(500));

    let step = shipper.ship_once().await.unwrap();
    assert!(matches!(&step, Step::Failed { shipped: 0, error } if !error.retryable), "{step:?}");
    let s = shipper.status();
    assert_eq!((s.pending, s.parked, s.consecutive_failures), (written as u64, 0, 1));
    assert_eq!(s.last_error.as_deref(), Some("permission denied on table FILLS"));

    sink.set(Behaviour::Accept);
    assert_eq!(shipper.ship_once().await.unwrap(), Step::Shipped { shipped: written, parked: 0 });
}

#[tokio::test]
async fn the_background_task_ships_new_records_and_stops_on_request() {
    let store = store_with_outbox(&[OutboxTopic::Analytics]);
    let sink = MemorySink::new(OutboxTopic::Analytics);
    sink.set(Behaviour::Unavailable(3));
    let shipper = Arc::new(Shipper::new(store.clone(), sink.clone(), config(4)));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(shipper.clone().run(stopped));

    let mut written = 0;
    for i in 0..5 {
        written += trade(&store, i);
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while shipper.status().pending > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(sink.delivered().len(), written);
    stop.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(2), task).await.unwrap().unwrap();
}

#[tokio::test]
async fn drain_ships_the_whole_queue_before_a_stop() {
    let store = store_with_outbox(&[OutboxTopic::Analytics]);
    let written: usize = (0..10).map(|i| trade(&store, i)).sum();
    let sink = MemorySink::new(OutboxTopic::Analytics);
    // Batches of 4: the whole queue takes several deliveries, all made by one drain.
    let shipper = Shipper::new(store.clone(), sink.clone(), config(4));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    assert_eq!(shipper.drain(deadline).await, written);
    assert_eq!(sink.delivered().len(), written);
    assert_eq!(shipper.status().pending, 0);
}

#[tokio::test]
async fn drain_gives_up_on_a_failing_or_hanging_destination_and_keeps_the_queue() {
    let store = store_with_outbox(&[OutboxTopic::Analytics]);
    let written: usize = (0..3).map(|i| trade(&store, i)).sum();
    let sink = MemorySink::new(OutboxTopic::Analytics);
    let shipper = Shipper::new(store.clone(), sink.clone(), config(500));

    // A failure ends the flush at once, well before the deadline.
    sink.set(Behaviour::Unavailable(100));
    let started = std::time::Instant::now();
    assert_eq!(shipper.drain(tokio::time::Instant::now() + Duration::from_secs(30)).await, 0);
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    assert_eq!(shipper.status().pending, written as u64);

    // A destination that never answers is cut off at the deadline; nothing is lost.
    sink.set(Behaviour::Hang);
    let started = std::time::Instant::now();
    assert_eq!(shipper.drain(tokio::time::Instant::now() + Duration::from_millis(300)).await, 0);
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(300) && took < Duration::from_secs(3), "{took:?}");
    assert_eq!(shipper.status().pending, written as u64);
    sink.set(Behaviour::Accept);
    assert_eq!(shipper.drain(tokio::time::Instant::now() + Duration::from_secs(5)).await, written);
}
