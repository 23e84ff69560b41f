//! The arguments every backtesting subcommand shares: the data, the strategy and how trades are
//! simulated — by the command line's conventions, or as the worker trades (`--risk worker`,
//! `--config FILE`: see `as_worker`).

use std::path::{Path, PathBuf};
use std::str::FromStr;

use clap::{Args, ValueEnum};
use mirai_backtest::{BacktestConfig, FillAt, UnitSizing, no_limits};
use mirai_core::{Decimal, RiskLimits, Symbol};
use mirai_engine::Sizing;

use super::Failure;
use super::as_worker;
use crate::secret_source::Lookup;

#[derive(Debug, Clone, Args)]
pub struct StrategyArgs {
    /// Bars as CSV: `timestamp,open,high,low,close,volume` (ISO-8601 times) or Binance's kline CSV.
    #[arg(long, value_name = "FILE")]
    pub data: PathBuf,
    /// The strategy: sma-cross, rsi-reversion, donchian, macd or bollinger (`mirai strategies`
    /// lists each one's parameters). Default: sma-cross; with --risk worker, the worker's
    /// strategy for the symbol.
    #[arg(long)]
    pub strategy: Option<String>,
    /// A strategy parameter as NAME=VALUE (fast=10, slow=20, …); repeat for several. With
    /// --risk worker and no --strategy, laid over the worker's parameters.
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// Starting cash, in the quote currency. Default: 10000; with --risk worker, STARTING_CASH.
    #[arg(long)]
    pub cash: Option<Decimal>,
    /// Commission per side as a fraction of notional (0.001 = 0.1 %). Default: 0.001; with --risk
    /// worker, FEE_PCT ÷ 100.
    #[arg(long)]
    pub fee: Option<Decimal>,
    /// When a market order fills: the next bar's open, or the signal bar's close. Default:
    /// next-open; with --risk worker, close (as the worker fills).
    #[arg(long, value_parser = parse::<FillAt>)]
    pub fill: Option<FillAt>,
    /// How buys are sized with --risk none: all cash in whole units (the default), or in lot
    /// steps (--lot-step).
    #[arg(long, value_parser = parse::<UnitSizing>)]
    pub sizing: Option<UnitSizing>,
    /// Slippage against each fill, in basis points. Default: 0; with --risk worker, SLIPPAGE_BPS.
    #[arg(long)]
    pub slippage_bps: Option<Decimal>,
    /// Lot step for fractional sizing and for --risk default's (default: 0.00000001).
    #[arg(long)]
    pub lot_step: Option<Decimal>,
    /// The symbol the bars trade as (default: the file name's first word, e.g. GOOG.csv → GOOG).
    #[arg(long)]
    pub symbol: Option<String>,
    /// Risk limits and sizing: none (all-cash buys, no limit: to compare with engines that have
    /// none; the default), default (the worker's default limits and its 10 % of equity a buy), or
    /// worker (trade as the worker does, on its settings: the environment, .env, STRATEGY_FILE).
    #[arg(long, value_enum)]
    pub risk: Option<Risk>,
    /// A strategy file (STRATEGY_FILE's format, config/strategies.example.toml): the symbol's
    /// strategy and the risk limits from it, over the worker's settings. Implies --risk worker.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// A stop-loss below each entry, as a fraction (0.02 = 2 %). Default: none; with --risk
    /// worker, the worker's 2 %.
    #[arg(long)]
    pub stop_loss: Option<Decimal>,
    /// A take-profit above each entry, as a fraction. Default: none; with --risk worker, the
    /// worker's 4 %.
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
    /// No limit but the kill switch; buys take all the cash (--sizing).
    None,
    /// The worker's default limits (order 1,000, position 10 %, exposure 25 %, daily loss 5 %,
    /// confidence 0.7, …) and its default sizing, 10 % of equity a buy.
    Default,
    /// As the worker trades, on its settings: strategy, sizing, limits, fee, slippage, cash,
    /// symbol rules, stops, fills on the close.
    Worker,
}

fn parse<T: FromStr<Err = String>>(s: &str) -> Result<T, String> {
    s.parse()
}

impl StrategyArgs {
    /// The backtest settings; every problem is reported at once. With `--risk worker` (or
    /// `--config`) the worker's settings are read as the worker reads them: the environment and
    /// `.env`, and the AWS secret with `SECRETS_SOURCE=aws`.
    pub fn config(&self) -> Result<BacktestConfig, Failure> {
        self.config_with(super::lookup::settings)
    }

    /// As [`StrategyArgs::config`], the worker's settings (read only for `--risk worker`) through
    /// `env`.
    pub(super) fn config_with(
        &self,
        env: impl FnOnce() -> Result<Lookup, Failure>,
    ) -> Result<BacktestConfig, Failure> {
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
        let risk = match (self.risk, &self.config) {
            (None, None) => Risk::None,
            (None | Some(Risk::Worker), Some(_)) => Risk::Worker,
            (Some(other @ (Risk::None | Risk::Default)), Some(_)) => {
                return Err(Failure::Usage(format!(
                    "--config trades as the worker does (--risk worker); it does not go with --risk {}",
                    if other == Risk::None { "none" } else { "default" }
                )));
            }
            (Some(risk), None) => risk,
        };
        if risk != Risk::None && self.sizing.is_some() {
            problems.push(
                "--sizing sizes the all-cash buys of --risk none; --risk default and worker size each buy \
                 at a fraction of equity, as the worker does"
                    .to_owned(),
            );
        }
        let mut config = match risk {
            Risk::Worker => {
                if self.lot_step.is_some() {
                    problems.push(
                        "--lot-step: with --risk worker the quantities follow the symbol's rules, as the worker's"
                            .to_owned(),
                    );
                }
                let settings = as_worker::settings(env()?, self.config.as_deref())?;
                let mut config = as_worker::config(&settings, symbol);
                match &self.strategy {
                    // Another strategy: its own defaults under the --param values.
                    Some(name) => (config.strategy, config.params) = (name.clone(), params),
                    None => config.params = mirai_backtest::sweep::with_params(&config, &params).params,
                }
                config
            }
            Risk::None | Risk::Default => BacktestConfig {
                symbol,
                strategy: self.strategy.clone().unwrap_or_else(|| "sma-cross".into()),
                params,
                limits: if risk == Risk::None { no_limits() } else { RiskLimits::default() },
                position_size: (risk == Risk::Default).then(|| Sizing::default().fraction()),
                sizing: self.sizing.unwrap_or_default(),
                ..BacktestConfig::default()
            },
        };
        // What the command line gives wins over the worker's settings.
        if let Some(v) = self.cash {
            config.cash = v;
        }
        if let Some(v) = self.fee {
            config.fee_rate = v;
        }
        if let Some(v) = self.slippage_bps {
            config.slippage_bps = v;
        }
        if let Some(v) = self.fill {
            config.fill = v;
        }
        if let Some(v) = self.lot_step {
            config.step = v;
        }
        if let Some(v) = self.stop_loss {
            config.stop_loss_pct = Some(v);
        }
        if let Some(v) = self.take_profit {
            config.take_profit_pct = Some(v);
        }
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
