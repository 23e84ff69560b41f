//! The arguments every backtesting subcommand shares: the data, the strategy and how trades are
//! simulated.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use clap::{Args, ValueEnum};
use mirai_backtest::{BacktestConfig, FillAt, UnitSizing, no_limits};
use mirai_core::{Decimal, RiskLimits, Symbol};

use super::Failure;

#[derive(Debug, Clone, Args)]
pub struct StrategyArgs {
    /// Bars as CSV: `timestamp,open,high,low,close,volume` (ISO-8601 times) or Binance's kline CSV.
    #[arg(long, value_name = "FILE")]
    pub data: PathBuf,
    /// The strategy (sma-cross, rsi-reversion).
    #[arg(long, default_value = "sma-cross")]
    pub strategy: String,
    /// A strategy parameter as NAME=VALUE (fast=10, slow=20, …); repeat for several.
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// Starting cash, in the quote currency.
    #[arg(long, default_value = "10000")]
    pub cash: Decimal,
    /// Commission per side as a fraction of notional (0.001 = 0.1 %).
    #[arg(long, default_value = "0.001")]
    pub fee: Decimal,
    /// When a market order fills: the next bar's open, or the signal bar's close.
    #[arg(long, default_value = "next-open", value_parser = parse::<FillAt>)]
    pub fill: FillAt,
    /// How buys are sized: all cash in whole units, or in lot steps (--lot-step).
    #[arg(long, default_value = "whole", value_parser = parse::<UnitSizing>)]
    pub sizing: UnitSizing,
    /// Slippage against each fill, in basis points.
    #[arg(long, default_value = "0")]
    pub slippage_bps: Decimal,
    /// Lot step for fractional sizing.
    #[arg(long, default_value = "0.00000001")]
    pub lot_step: Decimal,
    /// The symbol the bars trade as (default: the file name's first word, e.g. GOOG.csv → GOOG).
    #[arg(long)]
    pub symbol: Option<String>,
    /// Risk limits: none (to compare with engines that have none) or the live defaults.
    #[arg(long, value_enum, default_value_t = Risk::None)]
    pub risk: Risk,
    /// A stop-loss below each entry, as a fraction (0.02 = 2 %).
    #[arg(long)]
    pub stop_loss: Option<Decimal>,
    /// A take-profit above each entry, as a fraction.
    #[arg(long)]
    pub take_profit: Option<Decimal>,
}

/// Who decides a backtest's entries (`mirai backtest --advisor`).
#[derive(Debug, Clone, Args)]
pub struct AdvisorArgs {
    /// Who decides entries: the rule-based advisor, or the model (OPENAI_* and LLM_* settings from
    /// the environment, as for ADVISOR=llm), answering from its recorded calls.
    #[arg(long, value_enum, default_value_t = AdvisorKind::Rules)]
    pub advisor: AdvisorKind,
    /// With --advisor llm: ask the model about every decision not yet recorded, and record it.
    /// Without it a decision never recorded stops the backtest.
    #[arg(long)]
    pub record: bool,
    /// With --advisor llm: the recorded model calls (default: DATA_DIR/llm-calls, DATA_DIR
    /// defaulting to ./data, the worker's own log).
    #[arg(long, value_name = "DIR")]
    pub calls: Option<PathBuf>,
    /// With --advisor llm: show the model no news. By default each decision is shown the news
    /// the worker's store (DATA_DIR/vectors.db, or Milvus) held at its time, less
    /// NEWS_BACKTEST_DELAY_MINUTES.
    #[arg(long)]
    pub no_news: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AdvisorKind {
    /// The offline, deterministic rule-based advisor.
    Rules,
    /// An OpenAI-compatible chat model, recorded and replayed.
    Llm,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Risk {
    /// No limit but the kill switch.
    None,
    /// The worker's default limits (position 10 %, exposure 25 %, daily loss 5 %, confidence 0.7, …).
    Default,
}

fn parse<T: FromStr<Err = String>>(s: &str) -> Result<T, String> {
    s.parse()
}

impl StrategyArgs {
    /// The backtest settings; every problem is reported at once.
    pub fn config(&self) -> Result<BacktestConfig, Failure> {
        let mut problems = Vec::new();
        let mut params = Vec::new();
        for p in &self.params {
            match p.split_once('=') {
                Some((k, v)) if !k.trim().is_empty() => {
                    params.push((k.trim().to_owned(), v.trim().to_owned()))
                }
                _ => problems.push(format!("--param {p:?} is not NAME=VALUE")),
            }
        }
        let symbol = match &self.symbol {
            Some(s) => Symbol::new_checked(s).unwrap_or_else(|e| {
                problems.push(format!("--symbol: {e}"));
                Symbol::new("BTCUSDT")
            }),
            None => symbol_from_path(&self.data),
        };
        let config = BacktestConfig {
            symbol,
            strategy: self.strategy.clone(),
            params,
            cash: self.cash,
            fee_rate: self.fee,
            slippage_bps: self.slippage_bps,
            fill: self.fill,
            sizing: self.sizing,
            step: self.lot_step,
            limits: match self.risk {
                Risk::None => no_limits(),
                Risk::Default => RiskLimits::default(),
            },
            stop_loss_pct: self.stop_loss,
            take_profit_pct: self.take_profit,
        };
        if let Err(mirai_backtest::BacktestError::Config(more)) = config.validate() {
            problems.extend(more);
        }
        if problems.is_empty() { Ok(config) } else { Err(Failure::Usage(problems.join("\n  "))) }
    }
}

/// `GOOG.csv` → GOOG, `BTCUSDT-1m-2024-01.csv` → BTCUSDT; BTCUSDT when the name has no word.
fn symbol_from_path(path: &Path) -> Symbol {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
    let word: String = stem.chars().take_while(char::is_ascii_alphanumeric).take(Symbol::MAX_LEN).collect();
    Symbol::new_checked(&word).unwrap_or(Symbol::new("BTCUSDT"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_come_from_file_names() {
        assert_eq!(symbol_from_path(Path::new("data/GOOG.csv")), Symbol::new("GOOG"));
        assert_eq!(symbol_from_path(Path::new("BTCUSDT-1m-2024-01.csv")), Symbol::new("BTCUSDT"));
        assert_eq!(symbol_from_path(Path::new("-.csv")), Symbol::new("BTCUSDT"));
    }
}
