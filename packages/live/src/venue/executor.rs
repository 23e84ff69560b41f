//! `VenueExecutor`: the Binance executor behind two locks. New orders are refused while start-up
//! reconciliation has not cleared the account, and on live while no approval is recorded (asked
//! before every order, so a revoked approval stops trading). Cancels and queries always pass, so
//! the kill switch works whatever state the venue is in.

use std::sync::{Arc, RwLock};

use mirai_binance::{BinanceExecutor, Environment};
use mirai_core::{ClientOrderId, ExecError, ExecutionReport, Executor, OrderRequest, RiskApproved, Symbol};

use super::approval::{self, ApprovalSource};

#[derive(Clone)]
pub struct VenueExecutor {
    inner: Arc<BinanceExecutor>,
    env: Environment,
    approval: Arc<dyn ApprovalSource>,
    /// Why new orders are refused, if they are.
    blocked: Arc<RwLock<Option<String>>>,
}

impl std::fmt::Debug for VenueExecutor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VenueExecutor")
            .field("env", &self.env)
            .field("blocked", &self.blocked_reason())
            .finish()
    }
}

impl VenueExecutor {
    /// Starts blocked: nothing trades until [`VenueExecutor::unblock`] after reconciliation.
    pub fn new(inner: BinanceExecutor, env: Environment, approval: Arc<dyn ApprovalSource>) -> Self {
        Self {
            inner: Arc::new(inner),
            env,
            approval,
            blocked: Arc::new(RwLock::new(Some("start-up reconciliation has not run".into()))),
        }
    }

    pub fn inner(&self) -> &BinanceExecutor {
        &self.inner
    }

    pub fn env(&self) -> Environment {
        self.env
    }

    pub fn block(&self, reason: impl Into<String>) {
        if let Ok(mut b) = self.blocked.write() {
            *b = Some(reason.into());
        }
    }

    pub fn unblock(&self) {
        if let Ok(mut b) = self.blocked.write() {
            *b = None;
        }
    }

    /// Why new orders are refused (for status and logs), or `None` when trading is allowed.
    pub fn blocked_reason(&self) -> Option<String> {
        match self.blocked.read() {
            Ok(b) => b.clone(),
            Err(_) => Some("venue state unreadable".into()),
        }
    }
}

impl Executor for VenueExecutor {
    async fn submit(&self, order: RiskApproved<OrderRequest>) -> Result<ExecutionReport, ExecError> {
        if let Some(reason) = self.blocked_reason() {
            return Err(ExecError::Refused(reason));
        }
        approval::check(self.env, self.approval.as_ref()).map_err(|e| ExecError::Refused(e.to_string()))?;
        self.inner.submit(order).await
    }

    async fn cancel(
        &self,
        symbol: Symbol,
        client_order_id: &ClientOrderId,
    ) -> Result<ExecutionReport, ExecError> {
        self.inner.cancel(symbol, client_order_id).await
    }

    async fn query(
        &self,
        symbol: Symbol,
        client_order_id: &ClientOrderId,
    ) -> Result<Option<ExecutionReport>, ExecError> {
        self.inner.query(symbol, client_order_id).await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};

    use mirai_core::{DecisionId, OrderKind, OrderStatus, Price, Qty, Side, Timestamp};
    use rust_decimal_macros::dec;

    use super::*;
    use crate::venue::approval::LiveApproval;
    use crate::venue::error::VenueError;
    use crate::venue::test_support::{settings, sim, symbols, venue_with};

    /// An approval an admin can revoke.
    struct Switch(AtomicBool);
    impl ApprovalSource for Switch {
        fn live_approval(&self) -> Result<Option<LiveApproval>, String> {
            Ok(self.0.load(Ordering::Relaxed).then(|| LiveApproval {
                approved_by: "admin".into(),
                approved_at: Timestamp::from_millis(1),
                expires_at: Some(Timestamp::from_millis(i64::MAX)),
            }))
        }
    }

    fn order() -> RiskApproved<OrderRequest> {
        let d = DecisionId::new("t", Symbol::new("BTCUSDT"), Timestamp::from_millis(5));
        RiskApproved::stub(OrderRequest {
            client_order_id: ClientOrderId::for_decision(&d, Side::Buy),
            decision_id: d,
            symbol: Symbol::new("BTCUSDT"),
            side: Side::Buy,
            kind: OrderKind::Market,
            qty: Qty::new(dec!(0.001)),
            reference_price: Price::new(dec!(60000)),
            created_at: Timestamp::from_millis(5),
        })
    }

    #[tokio::test]
    async fn live_is_refused_without_an_approval_and_stops_when_it_is_revoked() {
        let sim = sim(|_| {}).await;
        let err = crate::venue::connect(
            &settings(&sim, Environment::Live),
            &symbols(),
            Arc::new(crate::venue::NoApproval),
        )
        .await
        .unwrap_err();
        assert!(matches!(err, VenueError::LiveRefused(_)), "{err}");
        let approval = Arc::new(Switch(AtomicBool::new(true)));
        let venue = venue_with(&sim, Environment::Live, approval.clone()).await;
        venue.executor.unblock();
        assert_eq!(venue.executor.submit(order()).await.unwrap().status, OrderStatus::Filled);
        approval.0.store(false, Ordering::Relaxed);
        let mut next = order().into_inner();
        next.client_order_id = ClientOrderId::new_checked("after-revoke").unwrap();
        let refused = venue.executor.submit(RiskApproved::stub(next)).await;
        assert!(matches!(refused, Err(ExecError::Refused(why)) if why.contains("mirai live approve")));
        assert_eq!(sim.orders_with_client_id("after-revoke"), 0);
        assert_eq!(sim.order_count(), 1);
        sim.stop().await;
    }
}
