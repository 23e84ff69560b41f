//! Orders: what we ask an exchange to do, and the states an order goes through.

use serde::{Deserialize, Serialize};

use crate::{ClientOrderId, DecisionId, Price, Qty, Side, Symbol, Timestamp};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum TimeInForce {
    /// Good till cancelled.
    Gtc,
    /// Immediate or cancel.
    Ioc,
    /// Fill or kill.
    Fok,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "UPPERCASE")]
pub enum OrderKind {
    Market,
    Limit { price: Price, time_in_force: TimeInForce },
}

impl OrderKind {
    pub fn limit_price(&self) -> Option<Price> {
        match self {
            OrderKind::Market => None,
            OrderKind::Limit { price, .. } => Some(*price),
        }
    }

    pub fn is_market(&self) -> bool {
        matches!(self, OrderKind::Market)
    }
}

/// An order intent. It reaches an executor only wrapped in [`crate::RiskApproved`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderRequest {
    pub client_order_id: ClientOrderId,
    pub decision_id: DecisionId,
    pub symbol: Symbol,
    pub side: Side,
    pub kind: OrderKind,
    pub qty: Qty,
    /// The price the decision was made at; used for notional checks of market orders.
    pub reference_price: Price,
    pub created_at: Timestamp,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OrderStatus {
    New,
    PartiallyFilled,
    Filled,
    Canceled,
    Rejected,
    Expired,
}

impl OrderStatus {
    pub fn is_open(self) -> bool {
        matches!(self, OrderStatus::New | OrderStatus::PartiallyFilled)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::New => "NEW",
            OrderStatus::PartiallyFilled => "PARTIALLY_FILLED",
            OrderStatus::Filled => "FILLED",
            OrderStatus::Canceled => "CANCELED",
            OrderStatus::Rejected => "REJECTED",
            OrderStatus::Expired => "EXPIRED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "NEW" => OrderStatus::New,
            "PARTIALLY_FILLED" => OrderStatus::PartiallyFilled,
            "FILLED" => OrderStatus::Filled,
            "CANCELED" => OrderStatus::Canceled,
            "REJECTED" => OrderStatus::Rejected,
            "EXPIRED" | "EXPIRED_IN_MATCH" => OrderStatus::Expired,
            _ => return None,
        })
    }
}
