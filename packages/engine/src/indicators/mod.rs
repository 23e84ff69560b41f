//! Indicators computed exactly in decimals, updated one value at a time.

mod rsi;
mod sma;

pub use rsi::Rsi;
pub use sma::Sma;
