//! Indicators computed exactly, updated one value at a time. Moving averages keep integer
//! fixed-point sums (see `fixed`), which is what makes a backtest fast without a second code path;
//! so do the Bollinger bands, whose decisions compare squares rather than take a root. Channels
//! compare decimals as they are. Only the recursive averages (RSI, EMA) divide, in `Decimal`,
//! rounding once a step to its 28 digits.

mod bands;
mod ema;
mod extreme;
pub(crate) mod fixed;
mod rsi;
mod sma;
mod sma_pair;

pub use bands::{Bands, Zone};
pub use ema::Ema;
pub use extreme::{Extreme, RollingMax, RollingMin};
pub use rsi::Rsi;
pub use sma::Sma;
pub use sma_pair::SmaPair;
