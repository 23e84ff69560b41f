//! Pre-trade risk gates. Pure functions of the order, the account's exposure, the day's record and
//! the limits: no I/O, no clock of their own. An order leaves as `RiskApproved` or as
//! `RiskRefused` with the reason a person can read.

mod exposure;
mod gate;
mod state;

pub use exposure::Exposure;
pub use gate::RiskGate;
pub use state::RiskState;
