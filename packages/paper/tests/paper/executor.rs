//! Through the `Executor` port, as the worker uses it: time from the clock, refusals as
//! `ExecError::Rejected`, and market events fed through the shared handle.

use std::sync::Arc;

use mirai_core::{ExecError, Executor, ManualClock, OrderStatus, RiskApproved, Side, TimeInForce};
use mirai_paper::PaperExecutor;
use rust_decimal_macros::dec;

use crate::support::*;

fn assert_send<T: Send>(_: &T) {}

#[tokio::test]
async fn orders_placed_through_the_port_fill_on_market_events_fed_to_the_handle() {
    let clock = Arc::new(ManualClock::default());
    clock.set(T0);
    let exec = PaperExecutor::new(default_exchange(), clock.clone());
    let shared = exec.shared();
    shared.on_market(&flat(0, dec!(60000))).expect("healthy");

    let submit = exec.submit(RiskApproved::stub(market("m", Side::Buy, dec!(0.01))));
    assert_send(&submit);
    let report = submit.await.expect("funded");
    assert_eq!(report.status, OrderStatus::Filled);
    assert_eq!(report.fills[0].ts, T0, "the fill is stamped by the executor's clock");

    clock.set(T0.plus_millis(5_000));
    exec.submit(RiskApproved::stub(limit("l", Side::Buy, dec!(59000), dec!(0.01), TimeInForce::Gtc)))
        .await
        .expect("funded");
    let fills = shared.on_market(&flat(60_000, dec!(58000))).expect("healthy");
    assert_eq!(fills.len(), 1);
    let queried = exec.query(btcusdt(), &id("l")).await.expect("healthy");
    assert_eq!(queried.map(|r| r.status), Some(OrderStatus::Filled));
    assert_eq!(exec.query(btcusdt(), &id("none")).await, Ok(None));
    let usdt = shared.with(|ex| balance(ex, "USDT")).expect("healthy");
    // 600.6 for the market buy, 590.59 for the limit.
    assert_eq!(usdt, (dec!(8808.81), dec!(0)));
}

#[tokio::test]
async fn refusals_come_back_as_rejected_with_binance_code_and_message() {
    let exec = PaperExecutor::new(default_exchange(), ManualClock::default());
    exec.shared().on_market(&flat(0, dec!(60000))).expect("healthy");
    let order = limit("c", Side::Buy, dec!(59000), dec!(0.01), TimeInForce::Gtc);
    exec.submit(RiskApproved::stub(order.clone())).await.expect("funded");

    match exec.submit(RiskApproved::stub(order)).await {
        Err(ExecError::Rejected(e)) => {
            assert_eq!((e.code, e.msg.as_str()), (-2010, "Duplicate order sent."));
        }
        other => panic!("expected a rejection, got {other:?}"),
    }
    let cancelled = exec.cancel(btcusdt(), &id("c")).await.expect("open order");
    assert_eq!(cancelled.status, OrderStatus::Canceled);
    let again = exec.cancel(btcusdt(), &id("c")).await;
    assert!(matches!(&again, Err(ExecError::Rejected(e)) if e.code == -2011), "{again:?}");
    assert!(again.is_err_and(|e| !e.is_retryable()));
}
