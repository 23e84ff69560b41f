//! The outage: Snowflake (a fakesnow process of this test's own) is killed while the worker keeps
//! trading, and started again later on the same port over the same data folder. Every record
//! arrives exactly once, and the status showed the backlog and the failures meanwhile.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use mirai_outbox::{AnalyticsSink, Backoff, OutboxTopic, Shipper, ShipperConfig, StatusSource};
use mirai_store_snowflake::fakesnow_compat;
use mirai_testkit::{Kind, Service};
use tokio::time::{Instant, sleep};

use crate::helpers::{store_with_outbox, trade};
use crate::snowflake::assert_same_as_local;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_record_arrives_exactly_once_across_an_outage() {
    let data = tempfile::tempdir().unwrap();
    let mut server = Service::start_in(Kind::Fakesnow, data.path()).unwrap();
    let port = server.port();
    let mut settings = fakesnow_compat::settings(&server.url(), "OUTAGE");
    settings.request_timeout = Duration::from_secs(3);
    let snow = Arc::new(fakesnow_compat::connect_persistent(settings, data.path()).await.unwrap());

    let store = store_with_outbox(&[OutboxTopic::Analytics]);
    let config = ShipperConfig {
        batch_size: 250,
        poll_interval: Duration::from_millis(20),
        backoff: Backoff::new(Duration::from_millis(50), Duration::from_millis(300)),
        ship_timeout: Duration::from_secs(5),
    };
    let shipper =
        Arc::new(Shipper::new(store.clone(), AnalyticsSink::new(snow.clone(), "snowflake"), config));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let shipping = tokio::spawn(shipper.clone().run(stopped));

    // The worker trades on, whatever happens to Snowflake.
    let outage = Arc::new(AtomicBool::new(false));
    let trading = {
        let (store, outage) = (store.clone(), outage.clone());
        tokio::spawn(async move {
            let mut written_during_outage = 0;
            for i in 0..40 {
                let n = trade(&store, i);
                if outage.load(Ordering::SeqCst) {
                    written_during_outage += n;
                }
                sleep(Duration::from_millis(15)).await;
            }
            written_during_outage
        })
    };

    sleep(Duration::from_millis(250)).await;
    server.stop();
    outage.store(true, Ordering::SeqCst);
    // Long enough for several failed attempts and a visible backlog.
    let deadline = Instant::now() + Duration::from_secs(5);
    let during = loop {
        let s = shipper.status();
        if s.consecutive_failures >= 2 && s.pending > 0 || Instant::now() > deadline {
            break s;
        }
        sleep(Duration::from_millis(20)).await;
    };
    assert!(during.consecutive_failures >= 2, "{during:?}");
    assert!(during.pending > 0 && during.lag_ms > 0, "{during:?}");
    assert!(during.last_error.is_some(), "{during:?}");

    let _server = Service::start_on(Kind::Fakesnow, data.path(), port).unwrap();
    outage.store(false, Ordering::SeqCst);
    let written_during_outage = trading.await.unwrap();
    assert!(written_during_outage > 0, "the outage must overlap trading");

    let deadline = Instant::now() + Duration::from_secs(20);
    while shipper.status().pending > 0 && Instant::now() < deadline {
        sleep(Duration::from_millis(50)).await;
    }
    let after = shipper.status();
    assert_eq!((after.pending, after.parked, after.consecutive_failures), (0, 0, 0), "{after:?}");
    stop.send(true).unwrap();
    shipping.await.unwrap();

    assert_same_as_local(&snow, &store).await;
}
