//! The two verdicts of the pre-trade gates. An executor accepts only `RiskApproved<OrderRequest>`,
//! and only the gate ([`super::RiskGate`]) can make one, so an order that skipped the gates does
//! not type-check.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{Amount, Confidence};

/// A value that passed every pre-trade gate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RiskApproved<T>(T);

impl<T> RiskApproved<T> {
    /// Only the gate calls this: the one way to an approval is through the checks.
    pub(super) fn new_by_risk_gate(value: T) -> Self {
        Self(value)
    }

    /// An approval without the gate, for tests of what runs after it (executors, venues). Only
    /// with the `stubs` feature, which only dev-dependencies enable.
    #[cfg(any(test, feature = "stubs"))]
    pub fn stub(value: T) -> Self {
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
    MinConfidence {
        confidence: Confidence,
        min: Confidence,
    },
    MaxOrderNotional {
        notional: Amount,
        max: Amount,
    },
    MaxPosition {
        after: Amount,
        max: Amount,
    },
    MaxTotalExposure {
        after: Amount,
        max: Amount,
    },
    MaxDailyLoss {
        loss: Amount,
        max: Amount,
    },
    MaxTradesPerDay {
        trades: u32,
        max: u32,
    },
    Cooldown {
        losses: u32,
        until_ms: i64,
    },
    /// No new entry in a symbol for a while after news about it (the market digests it first).
    NewsEmbargo {
        until_ms: i64,
    },
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
            RefusalReason::NewsEmbargo { .. } => "news_embargo",
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
            RefusalReason::NewsEmbargo { until_ms } => {
                write!(
                    f,
                    "news about the symbol: no new entry until {}",
                    crate::Timestamp::from_millis(*until_ms)
                )
            }
            RefusalReason::ZeroQuantity => write!(f, "order quantity rounds to zero"),
            RefusalReason::NoPrice => write!(f, "no market price known for the symbol"),
        }
    }
}
