//! Ports: the traits adapters implement and the engine and worker depend on.

use std::future::Future;

use serde::{Deserialize, Serialize};

use crate::{
    Action, Citation, ClientOrderId, Confidence, ExecError, ExecutionReport, OrderRequest, Price,
    RiskApproved, Symbol, Timestamp,
};

/// The only source of "now" for the engine: the wall clock live, the data's clock in replays and
/// backtests, so the same code is deterministic wherever it runs.
pub trait Clock {
    fn now(&self) -> Timestamp;
}

impl<C: Clock + ?Sized> Clock for &C {
    fn now(&self) -> Timestamp {
        (**self).now()
    }
}

impl<C: Clock + ?Sized> Clock for std::sync::Arc<C> {
    fn now(&self) -> Timestamp {
        (**self).now()
    }
}

/// A strategy's raw opinion, before advice and risk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signal {
    pub symbol: Symbol,
    pub ts: Timestamp,
    pub strategy: &'static str,
    pub action: Action,
    pub price: Price,
    /// How strong the signal is by the strategy's own measure, 0 to 1.
    pub strength: Confidence,
    /// What the strategy saw, in words ("SMA(10) 101.2 crossed above SMA(20) 100.9").
    pub reason: String,
}

/// The advisor's view of a signal: how confident to be, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Advice {
    pub action: Action,
    pub confidence: Confidence,
    /// Where to cut a loss and take a profit on an entry; none for exits.
    pub stop_loss: Option<Price>,
    pub take_profit: Option<Price>,
    pub rationale: String,
    pub citations: Vec<Citation>,
}

/// Turns a signal into advice. Synchronous and pure for the rule-based advisor, which is what the
/// deterministic engine calls; remote models are consulted outside the engine.
pub trait Advisor {
    fn advise(&self, signal: &Signal) -> Advice;
}

/// Places and manages orders on a venue: the paper exchange, Binance testnet, Demo Mode or live.
/// It takes only risk-approved orders.
pub trait Executor: Send + Sync {
    fn submit(
        &self,
        order: RiskApproved<OrderRequest>,
    ) -> impl Future<Output = Result<ExecutionReport, ExecError>> + Send;

    fn cancel(
        &self,
        symbol: Symbol,
        client_order_id: &ClientOrderId,
    ) -> impl Future<Output = Result<ExecutionReport, ExecError>> + Send;

    /// The current state of an order, by our id; how unknown outcomes are resolved.
    fn query(
        &self,
        symbol: Symbol,
        client_order_id: &ClientOrderId,
    ) -> impl Future<Output = Result<Option<ExecutionReport>, ExecError>> + Send;
}
