//! `--risk worker` and `--config FILE`: a backtest that trades as the worker does. The worker's
//! settings are read by the worker's own reader (`Settings::from_lookup`, with `STRATEGY_FILE`
//! set to `--config`), and the backtest is given what `app::start` gives the worker's engine and
//! paper exchange: the symbol's strategy, `Sizing::FractionOfEquity(POSITION_SIZE_PCT)` sized with
//! the fee, the `RiskLimits`, the fee rate and slippage, the opening cash, the replayed market's
//! symbol rules and the rule-based advisor's stops; and fills on the bar's close, as the worker's
//! paper exchange fills market orders at the last close.

use std::path::Path;

use mirai_backtest::{BacktestConfig, FillAt};
use mirai_core::Symbol;
use mirai_engine::RuleBasedAdvisor;

use super::Failure;
use crate::config::Settings;
use crate::secret_source::Lookup;

/// The worker's settings through `env`, with `STRATEGY_FILE` set to `config` when given. Every
/// setting is checked as at the worker's start: one the worker would refuse stops the backtest.
pub(super) fn settings(env: Lookup, config: Option<&Path>) -> Result<Settings, Failure> {
    let file = config.map(|p| p.to_string_lossy().into_owned());
    let get = move |key: &str| match (key, &file) {
        ("STRATEGY_FILE", Some(path)) => Some(path.clone()),
        _ => env(key),
    };
    Settings::from_lookup(&get).map_err(|e| {
        Failure::Usage(format!("--risk worker reads the worker's settings, and they are not valid: {e}"))
    })
}

/// The backtest of `symbol` as the worker would trade it on `settings`.
pub(super) fn config(settings: &Settings, symbol: Symbol) -> BacktestConfig {
    let spec = settings.trading.strategy_for(symbol);
    // The advisor the worker decides with (`app::start`): its stops.
    let advisor = RuleBasedAdvisor::default();
    BacktestConfig {
        symbol,
        strategy: spec.name().to_owned(),
        params: spec.params().into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        cash: settings.paper.starting_cash.get(),
        fee_rate: settings.paper.fee_rate,
        slippage_bps: settings.paper.slippage_bps,
        fill: FillAt::Close,
        limits: settings.trading.limits.clone(),
        stop_loss_pct: advisor.stop_loss_pct,
        take_profit_pct: advisor.take_profit_pct,
        position_size: Some(settings.trading.position_size),
        // The replayed market's rules, as the paper exchange and the engine get them there. With
        // MARKET_DATA=binance the worker fetches Binance's own; the backtest does not.
        symbol_rules: Some(crate::feed::replay_rules(symbol)),
        ..BacktestConfig::default()
    }
}

#[cfg(test)]
mod tests;
