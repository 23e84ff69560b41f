//! `BacktestReport`: everything a finished backtest produced.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{OpenTrade, Trade};
use crate::config::BacktestConfig;
use crate::metrics::{CurvePoint, Stats};

/// What happened to the engine's decisions on the way to the exchange.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub decisions: u64,
    pub orders: u64,
    /// Refusals by the risk gates, by gate.
    pub refused: BTreeMap<String, u64>,
    /// Rejections by the exchange, by Binance error message.
    pub rejected: BTreeMap<String, u64>,
    pub fills: u64,
    /// Fills the portfolio refused (the order lifecycle then halts trading, as live); absent
    /// from reports when none, which is always unless the engine and the exchange disagree.
    #[serde(skip_serializing_if = "is_zero")]
    pub fills_refused: u64,
    /// Entries decided with a model's answer (`Backtest::with_advice`), declines and abstentions
    /// included; absent from reports when none (every rules-only test).
    #[serde(skip_serializing_if = "is_zero")]
    pub model_advised: u64,
    /// Entries the model was asked about whose answer could not be used, decided by the rules
    /// instead (each decision keeps the reason); absent from reports when none.
    #[serde(skip_serializing_if = "is_zero")]
    pub model_fallbacks: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

#[derive(Clone, Debug, Serialize)]
pub struct BacktestReport {
    pub config: BacktestConfig,
    pub stats: Stats,
    pub counts: Counts,
    pub trade_list: Vec<Trade>,
    pub open_trade_list: Vec<OpenTrade>,
    /// At most a few thousand points, for charts.
    pub curve: Vec<CurvePoint>,
}
