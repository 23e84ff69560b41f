//! The read queries the web tier needs: the trades page, P&L per day, per-symbol statistics.

pub(crate) mod cells;
pub(crate) mod pnl;
pub(crate) mod range;
pub(crate) mod stats;
pub(crate) mod trades;
