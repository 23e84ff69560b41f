//! `Fill`: one execution of (part of) an order.

use serde::{Deserialize, Serialize};

use crate::{Amount, ClientOrderId, Price, Qty, Side, Symbol, Timestamp, TradeId};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fill {
    /// Unique per venue; storing fills keyed by it makes re-delivery harmless.
    pub trade_id: TradeId,
    pub client_order_id: ClientOrderId,
    pub symbol: Symbol,
    pub side: Side,
    pub qty: Qty,
    pub price: Price,
    /// Commission, always expressed in the quote asset (adapters convert venue commissions).
    pub fee: Amount,
    pub ts: Timestamp,
}

impl Fill {
    #[inline]
    pub fn notional(&self) -> Amount {
        self.price * self.qty
    }

    /// The change in quote cash this fill causes: buyers pay notional plus fee, sellers receive
    /// notional minus fee.
    #[inline]
    pub fn cash_delta(&self) -> Amount {
        match self.side {
            crate::Side::Buy => -(self.notional() + self.fee),
            crate::Side::Sell => self.notional() - self.fee,
        }
    }
}
