//! The analytics port: where trades, fills, decisions, P&L, risk events, the audit trail and
//! backtest runs go for analysts (Snowflake in production; the local store by default).
//! Writes are batched and idempotent: re-delivering a record never duplicates it.

use std::future::Future;

use serde::{Deserialize, Serialize};

use crate::{Amount, Decision, DecisionId, Fill, OrderRequest, OrderStatus, Qty, Symbol, Timestamp};

/// An order with its latest known state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderRecord {
    pub request: OrderRequest,
    pub status: OrderStatus,
    pub exchange_order_id: Option<u64>,
    pub filled_qty: Qty,
    pub updated_at: Timestamp,
}

/// Equity and its parts at one moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PnlPoint {
    pub ts: Timestamp,
    pub equity: Amount,
    pub cash: Amount,
    pub realised: Amount,
    pub unrealised: Amount,
}

/// A refusal by a risk gate (or by the exchange).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskEventRecord {
    /// Unique per event (the local store's sequence number, as text), for idempotent shipping.
    pub id: String,
    pub ts: Timestamp,
    pub decision_id: Option<DecisionId>,
    pub symbol: Symbol,
    pub gate: String,
    pub reason: String,
}

/// One entry of the hash-chained audit log, as stored locally.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub seq: u64,
    pub ts: Timestamp,
    pub kind: String,
    pub actor: String,
    /// Canonical JSON of the payload (never holds a secret).
    pub payload_json: String,
    pub prev_hash: String,
    pub hash: String,
}

/// A finished backtest: what was run on what, and its metrics.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BacktestRunRecord {
    pub id: String,
    pub created_at: Timestamp,
    pub strategy: String,
    pub params_json: String,
    pub data_source: String,
    pub metrics_json: String,
}

/// Everything the analytics store accepts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AnalyticsRecord {
    Order(OrderRecord),
    Fill(Fill),
    Decision(Decision),
    Pnl(PnlPoint),
    RiskEvent(RiskEventRecord),
    Audit(AuditRecord),
    BacktestRun(BacktestRunRecord),
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AnalyticsError {
    /// The store could not be reached or timed out; the batch may be retried as is.
    #[error("analytics store unavailable: {0}")]
    Unavailable(String),
    /// The store refused the batch; retrying the same batch will not help.
    #[error("analytics store refused the batch: {0}")]
    Rejected(String),
}

impl AnalyticsError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, AnalyticsError::Unavailable(_))
    }
}

pub trait AnalyticsStore: Send + Sync {
    /// Writes a batch idempotently: a record already stored (same id) is left as it is, or
    /// updated in place for orders whose state moved on.
    fn write_batch(
        &self,
        records: &[AnalyticsRecord],
    ) -> impl Future<Output = Result<(), AnalyticsError>> + Send;
}
