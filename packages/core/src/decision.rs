//! `Decision`: what the agent decided for a symbol at a moment, and why, in words a person can read.

use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::{DecisionId, DomainError, Price, Symbol, Timestamp};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Buy,
    Sell,
    Hold,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Buy => "buy",
            Action::Sell => "sell",
            Action::Hold => "hold",
        }
    }
}

/// How sure the advisor is, from 0 to 1. A decimal so that the risk gate's comparison with the
/// minimum (0.7 by default) is exact.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Confidence(Decimal);

impl Confidence {
    pub const ZERO: Self = Self(Decimal::ZERO);
    pub const ONE: Self = Self(Decimal::ONE);

    pub fn new_checked(value: Decimal) -> Result<Self, DomainError> {
        if value < Decimal::ZERO || value > Decimal::ONE {
            return Err(DomainError::Invalid {
                what: "confidence",
                value: value.to_string(),
                why: "must be between 0 and 1",
            });
        }
        Ok(Self(value))
    }

    /// Clamps any value into [0, 1]; for confidences computed by our own rules.
    pub fn clamped(value: Decimal) -> Self {
        Self(value.clamp(Decimal::ZERO, Decimal::ONE))
    }

    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let d = Decimal::from_str(s.trim())
            .map_err(|_| DomainError::NotDecimal { what: "confidence", value: s.to_owned() })?;
        Self::new_checked(d)
    }

    pub fn get(self) -> Decimal {
        self.0
    }
}

impl<'de> Deserialize<'de> for Confidence {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = <Decimal as Deserialize>::deserialize(d)?;
        Self::new_checked(v).map_err(serde::de::Error::custom)
    }
}

/// A source the advisor relied on (a news item, an indicator reading).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Citation {
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub id: DecisionId,
    pub ts: Timestamp,
    pub symbol: Symbol,
    pub strategy: String,
    pub action: Action,
    /// Fraction of equity the decision wants to commit (buys) or of the holding to sell (sells).
    pub size_fraction: Decimal,
    /// The price the decision was taken at.
    pub price: Price,
    pub stop_loss: Option<Price>,
    pub take_profit: Option<Price>,
    pub confidence: Confidence,
    pub rationale: String,
    pub citations: Vec<Citation>,
}
