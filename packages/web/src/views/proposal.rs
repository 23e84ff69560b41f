//! `ProposalView`: an order the risk gates approved, held for a person's decision (approval
//! modes `semi` and `advisor`), with the decision's rationale so the person sees why.

use mirai_core::{
    AdviceSource, Amount, ClientOrderId, Confidence, DecisionId, Price, Proposal, ProposalStatus, Qty, Side,
    Symbol, Timestamp,
};
use serde::{Deserialize, Serialize};

/// One proposal as the dashboard lists it. Decimals are strings; times are milliseconds since
/// the Unix epoch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProposalView {
    /// The held order's client order id: what approve and reject name.
    pub id: ClientOrderId,
    pub decision_id: DecisionId,
    pub symbol: Symbol,
    pub side: Side,
    pub qty: Qty,
    /// The price the decision was made at (an approval judges the order again at the price of
    /// the moment).
    pub reference_price: Price,
    /// `qty × reference_price`, exact, in the quote currency.
    pub notional: Amount,
    pub confidence: Confidence,
    pub status: ProposalStatus,
    pub created_at: Timestamp,
    /// After this a PENDING proposal expires and never executes.
    pub expires_at: Timestamp,
    /// The dashboard user who approved or rejected it, and when.
    pub decided_by: Option<String>,
    pub decided_at: Option<Timestamp>,
    /// Why it ended as it did (expired, refused by the gates at approval, not placed).
    pub reason: Option<String>,
    /// The decision's written rationale, when the ledger has it. Written by a language model in
    /// the `llm` mode: untrusted text, to be shown as text only.
    #[serde(default)]
    pub rationale: Option<String>,
    /// Who decided: the rules, the model, or the rules after the model failed (with why).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advisor: Option<AdviceSource>,
}

impl From<&Proposal> for ProposalView {
    /// The proposal without its rationale, which lives with the decision (the backend adds it).
    fn from(p: &Proposal) -> Self {
        Self {
            id: p.id.clone(),
            decision_id: p.decision_id.clone(),
            symbol: p.order.symbol,
            side: p.order.side,
            qty: p.order.qty,
            reference_price: p.order.reference_price,
            notional: p.order.qty * p.order.reference_price,
            confidence: p.confidence,
            status: p.status,
            created_at: p.created_at,
            expires_at: p.expires_at,
            decided_by: p.decided_by.clone(),
            decided_at: p.decided_at,
            reason: p.reason.clone(),
            rationale: None,
            advisor: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mirai_core::{OrderKind, OrderRequest};

    #[test]
    fn a_proposal_shows_its_exact_notional_and_decimals_as_strings() {
        let symbol = Symbol::new("BTCUSDT");
        let decision_id = DecisionId::new("sma", symbol, Timestamp::from_millis(1));
        let id = ClientOrderId::for_decision(&decision_id, Side::Buy);
        let p = Proposal {
            id: id.clone(),
            decision_id: decision_id.clone(),
            order: OrderRequest {
                client_order_id: id,
                decision_id,
                symbol,
                side: Side::Buy,
                kind: OrderKind::Market,
                qty: Qty::parse("0.00150000").expect("qty"),
                reference_price: Price::parse("62000.10").expect("price"),
                created_at: Timestamp::from_millis(1),
            },
            confidence: Confidence::parse("0.82").expect("confidence"),
            status: ProposalStatus::Pending,
            created_at: Timestamp::from_millis(2),
            expires_at: Timestamp::from_millis(300_002),
            decided_by: None,
            decided_at: None,
            reason: None,
        };
        let v = serde_json::to_value(ProposalView::from(&p)).expect("json");
        assert_eq!(v["notional"], "93.0001500000", "0.00150000 × 62000.10, every digit kept");
        assert_eq!(v["qty"], "0.00150000");
        assert_eq!(v["reference_price"], "62000.10");
        assert_eq!(v["confidence"], "0.82");
        assert_eq!(v["status"], "PENDING");
        assert_eq!(v["side"], "BUY");
        assert_eq!(v["expires_at"], 300_002);
        assert_eq!(v["rationale"], serde_json::Value::Null);
        let back: ProposalView = serde_json::from_value(v).expect("round trip");
        assert_eq!(back, ProposalView::from(&p));
    }
}
