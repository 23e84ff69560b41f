//! The analytics port: where trades, fills, decisions, P&L, risk events, the audit trail and
//! backtest runs go for analysts (Snowflake in production; the local store by default).
//! Writes are batched and idempotent: re-delivering a record never duplicates it.

use std::future::Future;

use serde::{Deserialize, Serialize};

use crate::{
    Amount, ClientOrderId, Confidence, Decision, DecisionId, Fill, OrderRequest, OrderStatus, Proposal,
    ProposalStatus, Qty, Side, Symbol, Timestamp,
};

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

/// A proposal (an order held for a person's approval) with its latest known state: shipped when
/// it is created and again each time it is decided, executed, failed or expired.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposalRecord {
    /// The order's client order id: one proposal per order.
    pub id: ClientOrderId,
    pub decision_id: DecisionId,
    pub symbol: Symbol,
    pub side: Side,
    pub qty: Qty,
    pub confidence: Confidence,
    pub status: ProposalStatus,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    /// The dashboard user who approved or rejected it (personal data, like an audit entry's actor).
    pub decided_by: Option<String>,
    pub decided_at: Option<Timestamp>,
    pub reason: Option<String>,
}

impl From<Proposal> for ProposalRecord {
    fn from(p: Proposal) -> Self {
        Self {
            id: p.id,
            decision_id: p.decision_id,
            symbol: p.order.symbol,
            side: p.order.side,
            qty: p.order.qty,
            confidence: p.confidence,
            status: p.status,
            created_at: p.created_at,
            expires_at: p.expires_at,
            decided_by: p.decided_by,
            decided_at: p.decided_at,
            reason: p.reason,
        }
    }
}

/// A fill as the ledger booked it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FillRecord {
    #[serde(flatten)]
    pub fill: Fill,
    /// The ledger's state after the fill; `None` for a fill booked before the store kept it, or
    /// one whose history could not be replayed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ledger: Option<FillLedger>,
}

/// What booking one fill did to its symbol's position, by the ledger's own rule
/// ([`crate::Position::apply`]): analysts sum these instead of replaying average costs in SQL.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FillLedger {
    /// The order the ledger booked fills in (the local store's sequence number), which breaks
    /// ties between fills of the same millisecond.
    pub seq: u64,
    /// P&L this fill realised, net of its fee (a buy realises minus its fee).
    pub realised_pnl: Amount,
    /// Quantity held after the fill.
    pub position_qty: Qty,
    /// Cost basis of what is held after the fill, fees excluded.
    pub position_cost: Amount,
    /// Whether the fill opened or closed its symbol's round trip.
    pub trip: TripMark,
}

/// Where a fill stands in its symbol's round trip, as the engine counts them: the buy that makes
/// the position hold a sellable lot opens one; the sell that leaves less than one lot (Binance's
/// commission can leave such dust) closes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TripMark {
    Opens,
    Within,
    Closes,
}

impl TripMark {
    /// As stored and shipped (`TRIP`): `open`, `close`, or nothing.
    pub fn as_str(self) -> Option<&'static str> {
        match self {
            TripMark::Opens => Some("open"),
            TripMark::Within => None,
            TripMark::Closes => Some("close"),
        }
    }

    pub fn parse(s: Option<&str>) -> Option<Self> {
        match s {
            None => Some(TripMark::Within),
            Some("open") => Some(TripMark::Opens),
            Some("close") => Some(TripMark::Closes),
            Some(_) => None,
        }
    }

    /// The mark when no engine judged the fill (a fill booked by reconciliation, history replayed
    /// at a migration): flat means nothing held at all.
    pub fn by_position(fill: &Fill, held_after: Qty) -> Self {
        match fill.side {
            crate::Side::Buy if held_after == fill.qty => TripMark::Opens,
            crate::Side::Sell if held_after.is_zero() => TripMark::Closes,
            _ => TripMark::Within,
        }
    }
}

impl From<Fill> for FillRecord {
    fn from(fill: Fill) -> Self {
        Self { fill, ledger: None }
    }
}

/// Everything the analytics store accepts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AnalyticsRecord {
    Order(OrderRecord),
    Fill(FillRecord),
    Decision(Decision),
    Pnl(PnlPoint),
    RiskEvent(RiskEventRecord),
    Audit(AuditRecord),
    BacktestRun(BacktestRunRecord),
    Candle(crate::CandleRecord),
    Proposal(ProposalRecord),
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
