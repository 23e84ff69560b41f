//! `BacktestReport`: everything a finished backtest produced.

use std::collections::BTreeMap;

use mirai_core::Timestamp;
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
    /// Every fill, in order, when the config asked to keep them (`keep_fills`; `mirai backtest
    /// --fills`); empty otherwise. Not part of the JSON report.
    #[serde(skip)]
    pub fills: Vec<mirai_core::Fill>,
    /// The model that decided the entries (`Backtest::with_model`); absent from rules-only
    /// reports, which stay as they were.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<ModelNote>,
}

/// The model asked about a backtest's entries, as the caller names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelRun {
    pub name: String,
    /// Any time on the last day the model's training data covers (the day is what counts);
    /// `None` when unknown.
    pub training_cutoff: Option<Timestamp>,
}

/// How much of a backtest the model may have seen in training: past bars are only a test of a
/// model that had not read about them.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ModelNote {
    pub name: String,
    /// `YYYY-MM-DD`; `null` when unknown.
    pub training_cutoff: Option<String>,
    /// Bars opening on or before the cutoff day; `null` when the cutoff is unknown.
    pub bars_before_cutoff: Option<u64>,
    /// The share of the run's time range (first bar to last) on or before the cutoff day, in
    /// percent; `null` when the cutoff is unknown.
    pub pct_before_cutoff: Option<f64>,
}

impl ModelNote {
    /// The note for a run of `bars` bars opening from `start` to `end`, `bars_before` of them
    /// on or before the cutoff day.
    pub fn new(model: &ModelRun, bars_before: u64, start: Timestamp, end: Timestamp) -> Self {
        let Some(cutoff) = model.training_cutoff else {
            return Self {
                name: model.name.clone(),
                training_cutoff: None,
                bars_before_cutoff: None,
                pct_before_cutoff: None,
            };
        };
        let until = cutoff_end(cutoff);
        let span = end.millis() - start.millis();
        let pct = if span <= 0 {
            if start.millis() < until { 100.0 } else { 0.0 }
        } else {
            (until - start.millis()).clamp(0, span) as f64 / span as f64 * 100.0
        };
        let day = Timestamp::from_millis(cutoff.utc_day() * mirai_core::time::MS_PER_DAY).to_iso8601();
        Self {
            name: model.name.clone(),
            training_cutoff: day.get(..10).map(str::to_owned),
            bars_before_cutoff: Some(bars_before),
            pct_before_cutoff: Some(pct),
        }
    }
}

/// The first millisecond after the cutoff day: bars opening before it fall on or before the
/// cutoff.
pub(crate) fn cutoff_end(cutoff: Timestamp) -> i64 {
    (cutoff.utc_day() + 1).saturating_mul(mirai_core::time::MS_PER_DAY)
}
