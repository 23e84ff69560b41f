//! `TradeView`: one fill as the dashboard lists it.

use mirai_core::{Amount, ClientOrderId, Fill, Price, Qty, Side, Symbol, Timestamp, TradeId};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
        }
    }
}
