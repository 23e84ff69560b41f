//! What an executor answers: a report of the order's state and fills, or an error that says
//! whether the order's fate is known.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::{ClientOrderId, Fill, OrderStatus, Qty};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecutionReport {
    pub client_order_id: ClientOrderId,
    pub exchange_order_id: u64,
    pub status: OrderStatus,
    pub filled_qty: Qty,
    pub fills: Vec<Fill>,
}

/// An error in Binance's shape: a negative code and a message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Error)]
#[error("{code}: {msg}")]
pub struct ExchangeError {
    pub code: i32,
    pub msg: String,
}

impl ExchangeError {
    /// A filter failed.
    pub const FILTER_FAILURE: i32 = -1013;
    /// A mandatory parameter was missing or malformed.
    pub const BAD_PARAMETER: i32 = -1102;
    /// The same client order id is already in use by an open order.
    pub const DUPLICATE_ORDER: i32 = -2010;
    /// New order rejected (insufficient balance is reported with this code too).
    pub const NEW_ORDER_REJECTED: i32 = -2010;
    pub const CANCEL_REJECTED: i32 = -2011;
    pub const NO_SUCH_ORDER: i32 = -2013;
    pub const UNKNOWN_SYMBOL: i32 = -1121;

    pub fn new(code: i32, msg: impl Into<String>) -> Self {
        Self { code, msg: msg.into() }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum ExecError {
    /// The exchange refused the order; it does not exist. Not retryable as is.
    #[error("rejected by the exchange: {0}")]
    Rejected(ExchangeError),
    /// The order may or may not exist (timeout, 5xx, -1006, -1007). Reconcile by client order id;
    /// never resend blindly.
    #[error("order {client_order_id} outcome unknown: {why}")]
    Unknown { client_order_id: ClientOrderId, why: String },
    /// The request never reached the exchange; safe to retry.
    #[error("transport error: {0}")]
    Transport(String),
    /// Throttled; retry after the given delay.
    #[error("rate limited, retry after {retry_after_ms} ms")]
    RateLimited { retry_after_ms: u64 },
    /// Trading is refused locally (live without approval, unreconciled state).
    #[error("refused: {0}")]
    Refused(String),
}

impl ExecError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, ExecError::Transport(_) | ExecError::RateLimited { .. })
    }
}
