//! The decision model's answer: the JSON schema it is held to, and its validation in code, which
//! turns every unusable answer into a named [`Rejection`] (recorded as the fallback's reason)
//! rather than a silent default.

use std::str::FromStr;

use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{Value, json};

use mirai_core::{Action, Citation, Confidence};

use super::prompt::{MAX_NEWS, ShownNews};
use super::sanitize::untrusted_text;

/// The `name` of the `response_format` JSON schema.
pub const SCHEMA_NAME: &str = "mirai_advice";
const MAX_RATIONALE_CHARS: usize = 2000;
/// Longest part of a parser message kept in a rejection: enough to say what was wrong, and no
/// room to copy the answer itself into the record.
const MAX_EXCERPT_CHARS: usize = 200;
const MAX_ID_CHARS: usize = 100;

/// The answer's JSON schema, for OpenAI structured outputs in strict mode: every property
/// required, no other allowed. Ranges are not in it (some strict servers refuse
/// `minimum`/`maximum`); [`validate`] checks them.
pub fn schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "action": {"type": "string", "enum": ["buy", "sell", "hold", "abstain"]},
            "confidence": {"type": "number"},
            "size_fraction": {"type": "number"},
            "rationale": {"type": "string"},
            "citations": {"type": "array", "items": {"type": "string"}}
        },
        "required": ["action", "confidence", "size_fraction", "rationale", "citations"],
        "additionalProperties": false
    })
}

/// What the model advised on an entry signal. There is no `Sell`: selling is never an answer to
/// an entry, so a "sell" is a [`Rejection::Contradicts`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelAction {
    /// Take the signal's entry.
    Buy,
    /// Decline it.
    Hold,
    /// No view: the model declines to judge.
    Abstain,
}

impl ModelAction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Buy => "buy",
            Self::Hold => "hold",
            Self::Abstain => "abstain",
        }
    }
}

/// An answer that passed every check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidAnswer {
    pub action: ModelAction,
    pub confidence: Confidence,
    /// In [0, 1], four decimal places.
    pub size_fraction: Decimal,
    /// Cleaned: it is stored and shown on the dashboard.
    pub rationale: String,
    /// The cited news as shown, in the model's order, each once.
    pub citations: Vec<Citation>,
}

/// Why an answer was not used. The message is the fallback's recorded reason.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// Not parseable as JSON; holds a short excerpt of the parser's message.
    #[error("the answer is not JSON: {0}")]
    NotJson(String),
    /// JSON, but not the schema: a missing, unknown or repeated field, a wrong type, an unknown
    /// action.
    #[error("the answer does not follow the schema: {0}")]
    Schema(String),
    #[error("{field} {value} is not a number between 0 and 1")]
    OutOfRange { field: &'static str, value: String },
    #[error(
        "the answer \"{answer}\" cannot be taken on a {} signal: only buy, hold or abstain on an entry",
        .signal.as_str()
    )]
    Contradicts { signal: Action, answer: String },
    #[error("citation {0:?} was not among the news shown")]
    InventedCitation(String),
    #[error("more than {} citations", MAX_NEWS)]
    TooManyCitations,
    #[error("the rationale is empty")]
    EmptyRationale,
}

impl Rejection {
    /// A stable name for counting fallbacks by cause.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::NotJson(_) => "not_json",
            Self::Schema(_) => "schema",
            Self::OutOfRange { .. } => "out_of_range",
            Self::Contradicts { .. } => "contradicts",
            Self::InventedCitation(_) => "invented_citation",
            Self::TooManyCitations => "too_many_citations",
            Self::EmptyRationale => "empty_rationale",
        }
    }
}

/// The answer as the schema says it is, before any rule is checked.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAnswer {
    action: String,
    confidence: f64,
    size_fraction: f64,
    rationale: String,
    citations: Vec<String>,
}

/// A [`RawAnswer`] from a JSON object only: serde's derived `Deserialize` also accepts an array
/// of the fields in order, which the schema does not allow.
struct ObjectOnly(RawAnswer);

impl<'de> Deserialize<'de> for ObjectOnly {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Fields;
        impl<'de> serde::de::Visitor<'de> for Fields {
            type Value = RawAnswer;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<RawAnswer, A::Error> {
                RawAnswer::deserialize(serde::de::value::MapAccessDeserializer::new(map))
            }
        }
        d.deserialize_map(Fields).map(ObjectOnly)
    }
}

/// `content` (the model's message) checked against the schema and every rule, for a signal whose
/// action is `signal`, given the news the prompt showed.
pub fn validate(content: &str, signal: Action, shown: &[ShownNews]) -> Result<ValidAnswer, Rejection> {
    let ObjectOnly(raw) = serde_json::from_str(content).map_err(|e| {
        let excerpt = untrusted_text(&e.to_string(), MAX_EXCERPT_CHARS);
        match e.classify() {
            serde_json::error::Category::Data => Rejection::Schema(excerpt),
            _ => Rejection::NotJson(excerpt),
        }
    })?;

    let action = match (raw.action.as_str(), signal) {
        ("buy", Action::Buy) => ModelAction::Buy,
        ("hold", _) => ModelAction::Hold,
        ("abstain", _) => ModelAction::Abstain,
        (answer @ ("buy" | "sell"), _) => {
            return Err(Rejection::Contradicts { signal, answer: answer.to_owned() });
        }
        (other, _) => {
            return Err(Rejection::Schema(format!("unknown action {:?}", untrusted_text(other, 40))));
        }
    };

    let confidence = unit_decimal("confidence", raw.confidence)?;
    let confidence =
        Confidence::new_checked(confidence).map_err(|_| out_of_range("confidence", raw.confidence))?;
    let size_fraction = unit_decimal("size_fraction", raw.size_fraction)?;

    let rationale = untrusted_text(&raw.rationale, MAX_RATIONALE_CHARS);
    if rationale.is_empty() {
        return Err(Rejection::EmptyRationale);
    }

    if raw.citations.len() > MAX_NEWS {
        return Err(Rejection::TooManyCitations);
    }
    let mut citations: Vec<Citation> = Vec::with_capacity(raw.citations.len());
    for id in &raw.citations {
        if citations.iter().any(|c| c.news_id.as_deref() == Some(id.as_str())) {
            continue;
        }
        let news = shown
            .iter()
            .find(|s| s.id == *id)
            .ok_or_else(|| Rejection::InventedCitation(untrusted_text(id, MAX_ID_CHARS)))?;
        citations.push(Citation {
            title: news.title.clone(),
            url: news.url.clone(),
            news_id: Some(news.id.clone()),
            published_at: Some(news.published_at),
            content_hash: Some(news.content_hash.clone()),
        });
    }

    Ok(ValidAnswer { action, confidence, size_fraction, rationale, citations })
}

/// `v` as a decimal with four places, if it is a finite number in [0, 1]. Not money: a ratio the
/// model gave as a float, so rounding its decimal expansion is exact enough.
fn unit_decimal(field: &'static str, v: f64) -> Result<Decimal, Rejection> {
    if !v.is_finite() || !(0.0..=1.0).contains(&v) {
        return Err(out_of_range(field, v));
    }
    let mut d = Decimal::from_str(&format!("{v:.4}")).map_err(|_| out_of_range(field, v))?;
    // -0.0 is in range and prints as "-0.0000".
    d.set_sign_positive(true);
    Ok(d)
}

fn out_of_range(field: &'static str, v: f64) -> Rejection {
    // Plain notation for readable values; exponent notation where plain would run to hundreds
    // of digits (1e300).
    let plain = v.to_string();
    let value = if plain.len() <= 24 { plain } else { format!("{v:e}") };
    Rejection::OutOfRange { field, value }
}

#[cfg(test)]
mod tests;
