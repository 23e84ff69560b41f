//! `Decision`: what the agent decided for a symbol at a moment, and why, in words a person can read.

use std::borrow::Cow;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::{AdviceSource, DecisionId, DomainError, Price, Symbol, Timestamp};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Confidence(Decimal);

/// The values' order, as `Decimal`'s, in integers in the common case: the risk gate compares
/// every buy's confidence with the minimum.
impl Ord for Confidence {
    #[inline]
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        crate::decimal::ops::cmp(self.0, other.0)
    }
}

impl PartialOrd for Confidence {
    #[inline]
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

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
    ///
    /// Exactly `value.clamp(0, 1)` (the value itself, mantissa and scale, when inside), decided
    /// in integers for a value of at most 19 places and 64 bits of mantissa (every strategy's
    /// strength): `clamp` made three decimal comparisons, its own check of the bounds included,
    /// and every signal is clamped.
    #[inline]
    pub fn clamped(value: Decimal) -> Self {
        if value.is_sign_negative() {
            // −0 is not below 0: `clamp` keeps it as it is.
            return if value.is_zero() { Self(value) } else { Self::ZERO };
        }
        let scale = value.scale();
        match (u64::try_from(value.mantissa()), crate::pow10::POW10_U64.get(scale as usize)) {
            (Ok(m), Some(&one)) => {
                if m > one {
                    Self::ONE
                } else {
                    Self(value)
                }
            }
            _ => Self::clamped_in_decimal(value),
        }
    }

    /// [`Confidence::clamped`] by decimal comparisons: the reference, and the answer for values
    /// beyond the integer test.
    #[cold]
    fn clamped_in_decimal(value: Decimal) -> Self {
        Self(value.clamp(Decimal::ZERO, Decimal::ONE))
    }

    /// `mantissa × 10^-scale`, if that lies in [0, 1]; checked in integers, without the two
    /// decimal comparisons `new_checked` makes (the engine builds one per decision).
    #[inline]
    pub fn from_scaled(mantissa: u64, scale: u32) -> Option<Self> {
        let one = 10u64.checked_pow(scale)?;
        if mantissa > one || scale > 28 {
            return None;
        }
        // A `u64` mantissa is the decimal's low 64 bits; the high 32 are zero.
        Some(Self(Decimal::from_parts(mantissa as u32, (mantissa >> 32) as u32, 0, false, scale)))
    }

    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let d = Decimal::from_str(s.trim())
            .map_err(|_| DomainError::NotDecimal { what: "confidence", value: s.to_owned() })?;
        Self::new_checked(d)
    }

    #[inline]
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

/// A source the advisor relied on (a news item, an indicator reading). A news item cited by a
/// model carries its id, publication time and content hash, so the cited text can be found (and
/// checked unchanged) after news retention removed it from the search index.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Citation {
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub news_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_at: Option<Timestamp>,
    /// SHA-256 (hex) of the text the model was shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_hash: Option<String>,
}

impl Citation {
    /// A citation by title (and link) alone, as the rule-based advisor makes them.
    pub fn titled(title: impl Into<String>, url: Option<String>) -> Self {
        Self { title: title.into(), url, news_id: None, published_at: None, content_hash: None }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub id: DecisionId,
    pub ts: Timestamp,
    pub symbol: Symbol,
    /// The strategy's name: borrowed when the engine decides (its strategies are named by
    /// `&'static str`, so a decision allocates nothing for it), owned when read back from a store.
    /// Serialises as the plain string it always was.
    pub strategy: Cow<'static, str>,
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
    /// Who advised: the rules, a model, or the rules after a model's answer could not be used
    /// (with the reason). Decisions stored before models existed read back as `rules`.
    #[serde(default)]
    pub advisor: AdviceSource,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confidences_from_integers_are_the_decimals_they_name() {
        let c = Confidence::from_scaled(7_000, 4).unwrap();
        assert_eq!((c.get().mantissa(), c.get().scale()), (7_000, 4));
        assert_eq!(c, Confidence::parse("0.7000").unwrap());
        assert_eq!(Confidence::from_scaled(1, 0), Some(Confidence::ONE));
        assert_eq!(Confidence::from_scaled(10_001, 4), None, "above 1");
        let one = 10u64.pow(19);
        assert_eq!(
            Confidence::from_scaled(one, 19).unwrap().get().mantissa(),
            i128::from(one),
            "beyond 32 bits"
        );
        assert_eq!(Confidence::from_scaled(1, 20), None, "10^20 does not fit");
    }

    /// Mantissa and scale alike, not just the value: a confidence is stored and shown.
    fn same(a: Confidence, b: Confidence) -> bool {
        a.get().mantissa() == b.get().mantissa()
            && a.get().scale() == b.get().scale()
            && a.get().is_sign_negative() == b.get().is_sign_negative()
    }

    #[test]
    fn clamping_keeps_the_bounds_and_negative_zero_as_clamp_does() {
        let minus_zero = Decimal::from_parts(0, 0, 0, true, 3);
        for v in [minus_zero, Decimal::ZERO, Decimal::ONE, Decimal::new(-1, 9), Decimal::new(10_001, 4)] {
            assert!(same(Confidence::clamped(v), Confidence::clamped_in_decimal(v)), "{v:?}");
        }
        assert!(same(Confidence::clamped(Decimal::MAX), Confidence::ONE));
        assert!(same(Confidence::clamped(Decimal::MIN), Confidence::ZERO));
    }

    proptest::proptest! {
        #[test]
        fn clamping_in_integers_is_clamp(
            lo in proptest::prelude::any::<u32>(),
            mid in proptest::prelude::any::<u32>(),
            hi in proptest::prelude::prop_oneof![proptest::prelude::Just(0u32), proptest::prelude::any::<u32>()],
            negative in proptest::prelude::any::<bool>(),
            scale in 0u32..=28,
            small in proptest::prelude::any::<bool>(),
        ) {
            // Half the cases near one (a strategy's strengths), half anywhere in the range.
            let (lo, mid) = if small { (lo % 3_000_000, 0) } else { (lo, mid) };
            let v = Decimal::from_parts(lo, mid, if small { 0 } else { hi }, negative, if small { scale % 7 } else { scale });
            proptest::prop_assert!(same(Confidence::clamped(v), Confidence::clamped_in_decimal(v)), "{:?}", v);
        }
    }
}
