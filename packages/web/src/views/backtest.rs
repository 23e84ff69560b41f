//! Backtests the worker runs on request: what to run (`BacktestRequest`), how far it has got
//! (`BacktestJobView`) and what it found (`BacktestResultView`). The web tier checks the shape
//! and ranges here; the worker checks the rest (strategy parameters, bundled names) and runs it.

use std::collections::BTreeMap;

use mirai_core::{Amount, Decimal, MAX_STARTING_CASH, Timestamp};
use serde::{Deserialize, Deserializer, Serialize};
use validator::{Validate, ValidationError};

/// The most bars a generated series may have: a run of this size takes about a second.
pub const MAX_GENERATED_BARS: u32 = 2_000_000;

/// `POST /api/backtests`. Amounts may be JSON strings (exact) or numbers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct BacktestRequest {
    #[serde(default = "default_strategy")]
    #[validate(length(min = 1, max = 32, message = "must be 1 to 32 characters"))]
    pub strategy: String,
    /// Parameters by name: `{"fast": 10, "slow": 20}`.
    #[serde(default)]
    #[validate(custom(function = "check_params"))]
    pub params: BTreeMap<String, ParamValue>,
    #[validate(nested)]
    pub data: DataSource,
    #[serde(default = "default_cash", deserialize_with = "decimal")]
    #[validate(custom(function = "check_cash"))]
    pub cash: Decimal,
    /// Commission per side as a fraction of notional.
    #[serde(default = "default_fee", deserialize_with = "decimal")]
    #[validate(custom(function = "check_fee"))]
    pub fee: Decimal,
    #[serde(default, deserialize_with = "decimal")]
    #[validate(custom(function = "check_slippage"))]
    pub slippage_bps: Decimal,
    #[serde(default)]
    pub fill: FillView,
    #[serde(default)]
    pub sizing: SizingView,
}

/// A parameter value as sent: a number or a short string.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum ParamValue {
    #[schema(value_type = f64)]
    Number(serde_json::Number),
    Text(String),
}

impl ParamValue {
    pub fn as_text(&self) -> String {
        match self {
            ParamValue::Number(n) => n.to_string(),
            ParamValue::Text(s) => s.clone(),
        }
    }
}

/// The bars to test on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum DataSource {
    /// The deterministic random walk (`mirai gen-bars`).
    Generated {
        bars: u32,
        #[serde(default)]
        seed: u64,
        /// `1m`, `1h`, `1d`, …
        #[serde(default = "default_interval")]
        interval: String,
    },
    /// A series shipped with the worker, by name (`goog-daily`).
    Bundled { name: String },
}

impl Validate for DataSource {
    fn validate(&self) -> Result<(), validator::ValidationErrors> {
        let mut errors = validator::ValidationErrors::new();
        match self {
            DataSource::Generated { bars, interval, .. } => {
                if *bars == 0 || *bars > MAX_GENERATED_BARS {
                    errors.add("bars", error("range", format!("must be from 1 to {MAX_GENERATED_BARS}")));
                }
                if interval.is_empty()
                    || interval.len() > 8
                    || !interval.chars().all(|c| c.is_ascii_alphanumeric())
                {
                    errors.add("interval", error("interval", "must be like 1m, 1h or 1d".into()));
                }
            }
            DataSource::Bundled { name } => {
                if name.is_empty()
                    || name.len() > 32
                    || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                {
                    errors.add("name", error("name", "must be 1 to 32 characters of a-z, 0-9 and -".into()));
                }
            }
        }
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum FillView {
    #[default]
    NextOpen,
    Close,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum SizingView {
    #[default]
    Whole,
    Fractional,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    Queued,
    Running,
    Done,
    Failed,
}

/// `GET /api/backtests/{id}`: the job and its progress.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BacktestJobView {
    pub id: String,
    pub status: JobStatus,
    pub bars_done: u64,
    pub bars_total: u64,
    pub created_at: Timestamp,
    pub finished_at: Option<Timestamp>,
    /// Why it failed, in words meant for the user.
    pub error: Option<String>,
    pub request: BacktestRequest,
}

/// `GET /api/backtests/{id}/result`: the headline figures, then everything `mirai backtest
/// --json` prints.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BacktestResultView {
    pub id: String,
    pub trades: u64,
    pub open_trades: u64,
    pub final_equity: Amount,
    pub return_pct: Option<f64>,
    pub max_drawdown_pct: Option<f64>,
    pub sharpe: Option<f64>,
    /// Every statistic by name.
    pub stats: serde_json::Value,
    /// The latest closed trades (at most [`BacktestResultView::MAX_TRADES`]).
    pub trade_list: serde_json::Value,
    pub trade_list_truncated: bool,
    pub open_trade_list: serde_json::Value,
    /// The equity curve, thinned to a few thousand points.
    pub curve: serde_json::Value,
}

impl BacktestResultView {
    pub const MAX_TRADES: usize = 500;
}

fn default_strategy() -> String {
    "sma-cross".to_owned()
}

fn default_cash() -> Decimal {
    Decimal::from(10_000)
}

fn default_fee() -> Decimal {
    Decimal::new(1, 3)
}

fn default_interval() -> String {
    "1m".to_owned()
}

/// A decimal from a JSON string or number.
fn decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => {
            s.trim().parse().map_err(|_| serde::de::Error::custom(format!("{s:?} is not a decimal number")))
        }
        serde_json::Value::Number(n) => n
            .to_string()
            .parse()
            .map_err(|_| serde::de::Error::custom(format!("{n} is not a decimal number"))),
        _ => Err(serde::de::Error::custom("expected a decimal number or a string holding one")),
    }
}

fn error(code: &'static str, message: String) -> ValidationError {
    ValidationError::new(code).with_message(message.into())
}

fn check_params(params: &BTreeMap<String, ParamValue>) -> Result<(), ValidationError> {
    if params.len() > 8 {
        return Err(error("params", "at most 8 parameters".into()));
    }
    for (k, v) in params {
        let ok_name =
            !k.is_empty() && k.len() <= 32 && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        let ok_value = match v {
            ParamValue::Number(_) => true,
            ParamValue::Text(t) => !t.is_empty() && t.len() <= 32,
        };
        if !ok_name || !ok_value {
            return Err(error(
                "params",
                "names of a-z, 0-9 and _ (up to 32), values numbers or short strings".into(),
            ));
        }
    }
    Ok(())
}

fn check_cash(v: &Decimal) -> Result<(), ValidationError> {
    if *v <= Decimal::ZERO || *v > Decimal::from(MAX_STARTING_CASH) {
        return Err(error("range", format!("must be above 0 and at most {MAX_STARTING_CASH}")));
    }
    Ok(())
}

fn check_fee(v: &Decimal) -> Result<(), ValidationError> {
    if *v < Decimal::ZERO || *v > Decimal::new(5, 2) {
        return Err(error("range", "must be from 0 to 0.05 (5 %)".into()));
    }
    Ok(())
}

fn check_slippage(v: &Decimal) -> Result<(), ValidationError> {
    if *v < Decimal::ZERO || *v > Decimal::from(500) {
        return Err(error("range", "must be from 0 to 500 basis points".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_take_numbers_or_strings_and_fill_in_defaults() {
        let r: BacktestRequest = serde_json::from_str(
            r#"{"params":{"fast":10,"slow":"20"},"data":{"bundled":{"name":"goog-daily"}},"fee":0.001,"cash":"10000"}"#,
        )
        .unwrap();
        assert_eq!(r.strategy, "sma-cross");
        assert_eq!(r.params["fast"].as_text(), "10");
        assert_eq!(r.fee, Decimal::new(1, 3));
        assert_eq!((r.fill, r.sizing), (FillView::NextOpen, SizingView::Whole));
        assert!(r.validate().is_ok());
        let bad: BacktestRequest =
            serde_json::from_str(r#"{"data":{"generated":{"bars":0}},"cash":-1,"fee":"0.5"}"#).unwrap();
        let e = bad.validate().unwrap_err().to_string();
        for field in ["bars", "cash", "fee"] {
            assert!(e.contains(field), "{field} missing from {e}");
        }
        assert!(
            serde_json::from_str::<BacktestRequest>(r#"{"data":{"bundled":{"name":"x"}},"oops":1}"#).is_err()
        );
    }
}
