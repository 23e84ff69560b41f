//! `PositionView`: one holding, valued at the latest mark price.

use mirai_core::{Amount, Position, Price, Qty, Symbol};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PositionView {
    pub symbol: Symbol,
    pub qty: Qty,
    /// The average entry price of what is held; `None` when flat.
    pub avg_price: Option<Price>,
    /// The latest price seen; `None` before the first market event.
    pub mark: Option<Price>,
    pub market_value: Amount,
    pub unrealised_pnl: Amount,
    pub realised_pnl: Amount,
}

impl PositionView {
    /// Values `position` at `mark`. Without a mark the holding is valued at cost, so its
    /// unrealised P&L reads zero rather than a made-up number.
    pub fn from_position(position: &Position, mark: Option<Price>) -> Self {
        let (market_value, unrealised_pnl) = match mark {
            Some(m) => (position.market_value(m), position.unrealised_pnl(m)),
            None => (position.cost, Amount::ZERO),
        };
        Self {
            symbol: position.symbol,
            qty: position.qty,
            avg_price: position.avg_price(),
            mark,
            market_value,
            unrealised_pnl,
            realised_pnl: position.realised_pnl,
        }
    }
}
