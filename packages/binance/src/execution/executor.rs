//! `BinanceExecutor`: risk-approved orders to Binance with their deterministic `newClientOrderId`.
//! When an order's outcome is unknown (timeout, 5xx, -1006, -1007, a broken connection) it asks
//! Binance about that client order id instead of sending the order again; a second `submit` of an
//! id this process already sent is answered from the exchange's record, never re-placed.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mirai_core::{
    Asset, ClientOrderId, ExchangeError, ExecError, ExecutionReport, Executor, OrderRequest, RiskApproved,
    Symbol, SymbolRules,
};

use crate::common::codes::{self, CodeClass};
use crate::common::error::BinanceError;
use crate::http::client::BinanceHttpClient;
use crate::http::models::Order;
use crate::http::parse;
use crate::http::query::{NewOrder, OrderRef};

/// How hard to look for an order whose outcome is unknown before giving up (and leaving it to
/// start-up reconciliation). Nothing is ever resent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownOutcomePolicy {
    pub queries: u32,
    pub first_delay: Duration,
    pub max_delay: Duration,
}

impl Default for UnknownOutcomePolicy {
    fn default() -> Self {
        Self { queries: 5, first_delay: Duration::from_millis(200), max_delay: Duration::from_secs(3) }
    }
}

#[derive(Debug)]
pub struct BinanceExecutor {
    client: Arc<BinanceHttpClient>,
    assets: HashMap<Symbol, (Asset, Asset)>,
    policy: UnknownOutcomePolicy,
    /// Client order ids this process has sent; a second submit of one is a retry.
    sent: Mutex<HashSet<ClientOrderId>>,
}

impl BinanceExecutor {
    /// `rules` name each tradable symbol's base and quote assets (commissions are valued in the
    /// quote asset).
    pub fn new(client: Arc<BinanceHttpClient>, rules: &[SymbolRules]) -> Self {
        Self {
            client,
            assets: rules.iter().map(|r| (r.symbol, (r.base, r.quote))).collect(),
            policy: UnknownOutcomePolicy::default(),
            sent: Mutex::new(HashSet::new()),
        }
    }

    pub fn with_policy(mut self, policy: UnknownOutcomePolicy) -> Self {
        self.policy = policy;
        self
    }

    pub fn client(&self) -> &Arc<BinanceHttpClient> {
        &self.client
    }

    fn assets(&self, symbol: Symbol) -> Result<(Asset, Asset), ExecError> {
        self.assets.get(&symbol).copied().ok_or_else(|| {
            ExecError::Rejected(ExchangeError::new(
                codes::BAD_SYMBOL,
                format!("{symbol} is not configured for trading"),
            ))
        })
    }

    /// A report with its fills: a FULL response carries them; a query does not, so they are
    /// read from myTrades when anything has executed.
    async fn full_report(
        &self,
        order: &Order,
        assets: (Asset, Asset),
    ) -> Result<ExecutionReport, BinanceError> {
        let mut report = parse::execution_report(order, assets)?;
        if report.fills.is_empty() && !report.filled_qty.is_zero() {
            let symbol = parse::symbol(&order.symbol)?;
            let trades = self.client.my_trades(symbol, Some(order.order_id), None, 1000).await?;
            for t in &trades {
                report.fills.push(parse::trade_fill(t, &report.client_order_id, assets)?);
            }
        }
        Ok(report)
    }

    async fn lookup(
        &self,
        symbol: Symbol,
        id: &ClientOrderId,
    ) -> Result<Option<ExecutionReport>, BinanceError> {
        let assets = self
            .assets
            .get(&symbol)
            .copied()
            .ok_or_else(|| BinanceError::Invalid(format!("{symbol} not configured")))?;
        match self.client.query_order(symbol, &OrderRef::Client(id.clone())).await {
            Ok(order) => Ok(Some(self.full_report(&order, assets).await?)),
            Err(BinanceError::Api { code: codes::NO_SUCH_ORDER, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The order's outcome is unknown: look it up by client order id, patiently, and never
    /// place it again.
    async fn resolve(
        &self,
        symbol: Symbol,
        id: &ClientOrderId,
        why: String,
    ) -> Result<ExecutionReport, ExecError> {
        tracing::warn!(%id, %why, "order outcome unknown; querying by client order id");
        let mut delay = self.policy.first_delay;
        let mut last = why.clone();
        for attempt in 1..=self.policy.queries {
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(self.policy.max_delay);
            match self.lookup(symbol, id).await {
                Ok(Some(report)) => {
                    tracing::info!(%id, status = report.status.as_str(), attempt, "unknown outcome resolved");
                    return Ok(report);
                }
                // It may still be in flight between the gateway and the matching engine.
                Ok(None) => last = "not found on the exchange".into(),
                Err(e) => last = e.to_string(),
            }
        }
        Err(ExecError::Unknown {
            client_order_id: id.clone(),
            why: format!("{why}; after {} queries: {last}; not resent", self.policy.queries),
        })
    }
}

/// A venue error as the port's error. Unknown outcomes are handled before this.
fn to_exec_error(e: BinanceError, id: &ClientOrderId) -> ExecError {
    if e.outcome_unknown() {
        return ExecError::Unknown { client_order_id: id.clone(), why: e.to_string() };
    }
    match e {
        BinanceError::Api { code, msg, .. } => match codes::classify(code) {
            CodeClass::RateLimited => ExecError::RateLimited { retry_after_ms: 1_000 },
            CodeClass::Retryable | CodeClass::Timestamp => ExecError::Transport(format!("{code}: {msg}")),
            CodeClass::Refused | CodeClass::Unknown => ExecError::Rejected(ExchangeError::new(code, msg)),
        },
        BinanceError::RateLimited { retry_after_ms }
        | BinanceError::Banned { retry_after_ms }
        | BinanceError::CircuitOpen { remaining_ms: retry_after_ms }
        | BinanceError::Budget { wait_ms: retry_after_ms, .. } => ExecError::RateLimited { retry_after_ms },
        BinanceError::Connect(m) | BinanceError::WebSocket(m) => ExecError::Transport(m),
        BinanceError::Invalid(m) => ExecError::Refused(m),
        other => ExecError::Unknown { client_order_id: id.clone(), why: other.to_string() },
    }
}

impl Executor for BinanceExecutor {
    async fn submit(&self, order: RiskApproved<OrderRequest>) -> Result<ExecutionReport, ExecError> {
        let req = order.into_inner();
        let id = req.client_order_id.clone();
        let assets = self.assets(req.symbol)?;
        let retry = !self.sent.lock().map(|mut s| s.insert(id.clone())).unwrap_or(false);
        if retry {
            // Sent before by this process: the exchange's record decides, not a second order.
            match self.lookup(req.symbol, &id).await {
                Ok(Some(report)) => return Ok(report),
                Ok(None) => tracing::info!(%id, "retried order is not on the exchange; placing it"),
                Err(e) => return Err(to_exec_error(e, &id)),
            }
        }
        match self.client.new_order(&NewOrder::from_request(&req)).await {
            Ok(o) => self.full_report(&o, assets).await.map_err(|e| to_exec_error(e, &id)),
            Err(e) if e.outcome_unknown() => self.resolve(req.symbol, &id, e.to_string()).await,
            // Binance refuses a client order id that an open order already uses: that order is ours.
            Err(BinanceError::Api { code: codes::NEW_ORDER_REJECTED, msg, .. })
                if msg.contains("Duplicate") =>
            {
                match self.lookup(req.symbol, &id).await {
                    Ok(Some(report)) => Ok(report),
                    _ => Err(ExecError::Rejected(ExchangeError::new(codes::NEW_ORDER_REJECTED, msg))),
                }
            }
            Err(e) => Err(to_exec_error(e, &id)),
        }
    }

    async fn cancel(
        &self,
        symbol: Symbol,
        client_order_id: &ClientOrderId,
    ) -> Result<ExecutionReport, ExecError> {
        let assets = self.assets(symbol)?;
        match self.client.cancel_order(symbol, &OrderRef::Client(client_order_id.clone())).await {
            Ok(o) => self.full_report(&o, assets).await.map_err(|e| to_exec_error(e, client_order_id)),
            Err(e) if e.outcome_unknown() => self.resolve(symbol, client_order_id, e.to_string()).await,
            Err(e) => Err(to_exec_error(e, client_order_id)),
        }
    }

    async fn query(
        &self,
        symbol: Symbol,
        client_order_id: &ClientOrderId,
    ) -> Result<Option<ExecutionReport>, ExecError> {
        self.assets(symbol)?;
        self.lookup(symbol, client_order_id).await.map_err(|e| to_exec_error(e, client_order_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn venue_errors_become_port_errors() {
        let id = ClientOrderId::new_checked("x").unwrap();
        let api = |code| BinanceError::Api { status: 400, code, msg: "m".into() };
        assert!(matches!(to_exec_error(api(-1013), &id), ExecError::Rejected(e) if e.code == -1013));
        assert!(matches!(to_exec_error(api(-1007), &id), ExecError::Unknown { .. }));
        assert!(matches!(to_exec_error(api(-1015), &id), ExecError::RateLimited { .. }));
        assert!(matches!(
            to_exec_error(BinanceError::Server { status: 502 }, &id),
            ExecError::Unknown { .. }
        ));
        assert!(matches!(
            to_exec_error(BinanceError::CircuitOpen { remaining_ms: 5 }, &id),
            ExecError::RateLimited { retry_after_ms: 5 }
        ));
        assert!(to_exec_error(BinanceError::Connect("refused".into()), &id).is_retryable());
    }
}
