//! The CLI's subcommands other than `run`: `backtest`, `sweep`, `walk-forward`, `gen-bars`,
//! `live` (the live-trading approval), `llm-sim` (a local model server), `health` (asks a running
//! worker) and `audit verify` (checks the audit log's chain).
//! Each parses its arguments into a `mirai_backtest` call and prints the result; results go to
//! stdout, progress and errors to stderr.

mod alerts;
mod args;
mod audit;
mod backtest;
mod backup;
mod data_dir;
mod failure;
mod gen_bars;
mod health;
mod live;
mod llm_sim;
mod lookup;
mod preflight;
mod progress;
mod sweep;
#[cfg(test)]
mod tests;
mod walk_forward;

pub use alerts::{AlertsAction, AlertsArgs, alerts};
pub use args::StrategyArgs;
pub use audit::{AuditAction, AuditArgs, audit};
pub use backtest::{BacktestArgs, backtest};
pub use backup::{BackupArgs, RestoreArgs, backup, restore};
pub use failure::Failure;
pub use gen_bars::{GenBarsArgs, gen_bars};
pub use health::{HealthArgs, health};
pub use live::{LiveAction, LiveArgs, live};
pub use llm_sim::{LlmSimArgs, llm_sim};
pub use preflight::{PreflightArgs, preflight};
pub use sweep::{SweepArgs, sweep};
pub use walk_forward::{WalkForwardArgs, walk_forward};
