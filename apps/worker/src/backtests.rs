//! Backtests the worker runs on request (the control API's create, progress and result): each
//! runs on tokio's blocking pool, never on the trading task, a few at a time, each within a
//! budget of bars, memory and time (`Budget`), and is kept for a while after it finishes so its
//! result can be read.

mod budget;
mod job;
mod registry;
mod spec;
#[cfg(test)]
mod tests;

pub use budget::{Budget, MAX_BARS, memory_bound};
pub use registry::{BacktestJobs, Limits, run_now};
