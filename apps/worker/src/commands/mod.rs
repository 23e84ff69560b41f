//! The CLI's subcommands other than `run`: `backtest`, `sweep`, `walk-forward`, `gen-bars`,
//! `live` (the live-trading approval) and `llm-sim` (a local model server).
//! Each parses its arguments into a `mirai_backtest` call and prints the result; results go to
//! stdout, progress and errors to stderr.

mod args;
mod backtest;
mod failure;
mod gen_bars;
mod live;
mod llm_sim;
mod progress;
mod sweep;
#[cfg(test)]
mod tests;
mod walk_forward;

pub use args::StrategyArgs;
pub use backtest::{BacktestArgs, backtest};
pub use failure::Failure;
pub use gen_bars::{GenBarsArgs, gen_bars};
pub use live::{LiveAction, LiveArgs, live};
pub use llm_sim::{LlmSimArgs, llm_sim};
pub use sweep::{SweepArgs, sweep};
pub use walk_forward::{WalkForwardArgs, walk_forward};
