//! Shared fixtures: the GOOG series and configs.

use std::path::PathBuf;

use mirai_backtest::data::Bars;
use mirai_backtest::{BacktestConfig, FillAt, UnitSizing};
use mirai_core::{Decimal, Symbol};

pub fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name)
}

pub fn goog() -> Bars {
    Bars::load(&data("GOOG.csv")).expect("GOOG.csv loads")
}

/// The reference setup: SMA(10/20), cash 10,000, 0.1 % per side, whole units.
pub fn reference(fill: FillAt) -> BacktestConfig {
    BacktestConfig {
        symbol: Symbol::new("GOOG"),
        strategy: "sma-cross".into(),
        params: vec![("fast".into(), "10".into()), ("slow".into(), "20".into())],
        cash: Decimal::from(10_000),
        fee_rate: Decimal::new(1, 3),
        fill,
        sizing: UnitSizing::Whole,
        ..BacktestConfig::default()
    }
}

/// |a - b| / |b|.
pub fn rel(a: f64, b: f64) -> f64 {
    ((a - b) / b).abs()
}
