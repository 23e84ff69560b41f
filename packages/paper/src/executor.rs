//! `PaperExecutor`: the paper exchange behind the `Executor` port, reading time from a `Clock`,
//! and `SharedPaper`, the handle through which the worker feeds it market events.

use std::sync::{Arc, Mutex};

use mirai_core::{
    ClientOrderId, Clock, ExecError, ExecutionReport, Executor, Fill, MarketEvent, OrderRequest,
    RiskApproved, Symbol,
};
use thiserror::Error;

use crate::exchange::PaperExchange;

/// An earlier call panicked while holding the exchange; its state may be half-changed, so nothing
/// more is done with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
#[error("the paper exchange is unavailable: an earlier call panicked while holding it")]
pub struct Unavailable;

/// One paper exchange shared by the executor and the worker's market loop. Every access is a
/// synchronous closure, so a lock can never be held across an `.await`.
#[derive(Clone, Debug)]
pub struct SharedPaper(Arc<Mutex<PaperExchange>>);

impl SharedPaper {
    pub fn new(exchange: PaperExchange) -> Self {
        Self(Arc::new(Mutex::new(exchange)))
    }

    /// Runs `f` with the exchange locked.
    pub fn with<R>(&self, f: impl FnOnce(&mut PaperExchange) -> R) -> Result<R, Unavailable> {
        let mut guard = self.0.lock().map_err(|_| Unavailable)?;
        Ok(f(&mut guard))
    }

    /// Feeds a market event to the exchange; returns the resting orders it filled.
    pub fn on_market(&self, event: &MarketEvent) -> Result<Vec<Fill>, Unavailable> {
        self.with(|ex| ex.on_market(event))
    }
}

/// The paper exchange as an [`Executor`]. Venue refusals become [`ExecError::Rejected`] with
/// Binance's code and message.
#[derive(Clone, Debug)]
pub struct PaperExecutor<C> {
    exchange: SharedPaper,
    clock: C,
}

impl<C: Clock + Send + Sync> PaperExecutor<C> {
    pub fn new(exchange: PaperExchange, clock: C) -> Self {
        Self::from_shared(SharedPaper::new(exchange), clock)
    }

    pub fn from_shared(exchange: SharedPaper, clock: C) -> Self {
        Self { exchange, clock }
    }

    /// The exchange this executor trades on, for feeding market events and reading balances.
    pub fn shared(&self) -> SharedPaper {
        self.exchange.clone()
    }

    fn with<R>(&self, f: impl FnOnce(&mut PaperExchange) -> R) -> Result<R, ExecError> {
        self.exchange.with(f).map_err(|e| ExecError::Refused(e.to_string()))
    }
}

impl<C: Clock + Send + Sync> Executor for PaperExecutor<C> {
    async fn submit(&self, order: RiskApproved<OrderRequest>) -> Result<ExecutionReport, ExecError> {
        let now = self.clock.now();
        self.with(|ex| ex.submit(order.inner(), now))?.map_err(ExecError::Rejected)
    }

    async fn cancel(
        &self,
        symbol: Symbol,
        client_order_id: &ClientOrderId,
    ) -> Result<ExecutionReport, ExecError> {
        let now = self.clock.now();
        self.with(|ex| ex.cancel(symbol, client_order_id, now))?.map_err(ExecError::Rejected)
    }

    async fn query(
        &self,
        symbol: Symbol,
        client_order_id: &ClientOrderId,
    ) -> Result<Option<ExecutionReport>, ExecError> {
        self.with(|ex| ex.query(symbol, client_order_id))
    }
}
