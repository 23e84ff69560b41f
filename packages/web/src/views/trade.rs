//! `TradeView`: one fill as the dashboard lists it.

use mirai_core::{
    AdviceSource, Amount, ClientOrderId, Confidence, DecisionId, Fill, Price, Qty, Side, Symbol, Timestamp,
    TradeId,
};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TradeView {
    pub trade_id: TradeId,
    pub ts: Timestamp,
    pub symbol: Symbol,
    pub side: Side,
    pub qty: Qty,
    pub price: Price,
    /// Commission in the quote asset.
    pub fee: Amount,
    pub client_order_id: ClientOrderId,
    /// The decision that placed the order and its written rationale, when the ledger has them
    /// (absent in answers from older workers).
    #[serde(default)]
    pub decision_id: Option<DecisionId>,
    #[serde(default)]
    pub rationale: Option<String>,
    /// Who decided (the rules, the model, or the rules after the model failed, with why) and how
    /// sure the decision was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advisor: Option<AdviceSource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<Confidence>,
}

impl From<&Fill> for TradeView {
    fn from(f: &Fill) -> Self {
        Self {
            trade_id: f.trade_id.clone(),
            ts: f.ts,
            symbol: f.symbol,
            side: f.side,
            qty: f.qty,
            price: f.price,
            fee: f.fee,
            client_order_id: f.client_order_id.clone(),
            decision_id: None,
            rationale: None,
            advisor: None,
            confidence: None,
        }
    }
}
