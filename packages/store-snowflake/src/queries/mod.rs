//! The read queries: the trades page, P&L per day, per-symbol statistics, the analysts' views
//! and the retention purge.

pub(crate) mod cells;
pub(crate) mod pnl;
pub(crate) mod range;
pub(crate) mod reports;
pub(crate) mod stats;
pub(crate) mod trades;
