//! The CLI's subcommands other than `run`: `backtest`, `sweep`, `walk-forward`, `gen-bars`,
//! `strategies` (the strategies and their parameters), `live` (the live-trading approval),
//! `llm-sim` (a local model server), `health` (asks a running worker) and `audit verify` (checks
//! the audit log's chain).
//! Each parses its arguments into a `mirai_backtest` call and prints the result; results go to
//! stdout, progress and errors to stderr.

mod alerts;
mod analytics;
mod args;
mod as_worker;
mod audit;
mod backtest;
mod backup;
mod data;
mod data_dir;
mod failure;
mod gen_bars;
mod health;
mod live;
mod llm_sim;
mod lookup;
mod preflight;
mod progress;
mod strategies;
mod sweep;
#[cfg(test)]
mod tests;
mod users;
mod walk_forward;

pub use alerts::{AlertsAction, AlertsArgs, alerts};
pub use analytics::{AnalyticsAction, AnalyticsArgs, analytics};
pub use args::StrategyArgs;
pub use audit::{AuditAction, AuditArgs, audit};
pub use backtest::{BacktestArgs, backtest};
pub use backup::{BackupArgs, RestoreArgs, backup, restore};
pub use data::{DataAction, DataArgs, data};
pub use failure::Failure;
pub use gen_bars::{GenBarsArgs, gen_bars};
pub use health::{HealthArgs, health};
pub use live::{LiveAction, LiveArgs, live};
pub use llm_sim::{LlmSimArgs, llm_sim};
pub use preflight::{PreflightArgs, preflight};
pub use strategies::{StrategiesArgs, strategies};
pub use sweep::{SweepArgs, sweep};
pub use users::{UsersAction, UsersArgs, users};
pub use walk_forward::{WalkForwardArgs, walk_forward};
/// For the dashboard's live approval, which runs the same pre-flight as `mirai live approve`.
pub(crate) use {
    lookup::settings as command_settings,
    preflight::{Purpose, run_checks},
};
