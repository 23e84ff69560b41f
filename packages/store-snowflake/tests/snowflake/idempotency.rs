//! Re-delivery changes nothing; orders are updated in place and never move back.

use mirai_core::{AnalyticsRecord, AnalyticsStore, OrderStatus, Side};

use crate::helpers::{decision, fill, fills, fresh_store, order, pnl, scalar};

#[tokio::test]
async fn delivering_a_batch_again_writes_nothing_new() {
    let store = fresh_store("redeliver").await;
    let mut batch = fills(&[
        fill("BTCUSDT", "1", Side::Buy, "0.001", "62000", "0.062", 1_000),
        fill("BTCUSDT", "2", Side::Sell, "0.001", "63000", "0.063", 2_000),
        // The same trade id on another symbol is another fill (Binance numbers per symbol).
        fill("ETHUSDT", "1", Side::Buy, "0.1", "3000", "0.3", 3_000),
    ]);
    batch.push(AnalyticsRecord::Decision(decision(1_000, "first")));
    batch.push(AnalyticsRecord::Pnl(pnl(1_000, "10000", "0")));
    store.write_batch(&batch).await.unwrap();
    store.write_batch(&batch).await.unwrap();
    // A retry that overlaps the next batch, and a duplicate inside one batch.
    let mut overlap = batch[1..].to_vec();
    overlap.push(batch[0].clone());
    overlap.push(AnalyticsRecord::Fill(
        fill("BTCUSDT", "3", Side::Buy, "0.002", "61000", "0.122", 4_000).into(),
    ));
    store.write_batch(&overlap).await.unwrap();

    assert_eq!(scalar(&store, "SELECT TO_VARCHAR(COUNT(*)) FROM FILLS").await, "4");
    assert_eq!(
        scalar(&store, "SELECT TO_VARCHAR(COUNT(DISTINCT SYMBOL || '/' || TRADE_ID)) FROM FILLS").await,
        "4"
    );
    assert_eq!(scalar(&store, "SELECT TO_VARCHAR(COUNT(*)) FROM DECISIONS").await, "1");
    assert_eq!(scalar(&store, "SELECT TO_VARCHAR(COUNT(*)) FROM PNL_INTRADAY").await, "1");
    assert_eq!(scalar(&store, "SELECT TO_VARCHAR(COUNT(*)) FROM PNL_DAILY").await, "1");
    // A fact is kept as first written: a "re-delivery" with other content does not rewrite it.
    store.write_batch(&[AnalyticsRecord::Decision(decision(1_000, "rewritten"))]).await.unwrap();
    assert_eq!(scalar(&store, "SELECT RATIONALE FROM DECISIONS").await, "first");
}

#[tokio::test]
async fn orders_follow_their_state_and_never_move_back() {
    let store = fresh_store("orders").await;
    let new = order("mi-0001-b", OrderStatus::New, "0", 1_000);
    // The paper exchange acknowledges and fills within the same millisecond.
    let filled = order("mi-0001-b", OrderStatus::Filled, "0.015", 1_000);
    store.write_batch(&[AnalyticsRecord::Order(new.clone())]).await.unwrap();
    assert_eq!(scalar(&store, "SELECT STATUS FROM ORDERS").await, "NEW");
    store.write_batch(&[AnalyticsRecord::Order(filled.clone())]).await.unwrap();
    assert_eq!(
        scalar(&store, "SELECT STATUS || ' ' || TO_VARCHAR(EXCHANGE_ORDER_ID) FROM ORDERS").await,
        "FILLED 77"
    );
    // A late re-delivery of the older state changes nothing.
    store.write_batch(&[AnalyticsRecord::Order(new.clone())]).await.unwrap();
    assert_eq!(scalar(&store, "SELECT STATUS FROM ORDERS").await, "FILLED");
    // Both states in one batch, in either order: one row, the further state.
    let other_new = order("mi-0002-b", OrderStatus::New, "0", 5_000);
    let other_part = order("mi-0002-b", OrderStatus::PartiallyFilled, "0.005", 6_000);
    store
        .write_batch(&[AnalyticsRecord::Order(other_part.clone()), AnalyticsRecord::Order(other_new.clone())])
        .await
        .unwrap();
    assert_eq!(
        scalar(&store, "SELECT STATUS FROM ORDERS WHERE CLIENT_ORDER_ID = 'mi-0002-b'").await,
        "PARTIALLY_FILLED"
    );
    // A later reconciliation moves it on.
    let cancelled = order("mi-0002-b", OrderStatus::Canceled, "0.005", 9_000);
    store.write_batch(&[AnalyticsRecord::Order(cancelled)]).await.unwrap();
    assert_eq!(
        scalar(&store, "SELECT STATUS FROM ORDERS WHERE CLIENT_ORDER_ID = 'mi-0002-b'").await,
        "CANCELED"
    );
    assert_eq!(scalar(&store, "SELECT TO_VARCHAR(COUNT(*)) FROM ORDERS").await, "2");
}
