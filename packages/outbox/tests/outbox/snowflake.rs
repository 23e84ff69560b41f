//! Delivery to a real fakesnow server: what the worker committed locally arrives exactly once,
//! exactly as stored, also when the process dies between delivery and acknowledgement, and when
//! it restarts half-way through the queue.

use std::sync::Arc;

use mirai_outbox::{AnalyticsSink, OutboxTopic, Shipper, ShipperConfig, Sink, StatusSource, Step};
use mirai_store_local::LocalStore;
use mirai_store_snowflake::{SnowflakeStore, TradeQuery, fakesnow_compat};

use crate::helpers::{fakesnow_url, fresh_db, scalar, trade};

async fn drain<S: Sink>(shipper: &Shipper<S>) {
    loop {
        match shipper.ship_once().await.expect("ship") {
            Step::Idle => break,
            Step::Shipped { parked: 0, .. } => {}
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn local_records_arrive_once_and_exact_across_a_crash_and_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let snow = Arc::new(
        fakesnow_compat::connect(fakesnow_compat::settings(&fakesnow_url(), &fresh_db("e2e"))).await.unwrap(),
    );
    let config = ShipperConfig { batch_size: 16, ..ShipperConfig::default() };

    let store = Arc::new(LocalStore::open(dir.path()).unwrap());
    store.enable_outbox(&[OutboxTopic::Analytics]).unwrap();
    let written: usize = (0..8).map(|i| trade(&store, i)).sum();
    let shipper = Shipper::new(store.clone(), AnalyticsSink::new(snow.clone(), "snowflake"), config.clone());

    // The process dies after Snowflake took a batch and before the outbox heard about it.
    let taken = store.outbox_next(OutboxTopic::Analytics, 16).unwrap();
    let records: Vec<_> = taken.iter().map(|e| e.record.clone()).collect();
    shipper.sink().ship(&records).await.unwrap();
    // ... and one more batch ships normally before it stops.
    assert!(matches!(shipper.ship_once().await.unwrap(), Step::Shipped { shipped: 16, parked: 0 }));
    drop(shipper);
    drop(store);

    // Restart: the same file, a new shipper; it resumes with what was not acknowledged.
    let store = Arc::new(LocalStore::open(dir.path()).unwrap());
    let shipper = Shipper::new(store.clone(), AnalyticsSink::new(snow.clone(), "snowflake"), config);
    assert_eq!(shipper.status().pending as usize, written - 16);
    drain(&shipper).await;
    assert_eq!(shipper.status().pending, 0);

    assert_same_as_local(&snow, &store).await;
}

/// Every table in Snowflake holds exactly the local rows: the same fills field by field, and one
/// row per decision, order (in its final state), snapshot, refusal and audit entry.
pub async fn assert_same_as_local(snow: &SnowflakeStore, local: &LocalStore) {
    let mut remote =
        snow.trades(&TradeQuery { limit: 1000, ..TradeQuery::default() }).await.expect("read").trades;
    let mut fills = local.all_fills().expect("read");
    let key = |f: &mirai_core::Fill| (f.ts, f.symbol, f.trade_id.as_str().to_owned());
    remote.sort_by_key(key);
    fills.sort_by_key(key);
    assert_eq!(remote, fills);

    let n = |v: usize| v.to_string();
    assert_eq!(
        scalar(snow, "SELECT TO_VARCHAR(COUNT(*)) FROM DECISIONS").await,
        n(local.decisions(usize::MAX).expect("read").len())
    );
    assert_eq!(
        scalar(snow, "SELECT TO_VARCHAR(COUNT(*)) FROM ORDERS").await,
        n(local.orders(usize::MAX).expect("read").len())
    );
    assert_eq!(scalar(snow, "SELECT TO_VARCHAR(COUNT(*)) FROM ORDERS WHERE STATUS <> 'FILLED'").await, "0");
    assert_eq!(
        scalar(snow, "SELECT TO_VARCHAR(COUNT(*)) FROM RISK_EVENTS").await,
        n(local.risk_events(usize::MAX).expect("read").len())
    );
    assert_eq!(
        scalar(snow, "SELECT TO_VARCHAR(COUNT(*)) FROM PNL_INTRADAY").await,
        n(local.pnl_since(mirai_core::Timestamp::from_millis(i64::MIN)).expect("read").len())
    );
    assert_eq!(
        scalar(snow, "SELECT TO_VARCHAR(COUNT(*)) FROM AUDIT_LOG").await,
        n(local.audit(usize::MAX).expect("read").len())
    );
    assert_eq!(
        scalar(snow, "SELECT TO_VARCHAR(MAX(SEQ)) || '/' || TO_VARCHAR(COUNT(DISTINCT SEQ)) FROM AUDIT_LOG")
            .await,
        format!("{0}/{0}", local.audit(usize::MAX).expect("read").len())
    );
    // The newest audit hash matches: the remote copy is anchored to the local chain.
    assert_eq!(
        scalar(snow, "SELECT HASH FROM AUDIT_LOG ORDER BY SEQ DESC LIMIT 1").await,
        local.audit(1).expect("read")[0].hash
    );
}
