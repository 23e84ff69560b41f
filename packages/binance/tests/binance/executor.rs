//! The executor's promise: whatever happens between an order and its answer (a timeout, a 5xx,
//! -1006/-1007), exactly one order exists afterwards, and nothing is resent blindly.

use std::sync::Arc;
use std::time::Duration;

use mirai_binance::{BinanceExecutor, UnknownOutcomePolicy};
use mirai_core::{
    ClientOrderId, DecisionId, ExecError, Executor, OrderKind, OrderRequest, OrderStatus, Price, Qty,
    RiskApproved, Side, Symbol, TimeInForce, Timestamp,
};
use mirai_exchange_sim::{FaultEffect, FaultPoint, OrderFault, SimHandle};
use rust_decimal_macros::dec;

use crate::support::{client, sim};

fn order(n: i64, kind: OrderKind) -> RiskApproved<OrderRequest> {
    let decision = DecisionId::new("test", Symbol::new("BTCUSDT"), Timestamp::from_millis(n));
    RiskApproved::stub(OrderRequest {
        client_order_id: ClientOrderId::for_decision(&decision, Side::Buy),
        decision_id: decision,
        symbol: Symbol::new("BTCUSDT"),
        side: Side::Buy,
        kind,
        qty: Qty::new(dec!(0.001)),
        reference_price: Price::new(dec!(60000)),
        created_at: Timestamp::from_millis(n),
    })
}

async fn executor(sim: &SimHandle) -> BinanceExecutor {
    let c = client(sim);
    let rules = c.symbol_rules(&[Symbol::new("BTCUSDT")]).await.expect("rules");
    BinanceExecutor::new(Arc::clone(&c), &rules).with_policy(UnknownOutcomePolicy {
        queries: 6,
        first_delay: Duration::from_millis(50),
        max_delay: Duration::from_millis(400),
    })
}

#[tokio::test]
async fn a_plain_market_order_reports_its_fills() {
    let sim = sim(|_| {}).await;
    let ex = executor(&sim).await;
    let o = order(1, OrderKind::Market);
    let id = o.inner().client_order_id.clone();
    let r = ex.submit(o).await.unwrap();
    assert_eq!((r.status, r.filled_qty.get(), r.fills.len()), (OrderStatus::Filled, dec!(0.001), 1));
    assert!(r.fills[0].fee.get() > dec!(0), "the fee is in USDT");
    assert_eq!(
        ex.query(Symbol::new("BTCUSDT"), &id).await.unwrap().unwrap().fills,
        r.fills,
        "a query reads fills from myTrades"
    );
    sim.stop().await;
}

#[tokio::test]
async fn a_5xx_after_the_order_was_placed_resolves_to_that_order() {
    let sim = sim(|_| {}).await;
    let ex = executor(&sim).await;
    for (n, status) in [(1, 500), (2, 502), (3, 503), (4, 504)] {
        sim.inject(OrderFault { point: FaultPoint::AfterAccept, effect: FaultEffect::Status(status) });
        let o = order(n, OrderKind::Market);
        let id = o.inner().client_order_id.clone();
        let r = ex.submit(o).await.unwrap();
        assert_eq!((r.status, r.fills.len()), (OrderStatus::Filled, 1), "HTTP {status}");
        assert_eq!(sim.orders_with_client_id(id.as_str()), 1, "HTTP {status}: exactly one order");
    }
    assert_eq!(sim.order_count(), 4);
    sim.stop().await;
}

#[tokio::test]
async fn a_timeout_after_the_order_was_placed_resolves_to_that_order() {
    let sim = sim(|_| {}).await;
    let ex = executor(&sim).await;
    // The client gives up after 1.5 s; the answer would come after 3 s.
    sim.inject(OrderFault {
        point: FaultPoint::AfterAccept,
        effect: FaultEffect::Delay(Duration::from_secs(3)),
    });
    let o = order(7, OrderKind::Market);
    let id = o.inner().client_order_id.clone();
    let r = ex.submit(o).await.unwrap();
    assert_eq!(r.status, OrderStatus::Filled);
    assert_eq!(sim.orders_with_client_id(id.as_str()), 1);
    sim.stop().await;
}

#[tokio::test]
async fn unknown_status_codes_resolve_by_query_too() {
    let sim = sim(|_| {}).await;
    let ex = executor(&sim).await;
    for (n, code) in [(11, -1006), (12, -1007)] {
        sim.inject(OrderFault {
            point: FaultPoint::AfterAccept,
            effect: FaultEffect::Code { code, status: 400 },
        });
        let o = order(n, OrderKind::Market);
        let id = o.inner().client_order_id.clone();
        assert_eq!(ex.submit(o).await.unwrap().status, OrderStatus::Filled, "{code}");
        assert_eq!(sim.orders_with_client_id(id.as_str()), 1, "{code}");
    }
    sim.stop().await;
}

#[tokio::test]
async fn an_order_that_never_arrived_is_reported_unknown_and_never_resent() {
    let sim = sim(|_| {}).await;
    let ex = executor(&sim).await;
    sim.inject(OrderFault { point: FaultPoint::BeforeAccept, effect: FaultEffect::Status(503) });
    let o = order(21, OrderKind::Market);
    let id = o.inner().client_order_id.clone();
    match ex.submit(o.clone()).await {
        Err(ExecError::Unknown { client_order_id, why }) => {
            assert_eq!(client_order_id, id);
            assert!(why.contains("not resent"), "{why}");
        }
        other => panic!("expected an unknown outcome, got {other:?}"),
    }
    assert_eq!(sim.order_count(), 0, "the executor did not place it again on its own");
    // The caller retries the same decision: the exchange has no such order, so it is placed once.
    assert_eq!(ex.submit(o.clone()).await.unwrap().status, OrderStatus::Filled);
    // And again: now the exchange's record answers; no second order.
    assert_eq!(ex.submit(o).await.unwrap().status, OrderStatus::Filled);
    assert_eq!(sim.orders_with_client_id(id.as_str()), 1);
    sim.stop().await;
}

#[tokio::test]
async fn an_order_still_in_flight_when_the_client_gave_up_is_found_by_later_queries() {
    let sim = sim(|_| {}).await;
    let ex = executor(&sim).await;
    // The gateway holds the order for 2 s before the engine takes it: the client times out at
    // 1.5 s, its first queries find nothing, a later one finds the order.
    sim.inject(OrderFault {
        point: FaultPoint::BeforeAccept,
        effect: FaultEffect::Delay(Duration::from_secs(2)),
    });
    let o = order(31, OrderKind::Limit { price: Price::new(dec!(10000)), time_in_force: TimeInForce::Gtc });
    let id = o.inner().client_order_id.clone();
    let r = ex.submit(o).await.unwrap();
    assert_eq!(r.status, OrderStatus::New);
    assert_eq!(sim.orders_with_client_id(id.as_str()), 1);
    let c = ex.cancel(Symbol::new("BTCUSDT"), &id).await.unwrap();
    assert_eq!(c.status, OrderStatus::Canceled);
    assert!(
        matches!(ex.cancel(Symbol::new("BTCUSDT"), &id).await, Err(ExecError::Rejected(e)) if e.code == -2011)
    );
    sim.stop().await;
}

#[tokio::test]
async fn refusals_are_rejections_with_binance_codes() {
    let sim = sim(|_| {}).await;
    let ex = executor(&sim).await;
    let mut big = order(41, OrderKind::Market).into_inner();
    big.qty = Qty::new(dec!(50));
    match ex.submit(RiskApproved::stub(big)).await {
        Err(ExecError::Rejected(e)) => assert_eq!(
            (e.code, e.msg.as_str()),
            (-2010, "Account has insufficient balance for requested action.")
        ),
        other => panic!("{other:?}"),
    }
    let mut dust = order(42, OrderKind::Market).into_inner();
    dust.qty = Qty::new(dec!(0.00001));
    assert!(
        matches!(ex.submit(RiskApproved::stub(dust)).await, Err(ExecError::Rejected(e)) if e.code == -1013)
    );
    let mut other = order(43, OrderKind::Market).into_inner();
    other.symbol = Symbol::new("ETHUSDT");
    assert!(
        matches!(ex.submit(RiskApproved::stub(other)).await, Err(ExecError::Rejected(e)) if e.code == -1121),
        "not configured"
    );
    assert!(
        ex.query(Symbol::new("BTCUSDT"), &ClientOrderId::new_checked("none").unwrap())
            .await
            .unwrap()
            .is_none()
    );
    sim.stop().await;
}
