//! `mirai walk-forward`: rolling in-sample optimisation, out-of-sample evaluation, and a report
//! of the out-of-sample windows only.

use clap::Args;
use mirai_backtest::data::time::iso;
use mirai_backtest::report::{number, ratio};
use mirai_backtest::sweep::{Grid, Metric};
use mirai_backtest::walk_forward::{WalkForward, walk_forward as run};

use super::failure::print;
use super::sweep::load;
use super::{Failure, StrategyArgs, progress};
use std::fmt::Write as _;

#[derive(Debug, Clone, Args)]
pub struct WalkForwardArgs {
    #[command(flatten)]
    pub strategy: StrategyArgs,
    /// A parameter's values to optimise over, as for `sweep`; repeat per parameter.
    #[arg(long, value_name = "SPEC", required = true)]
    pub grid: Vec<String>,
    /// Bars in each in-sample (optimisation) window.
    #[arg(long)]
    pub train: usize,
    /// Bars in each out-of-sample (evaluation) window.
    #[arg(long)]
    pub test: usize,
    /// Bars between windows (default: --test, so out-of-sample windows tile the data).
    #[arg(long, default_value_t = 0)]
    pub step: usize,
    /// The in-sample statistic that picks each window's parameters.
    #[arg(long, default_value = "sharpe", value_parser = parse_metric)]
    pub rank: Metric,
    /// Print one JSON object on stdout instead of the table.
    #[arg(long)]
    pub json: bool,
}

fn parse_metric(s: &str) -> Result<Metric, String> {
    s.parse()
}

pub fn walk_forward(args: &WalkForwardArgs) -> Result<(), Failure> {
    let config = args.strategy.config()?;
    let grid = Grid::parse(&args.grid).map_err(Failure::Usage)?;
    let bars = load(&args.strategy)?;
    let wf = WalkForward { train: args.train, test: args.test, step: args.step, metric: args.rank };
    let pb = progress::bar(wf.windows(bars.len()).len() as u64, "walk-forward", false);
    let result = run(&config, &grid, &bars, &wf, |done, _| pb.set_position(done as u64));
    pb.finish_and_clear();
    let report = result?;
    if args.json {
        let doc = serde_json::to_string(&report).map_err(|e| Failure::System(e.to_string()))?;
        return print(&format!("{doc}\n"));
    }
    let mut out = String::new();
    let times = bars.open_times();
    let date = |i: usize| times.get(i).map(|t| iso(*t)[..10].to_owned()).unwrap_or_default();
    let _ = writeln!(
        out,
        "Walk-forward: {} windows of {} in-sample + {} out-of-sample bars, parameters chosen by in-sample {}.\n\
         Out-of-sample results only:\n",
        report.windows.len(),
        args.train,
        args.test,
        args.rank
    );
    let _ = writeln!(
        out,
        "{:>3}  {:<23}  {:<23}  {:<20}  {:>9}  {:>9}  {:>8}  {:>9}  {:>6}",
        "#", "in-sample", "out-of-sample", "params", "IS score", "return %", "sharpe", "max dd %", "trades"
    );
    for w in &report.windows {
        let s = &w.out_of_sample;
        let params = w.params.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" ");
        let _ = writeln!(
            out,
            "{:>3}  {:<23}  {:<23}  {:<20}  {:>9}  {:>9}  {:>8}  {:>9}  {:>6}",
            w.index + 1,
            format!("{}..{}", date(w.train.0), date(w.train.1 - 1)),
            format!("{}..{}", date(w.test.0), date(w.test.1 - 1)),
            params,
            ratio(w.in_sample_score, 3),
            number(s.return_pct, 2),
            ratio(s.sharpe, 3),
            number(s.max_drawdown_pct, 2),
            s.trades
        );
    }
    let _ = writeln!(out, "\n{}", report.summary());
    print(&out)
}
