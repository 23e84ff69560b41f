//! `Inputs`: the ledger's records the reports are computed from, as the local store holds them
//! (the same rows the outbox ships to the tables behind the views).

use mirai_core::{
    CandleRecord, ClientOrderId, Decision, DecisionId, FillRecord, OrderStatus, RiskEventRecord,
};

/// What a report needs of an order: which decision it came from and how it ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderLink {
    pub client_order_id: ClientOrderId,
    pub decision_id: DecisionId,
    pub status: OrderStatus,
}

/// What a report needs of a proposal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProposalLink {
    pub id: String,
    pub decision_id: DecisionId,
    /// As stored and shipped: `PENDING`, `APPROVED`, `REJECTED`, `EXPIRED`, `EXECUTED`, `FAILED`.
    pub status: String,
    pub decided_by: Option<String>,
}

/// Everything, in any order except `fills`: in booking order (time, then the ledger's sequence).
#[derive(Clone, Debug, Default)]
pub struct Inputs {
    pub fills: Vec<FillRecord>,
    pub orders: Vec<OrderLink>,
    pub decisions: Vec<Decision>,
    pub risk_events: Vec<RiskEventRecord>,
    pub proposals: Vec<ProposalLink>,
    pub candles: Vec<CandleRecord>,
}
