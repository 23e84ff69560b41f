//! `mirai sweep` (and `mirai backtest --grid`): every combination of a parameter grid on one
//! in-memory series, in parallel, ranked by a statistic.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use clap::Args;
use mirai_backtest::data::Bars;
use mirai_backtest::report::{number, ratio};
use mirai_backtest::sweep::{Grid, Metric, SweepRow, rank, sweep as run_sweep};
use serde_json::json;

use super::failure::{print, write_file};
use super::{Failure, StrategyArgs, progress};

#[derive(Debug, Clone, Args)]
pub struct SweepOptions {
    /// The statistic to rank by (sharpe, return, sortino, calmar, sqn, profit-factor, win-rate, drawdown).
    #[arg(long, default_value = "sharpe", value_parser = parse_metric)]
    pub rank: Metric,
    /// Rows of the ranked table to print.
    #[arg(long, default_value_t = 20)]
    pub top: usize,
    /// Write every row as CSV to this file.
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct SweepArgs {
    #[command(flatten)]
    pub strategy: StrategyArgs,
    /// A parameter's values, NAME=FROM..TO:STEP (TO included) or NAME=A,B,C; repeat per parameter.
    #[arg(long, value_name = "SPEC", required = true)]
    pub grid: Vec<String>,
    #[command(flatten)]
    pub options: SweepOptions,
    /// Print every row as one JSON object on stdout instead of the table.
    #[arg(long)]
    pub json: bool,
}

fn parse_metric(s: &str) -> Result<Metric, String> {
    s.parse()
}

/// Loads the data, checking every line.
pub(super) fn load(args: &StrategyArgs) -> Result<Bars, Failure> {
    Bars::load(&args.data).map_err(|e| Failure::Usage(format!("{}: {e}", args.data.display())))
}

pub fn sweep(args: &SweepArgs) -> Result<(), Failure> {
    let config = args.strategy.config()?;
    let grid = Grid::parse(&args.grid).map_err(Failure::Usage)?;
    let bars = load(&args.strategy)?;
    let pb = progress::bar(grid.len() as u64, "sweep", false);
    let done = AtomicU64::new(0);
    let result = run_sweep(&config, &grid, &bars, 0..bars.len(), |_| {
        pb.set_position(done.fetch_add(1, Ordering::Relaxed) + 1);
    });
    pb.finish_and_clear();
    let mut rows = result?;
    rank(&mut rows, args.options.rank);
    if let Some(out) = &args.options.csv {
        write_file(out, rows_csv(&rows).as_bytes())?;
    }
    if args.json {
        let skipped = grid.len() - rows.len();
        let doc = json!({ "rank_by": args.options.rank, "combinations": grid.len(), "skipped_invalid": skipped, "rows": rows });
        print(&format!("{doc}\n"))
    } else {
        print(&rows_table(&rows, grid.len(), args.options.rank, args.options.top))
    }
}

fn params_text(p: &[(String, String)]) -> String {
    p.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" ")
}

fn rows_table(rows: &[SweepRow], combinations: usize, metric: Metric, top: usize) -> String {
    let mut out = format!(
        "{} combinations ({} run, {} invalid for the strategy), ranked by {metric}\n\n",
        combinations,
        rows.len(),
        combinations - rows.len()
    );
    let width = rows.iter().take(top).map(|r| params_text(&r.params).len()).max().unwrap_or(6).max(6);
    out.push_str(&format!(
        "{:>4}  {:<width$}  {:>10}  {:>8}  {:>10}  {:>7}  {:>8}  {:>14}\n",
        "rank", "params", "return %", "sharpe", "max dd %", "trades", "win %", "final equity"
    ));
    for (i, r) in rows.iter().take(top).enumerate() {
        let s = &r.stats;
        out.push_str(&format!(
            "{:>4}  {:<width$}  {:>10}  {:>8}  {:>10}  {:>7}  {:>8}  {:>14}\n",
            i + 1,
            params_text(&r.params),
            number(s.return_pct, 2),
            ratio(s.sharpe, 3),
            number(s.max_drawdown_pct, 2),
            s.trades,
            number(s.win_rate_pct, 1),
            s.final_equity.get().round_dp(2).to_string()
        ));
    }
    out
}

fn rows_csv(rows: &[SweepRow]) -> String {
    let mut out = String::from(
        "rank,params,return_pct,sharpe,sortino,max_drawdown_pct,trades,win_rate_pct,sqn,final_equity\n",
    );
    // An undefined ratio (n/a) is an empty field.
    let opt = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    for (i, r) in rows.iter().enumerate() {
        let s = &r.stats;
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{}\n",
            i + 1,
            params_text(&r.params),
            s.return_pct,
            opt(s.sharpe),
            opt(s.sortino),
            s.max_drawdown_pct,
            s.trades,
            s.win_rate_pct,
            s.sqn,
            s.final_equity
        ));
    }
    out
}
