//! Risk limits and the two verdicts of the pre-trade gates. An executor accepts only
//! `RiskApproved<OrderRequest>`, so an order that skipped the gates does not type-check.

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::{Amount, Confidence};

/// The limits the pre-trade gates enforce. Percentages are fractions of current equity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RiskLimits {
    /// The largest notional a single order may have, in the quote currency.
    pub max_order_notional: Amount,
    /// The largest holding in one symbol, as a fraction of equity (0.10 = 10 %).
    pub max_position_pct: Decimal,
    /// The largest sum of all holdings, as a fraction of equity.
    pub max_total_exposure_pct: Decimal,
    /// New buys stop once today's loss reaches this fraction of the day's starting equity.
    pub max_daily_loss_pct: Decimal,
    pub max_trades_per_day: u32,
    /// After this many losing round trips in a row, buying pauses for `cooldown_ms`.
    pub max_consecutive_losses: u32,
    pub cooldown_ms: i64,
    pub min_confidence: Confidence,
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

/// A value that passed every pre-trade gate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RiskApproved<T>(T);

impl<T> RiskApproved<T> {
    /// Only the risk gates (`mirai-risk`) and simulators replaying already-approved history call
    /// this; anything else that does defeats the point of the type.
    pub fn new_by_risk_gate(value: T) -> Self {
        Self(value)
    }

    pub fn inner(&self) -> &T {
        &self.0
    }

    pub fn into_inner(self) -> T {
        self.0
    }
}

/// A value that a gate refused, with the reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RiskRefused<T> {
    pub item: T,
    pub reason: RefusalReason,
}

/// Why a gate refused an order. Each carries the numbers behind the refusal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "gate", rename_all = "snake_case")]
pub enum RefusalReason {
    KillSwitch,
    Paused,
    MinConfidence { confidence: Confidence, min: Confidence },
    MaxOrderNotional { notional: Amount, max: Amount },
    MaxPosition { after: Amount, max: Amount },
    MaxTotalExposure { after: Amount, max: Amount },
    MaxDailyLoss { loss: Amount, max: Amount },
    MaxTradesPerDay { trades: u32, max: u32 },
    Cooldown { losses: u32, until_ms: i64 },
    ZeroQuantity,
    NoPrice,
}

impl RefusalReason {
    /// A stable short name, for logs, metrics and the store.
    pub fn gate(&self) -> &'static str {
        match self {
            RefusalReason::KillSwitch => "kill_switch",
            RefusalReason::Paused => "paused",
            RefusalReason::MinConfidence { .. } => "min_confidence",
            RefusalReason::MaxOrderNotional { .. } => "max_order_notional",
            RefusalReason::MaxPosition { .. } => "max_position",
            RefusalReason::MaxTotalExposure { .. } => "max_total_exposure",
            RefusalReason::MaxDailyLoss { .. } => "max_daily_loss",
            RefusalReason::MaxTradesPerDay { .. } => "max_trades_per_day",
            RefusalReason::Cooldown { .. } => "cooldown",
            RefusalReason::ZeroQuantity => "zero_quantity",
            RefusalReason::NoPrice => "no_price",
        }
    }
}

impl fmt::Display for RefusalReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RefusalReason::KillSwitch => write!(f, "kill switch is on: no new orders"),
            RefusalReason::Paused => write!(f, "trading is paused"),
            RefusalReason::MinConfidence { confidence, min } => {
                write!(f, "confidence {} is below the minimum {}", confidence.get(), min.get())
            }
            RefusalReason::MaxOrderNotional { notional, max } => {
                write!(f, "order notional {notional} exceeds the maximum {max}")
            }
            RefusalReason::MaxPosition { after, max } => {
                write!(f, "position would be {after}, above the per-symbol limit {max}")
            }
            RefusalReason::MaxTotalExposure { after, max } => {
                write!(f, "total exposure would be {after}, above the limit {max}")
            }
            RefusalReason::MaxDailyLoss { loss, max } => {
                write!(f, "today's loss {loss} has reached the daily limit {max}")
            }
            RefusalReason::MaxTradesPerDay { trades, max } => {
                write!(f, "{trades} trades today reach the daily maximum {max}")
            }
            RefusalReason::Cooldown { losses, until_ms } => {
                write!(
                    f,
                    "cooling down after {losses} consecutive losses until {}",
                    crate::Timestamp::from_millis(*until_ms)
                )
            }
            RefusalReason::ZeroQuantity => write!(f, "order quantity rounds to zero"),
            RefusalReason::NoPrice => write!(f, "no market price known for the symbol"),
        }
    }
}
