//! Indicators computed exactly, updated one value at a time. Moving averages keep integer
//! fixed-point sums (see `fixed`), which is what makes a backtest fast without a second code path.

pub(crate) mod fixed;
mod rsi;
mod sma;
mod sma_pair;

pub use rsi::Rsi;
pub use sma::Sma;
pub use sma_pair::SmaPair;
