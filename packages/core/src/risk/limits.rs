//! `RiskLimits`: the limits the pre-trade gates enforce, and their validation.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::Amount;
use crate::Confidence;

/// The limits the pre-trade gates enforce. Percentages are fractions of current equity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RiskLimits {
    /// The largest notional a single order may have, in the quote currency.
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = String, pattern = r"^(0*[1-9][0-9]{0,14}(\.[0-9]{1,18})?|0+\.0{0,17}[1-9][0-9]{0,17})$")
    )]
    pub max_order_notional: Amount,
    /// The largest holding in one symbol, as a fraction of equity (0.10 = 10 %).
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^(0\.0{0,17}[1-9][0-9]{0,17}|1(\.0{1,18})?)$"))]
    pub max_position_pct: Decimal,
    /// The largest sum of all holdings, as a fraction of equity.
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^(0\.0{0,17}[1-9][0-9]{0,17}|1(\.0{1,18})?)$"))]
    pub max_total_exposure_pct: Decimal,
    /// New buys stop once today's loss reaches this fraction of the day's starting equity.
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^(0\.0{0,17}[1-9][0-9]{0,17}|1(\.0{1,18})?)$"))]
    pub max_daily_loss_pct: Decimal,
    pub max_trades_per_day: u32,
    /// After this many losing round trips in a row, buying pauses for `cooldown_ms`.
    pub max_consecutive_losses: u32,
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 604_800_000))]
    pub cooldown_ms: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^(0(\.[0-9]{1,18})?|1(\.0{1,18})?)$"))]
    pub min_confidence: Confidence,
    /// No new entry in a symbol for this long after news about it; 0 turns the gate off.
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 86_400_000))]
    pub news_embargo_ms: i64,
}

impl Default for RiskLimits {
    /// The project's seeds: daily loss 5 %, position 10 %, exposure 25 %, confidence 0.7.
    fn default() -> Self {
        Self {
            max_order_notional: Amount::new(Decimal::from(1_000)),
            max_position_pct: Decimal::new(10, 2),
            max_total_exposure_pct: Decimal::new(25, 2),
            max_daily_loss_pct: Decimal::new(5, 2),
            max_trades_per_day: 50,
            max_consecutive_losses: 3,
            cooldown_ms: 3_600_000,
            min_confidence: Confidence::clamped(Decimal::new(7, 1)),
            news_embargo_ms: 30 * 60_000,
        }
    }
}

impl RiskLimits {
    /// No limit at all but the kill switch; for backtests that must match other engines.
    pub fn unrestricted() -> Self {
        Self {
            max_order_notional: Amount::new(Decimal::MAX),
            max_position_pct: Decimal::MAX,
            max_total_exposure_pct: Decimal::MAX,
            max_daily_loss_pct: Decimal::MAX,
            max_trades_per_day: u32::MAX,
            max_consecutive_losses: u32::MAX,
            cooldown_ms: 0,
            min_confidence: Confidence::ZERO,
            news_embargo_ms: 0,
        }
    }

    /// Every problem with the limits, all at once.
    pub fn validate(&self) -> Result<(), Vec<String>> {
        let mut errs = Vec::new();
        if self.max_order_notional.get() <= Decimal::ZERO {
            errs.push("max_order_notional must be positive".to_owned());
        }
        for (name, v) in [
            ("max_position_pct", self.max_position_pct),
            ("max_total_exposure_pct", self.max_total_exposure_pct),
            ("max_daily_loss_pct", self.max_daily_loss_pct),
        ] {
            if v <= Decimal::ZERO {
                errs.push(format!("{name} must be positive"));
            }
        }
        if self.cooldown_ms < 0 {
            errs.push("cooldown_ms must not be negative".to_owned());
        }
        if errs.is_empty() { Ok(()) } else { Err(errs) }
    }
}
