//! `PerformanceView`: how the closed round trips did, per symbol and in total.

use mirai_core::{Amount, Decimal, Symbol, Timestamp};
use serde::{Deserialize, Serialize};

/// What a trade is in a [`PerformanceView`], said in every answer so that a reader knows.
pub const PERFORMANCE_DEFINITION: &str = "round trips as the ROUND_TRIPS view defines them: from the \
    fill that opens a symbol's position to the one that closes it, counted on their exit, P&L net of \
    every fee; trips still open are left out";

/// The performance of the round trips that closed in `[from, to)`. Amounts and ratios are
/// decimal strings (ratios rounded to 4 places); times are milliseconds since the Unix epoch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PerformanceView {
    /// [`PERFORMANCE_DEFINITION`].
    pub definition: String,
    /// The first instant included and the first excluded, on the trips' exit; `None` is unbounded.
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    /// Each symbol with trips in the window, sorted by symbol.
    pub symbols: Vec<SymbolPerformanceView>,
    /// Every symbol together (its `symbol` is `null`).
    pub total: SymbolPerformanceView,
}

impl PerformanceView {
    /// The window's figures, under [`PERFORMANCE_DEFINITION`].
    pub fn new(
        from: Option<Timestamp>,
        to: Option<Timestamp>,
        symbols: Vec<SymbolPerformanceView>,
        total: SymbolPerformanceView,
    ) -> Self {
        Self { definition: PERFORMANCE_DEFINITION.to_owned(), from, to, symbols, total }
    }
}

/// How one symbol's round trips (or all of them) did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SymbolPerformanceView {
    /// `None` in the total.
    pub symbol: Option<Symbol>,
    /// Closed round trips.
    pub trades: u64,
    /// Trips with a P&L above zero.
    pub wins: u64,
    /// Trips with a P&L below zero (one at exactly zero is neither).
    pub losses: u64,
    /// `wins / trades`; `None` without trades.
    pub win_rate: Option<Decimal>,
    /// Net of every fee.
    pub pnl: Amount,
    pub fees: Amount,
    /// The winning trips' P&L summed.
    pub gross_profit: Amount,
    /// The losing trips' P&L summed, as a positive amount.
    pub gross_loss: Amount,
    /// `gross_profit / gross_loss`; `None` without a losing trip.
    pub profit_factor: Option<Decimal>,
    /// The largest fall of the cumulative P&L from its running peak, trips in exit order, the
    /// curve starting at 0; never negative.
    pub max_drawdown: Amount,
    /// The earliest entry and latest exit of the trips; `None` without trades.
    pub first_entry: Option<Timestamp>,
    pub last_exit: Option<Timestamp>,
}
