//! Pre-trade risk: the limits, the gates that enforce them and their two verdicts. Pure functions
//! of the order, the account's exposure, the day's record and the limits: no I/O, no clock of
//! their own. The gates live beside `RiskApproved` because only they may make one.

mod exposure;
mod gate;
mod limits;
mod state;
mod verdict;

pub use exposure::Exposure;
pub use gate::RiskGate;
pub use limits::RiskLimits;
pub use state::RiskState;
pub use verdict::{RefusalReason, RiskApproved, RiskRefused};
