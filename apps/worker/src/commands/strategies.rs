//! `mirai strategies`: every built-in strategy, what it does in a line, and its parameters with
//! their defaults and the values accepted; `--json` for tools. The list is the engine's catalogue
//! (`mirai_engine::strategies::CATALOG`): the names `--strategy` (backtest, sweep, walk-forward),
//! `STRATEGY` and the backtest API accept, with the parameters `--param`, `--grid`,
//! `STRATEGY_PARAMS` and the API's `params` take.

use clap::Args;
use mirai_engine::strategies::{CATALOG, StrategyInfo};
use serde_json::json;

use super::Failure;
use super::failure::print;

#[derive(Debug, Clone, Args)]
pub struct StrategiesArgs {
    /// Print one JSON object on stdout instead of the table.
    #[arg(long)]
    pub json: bool,
}

pub fn strategies(args: &StrategiesArgs) -> Result<(), Failure> {
    if args.json { print(&format!("{}\n", json!({ "strategies": CATALOG }))) } else { print(&table(CATALOG)) }
}

/// Each strategy: its name and description, then its parameters in columns.
fn table(catalog: &[StrategyInfo]) -> String {
    let params = catalog.iter().flat_map(|s| s.params.iter());
    let name_w = params.clone().map(|p| p.name.len()).chain(["param".len()]).max().unwrap_or(0);
    let default_w = params.clone().map(|p| p.default.len()).chain(["default".len()]).max().unwrap_or(0);
    let range_w = params.map(|p| p.range.len()).chain(["accepts".len()]).max().unwrap_or(0);
    let mut out = format!(
        "{} strategies. Choose one with --strategy NAME --param NAME=VALUE (backtest, sweep, \
         walk-forward), or STRATEGY and STRATEGY_PARAMS for the worker.\n",
        catalog.len()
    );
    for s in catalog {
        out.push_str(&format!("\n{}\n  {}\n", s.name, s.description));
        out.push_str(&format!(
            "    {:<name_w$}  {:<default_w$}  {:<range_w$}  meaning\n",
            "param", "default", "accepts"
        ));
        for p in s.params {
            out.push_str(&format!(
                "    {:<name_w$}  {:<default_w$}  {:<range_w$}  {}\n",
                p.name, p.default, p.range, p.description
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_lists_every_strategy_and_parameter_with_its_default() {
        let t = table(CATALOG);
        assert!(t.starts_with("5 strategies."), "{t}");
        for s in CATALOG {
            let section = t.split("\n\n").find(|sec| sec.starts_with(&format!("{}\n", s.name)));
            let section = section.unwrap_or_else(|| panic!("no section for {}", s.name));
            assert!(section.contains(&format!("  {}\n", s.description)), "{section}");
            for p in s.params {
                let row = section.lines().find(|l| l.split_whitespace().next() == Some(p.name));
                let row = row.unwrap_or_else(|| panic!("no row for {} {}", s.name, p.name));
                assert_eq!(row.split_whitespace().nth(1), Some(p.default), "{row}");
                assert!(row.contains(p.range) && row.ends_with(p.description), "{row}");
            }
        }
    }
}
