//! `mirai backtest`: one backtest, streamed from the file (constant memory, whatever its
//! length), printed as a stats table or as one JSON object; optionally an HTML report and the
//! trade list as CSV. With `--grid` it runs a sweep instead (see `sweep`).

use std::path::PathBuf;

use clap::Args;
use mirai_backtest::report::{html_report, report_json, stats_table, write_trades_csv};
use mirai_backtest::{BacktestError, run_csv};

use super::failure::{print, write_file};
use super::sweep::{SweepArgs, SweepOptions, sweep};
use super::{Failure, StrategyArgs, progress};

#[derive(Debug, Clone, Args)]
pub struct BacktestArgs {
    #[command(flatten)]
    pub strategy: StrategyArgs,
    /// Print one JSON object on stdout instead of the table.
    #[arg(long)]
    pub json: bool,
    /// Write a self-contained HTML report (charts and trades) to this file.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Write the trade list as CSV to this file.
    #[arg(long, value_name = "FILE")]
    pub trades: Option<PathBuf>,
    /// Sweep a parameter grid instead, NAME=FROM..TO:STEP or NAME=A,B,C; repeat per parameter.
    #[arg(long, value_name = "SPEC")]
    pub grid: Vec<String>,
    #[command(flatten)]
    pub sweep: SweepOptions,
}

pub fn backtest(args: &BacktestArgs) -> Result<(), Failure> {
    if !args.grid.is_empty() {
        return sweep(&SweepArgs {
            strategy: args.strategy.clone(),
            grid: args.grid.clone(),
            options: args.sweep.clone(),
            json: args.json,
        });
    }
    let config = args.strategy.config()?;
    let path = &args.strategy.data;
    let file = std::fs::File::open(path)
        .map_err(|e| Failure::Usage(format!("cannot open {}: {e}", path.display())))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let pb = progress::bar(size, "backtest", true);
    let result = run_csv(&config, file, |bytes| pb.set_position(bytes));
    pb.finish_and_clear();
    let report = result.map_err(|e| match e {
        BacktestError::Data(d) => Failure::Usage(format!("{}: {d}", path.display())),
        other => other.into(),
    })?;
    // Files first: a run whose report cannot be written fails before printing success.
    if let Some(out) = &args.report {
        write_file(out, html_report(&report).as_bytes())?;
    }
    if let Some(out) = &args.trades {
        let mut csv = Vec::new();
        write_trades_csv(&report, &mut csv).map_err(|e| Failure::System(e.to_string()))?;
        write_file(out, &csv)?;
    }
    if args.json { print(&format!("{}\n", report_json(&report))) } else { print(&stats_table(&report)) }
}
