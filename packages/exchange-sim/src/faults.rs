//! Fault injection for tests: make the next order fail in the ways a real venue can — a 5xx, an
//! unknown-status code (-1006/-1007), or a response that never comes in time — before or after
//! the order reached the matching engine.

use std::time::Duration;

/// Whether the order exists when the fault strikes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultPoint {
    /// The order never reaches the matching engine.
    BeforeAccept,
    /// The order is placed (and may fill); only the answer is lost.
    AfterAccept,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultEffect {
    /// Answer with this HTTP status (500, 502, 503, 504) and an unknown-status body.
    Status(u16),
    /// Answer with this Binance code (e.g. -1006, -1007) and HTTP status.
    Code { code: i32, status: u16 },
    /// Answer correctly, but only after this long (past the client's timeout).
    Delay(Duration),
}

/// One fault for the next `POST /api/v3/order` (or `order.place`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OrderFault {
    pub point: FaultPoint,
    pub effect: FaultEffect,
}
