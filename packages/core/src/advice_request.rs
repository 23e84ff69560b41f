//! `AdviceRequest` and `ModelAdvice`: what an external advisor (a language model) is asked about
//! one entry signal, and what comes back after validation. The model proposes; the engine sizes,
//! gates and (by mode) executes. Exits never wait for a model.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::{Amount, Citation, Confidence, Qty, Signal, Timestamp};

/// Everything an external advisor is shown about one signal, built by the engine from its own
/// state: the model never chooses what it sees (news is added by the caller, filtered by time).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AdviceRequest {
    pub signal: Signal,
    /// The symbol's holding now (zero for an entry).
    pub position_qty: Qty,
    pub cash: Amount,
    pub equity: Amount,
    /// What the risk gates still allow today; the model is told, the gates enforce it anyway.
    pub budget: RiskBudget,
}

/// The room the risk gates leave, as of the request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskBudget {
    pub max_order_notional: Amount,
    /// How much more of this symbol may be held, in the quote currency.
    pub position_room: Amount,
    pub trades_left_today: u32,
    /// How much more may be lost today before new buys stop.
    pub daily_loss_room: Amount,
    pub min_confidence: Confidence,
}

/// What an external advisor's answer became: validated advice, or the reason it cannot be used
/// (then the engine decides with its rule-based advisor and records the reason).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExternalAdvice {
    Model(ModelAdvice),
    Fallback {
        model: String,
        reason: String,
        prompt_hash: Option<String>,
        /// What the call used, when one was made (a timeout, an invalid answer, a refusal); none
        /// when no call was made (breaker open, budget spent, answer replayed from the call log).
        usage: Option<CallUsage>,
    },
}

/// A model's validated answer to an [`AdviceRequest`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelAdvice {
    /// `true`: take the signal's entry; `false`: hold (declined, or abstained).
    pub enter: bool,
    /// The model had no view (as opposed to advising to hold).
    pub abstained: bool,
    pub confidence: Confidence,
    /// Multiplies the size the engine computed: in [0, 1], so it can only shrink an order.
    pub size_fraction: Decimal,
    pub rationale: String,
    pub citations: Vec<Citation>,
    pub model: String,
    /// SHA-256 (hex) of the request sent: the key of the recorded call.
    pub prompt_hash: String,
    /// What the call used; none when the answer was replayed from the call log.
    pub usage: Option<CallUsage>,
}

/// What one network call to the model used. Recorded with the decision it served, only when a
/// call was actually made: an answer replayed from the call log, or a call the breaker or the
/// budget held back, has none.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CallUsage {
    /// Prompt tokens, as the server counted them (0 when it never answered).
    pub tokens_in: u32,
    /// Answer tokens, as the server counted them (0 when it never answered).
    pub tokens_out: u32,
    /// What the call cost, in US dollars (0 when it never answered).
    pub cost_usd: Decimal,
    /// From sending the request to the answer, or to giving up on it, in milliseconds.
    pub latency_ms: u64,
}

/// Who produced a decision's advice. The payloads are boxed: a decision is moved several times
/// on its way out of the engine, and the rules' decisions (every backtest's) should carry 16 bytes
/// for this, not 80 (docs/benchmarks.md).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum AdviceSource {
    /// The offline, deterministic advisor.
    #[default]
    Rules,
    /// A language model's validated answer.
    Model(Box<ModelSource>),
    /// The model was asked and its answer was not used; the rule-based advice was.
    Fallback(Box<FallbackSource>),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ModelSource {
    pub model: String,
    /// SHA-256 (hex) of the request sent: the key of the recorded call.
    pub prompt_hash: String,
    /// The model abstained (no view), as opposed to advising to hold.
    #[serde(default)]
    pub abstained: bool,
    /// What the call used; none when the answer was replayed from the call log (and for
    /// decisions stored before it was recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<CallUsage>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FallbackSource {
    pub model: String,
    /// Why, in words (`no answer within 8000 ms`, `citation "n-9" was not among the news
    /// shown`, ...).
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_hash: Option<String>,
    /// What the call used, when one was made before falling back (a timeout: latency only; an
    /// invalid answer or a refusal: tokens and cost too); none when no call was made (breaker
    /// open, budget spent, answer replayed from the call log).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<CallUsage>,
}

impl AdviceSource {
    pub fn model(model: String, prompt_hash: String, abstained: bool, usage: Option<CallUsage>) -> Self {
        Self::Model(Box::new(ModelSource { model, prompt_hash, abstained, usage }))
    }

    pub fn fallback(
        model: String,
        reason: String,
        prompt_hash: Option<String>,
        usage: Option<CallUsage>,
    ) -> Self {
        Self::Fallback(Box::new(FallbackSource { model, reason, prompt_hash, usage }))
    }

    /// What the model's call used, if one was made for this decision.
    pub fn usage(&self) -> Option<&CallUsage> {
        match self {
            Self::Rules => None,
            Self::Model(m) => m.usage.as_ref(),
            Self::Fallback(f) => f.usage.as_ref(),
        }
    }
}

/// The advisor's totals for the current UTC day, as `/api/status` shows them. They survive a
/// restart (the model's advisor keeps them beside its call log) and cover every process that
/// spends from that log, so they say what the budget is measured against. A worker deciding by
/// the rules reports `kind: "rules"` and zeros.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdvisorStats {
    /// `rules` or `llm`.
    pub kind: String,
    pub model: Option<String>,
    /// Decisions the model was asked about (answered from the network or from the record).
    pub calls: u64,
    pub fallbacks: u64,
    pub last_fallback_reason: Option<String>,
    pub tokens_in: u64,
    pub tokens_out: u64,
    /// Spent today, in US dollars (a decimal string); the same figure as `spent_today_usd`.
    pub cost_usd: Decimal,
    pub spent_today_usd: Decimal,
    pub daily_budget_usd: Option<Decimal>,
    /// `fallbacks` by cause: `timeout`, `rate_limited`, `server_error`, `network`,
    /// `misconfigured`, `request_refused`, `breaker_open`, `budget_spent`, `budget_unknown`,
    /// `invalid_answer`, `refused` (docs/ai.md). Only causes seen today appear.
    /// Absent in answers from older workers.
    #[serde(default)]
    pub fallbacks_by_cause: BTreeMap<String, u64>,
    /// While the circuit breaker keeps the model from being asked: until when.
    #[serde(default)]
    pub breaker_open_until: Option<Timestamp>,
    /// Why the budget is closed for the rest of the day although it is not spent (its record
    /// could not be read or written, so today's spend is unknown).
    #[serde(default)]
    pub budget_closed_reason: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advisor_stats_from_an_older_worker_read_with_empty_counts() {
        let old = r#"{"kind":"llm","model":"m","calls":2,"fallbacks":1,"last_fallback_reason":"x",
            "tokens_in":10,"tokens_out":5,"cost_usd":"0.01","spent_today_usd":"0.01","daily_budget_usd":"5"}"#;
        let s: AdvisorStats = serde_json::from_str(old).expect("an older answer still reads");
        assert_eq!((s.calls, s.fallbacks), (2, 1));
        assert!(s.fallbacks_by_cause.is_empty());
        assert_eq!(s.breaker_open_until, None);
    }

    #[test]
    fn an_advisor_stored_before_usage_was_recorded_reads_back_without_it() {
        let old = r#"{"kind":"model","model":"m","prompt_hash":"ab","abstained":false}"#;
        let a: AdviceSource = serde_json::from_str(old).expect("an older decision still reads");
        assert_eq!(a, AdviceSource::model("m".into(), "ab".into(), false, None));
        let old = r#"{"kind":"fallback","model":"m","reason":"no answer within 8000 ms"}"#;
        let a: AdviceSource = serde_json::from_str(old).expect("an older fallback still reads");
        assert_eq!(a.usage(), None);
        // And without usage nothing new is written: the JSON is what it was.
        let v = serde_json::to_value(AdviceSource::fallback("m".into(), "r".into(), None, None)).unwrap();
        assert_eq!(v, serde_json::json!({"kind": "fallback", "model": "m", "reason": "r"}));
    }

    #[test]
    fn usage_round_trips_with_the_advisor() {
        let usage =
            CallUsage { tokens_in: 812, tokens_out: 64, cost_usd: Decimal::new(1_602, 7), latency_ms: 930 };
        let a = AdviceSource::model("m".into(), "ab".into(), true, Some(usage));
        let v = serde_json::to_value(&a).unwrap();
        assert_eq!(
            v["usage"],
            serde_json::json!({"tokens_in": 812, "tokens_out": 64, "cost_usd": "0.0001602", "latency_ms": 930})
        );
        let back: AdviceSource = serde_json::from_value(v).unwrap();
        assert_eq!(back.usage(), Some(&usage));
    }

    #[test]
    fn advisor_stats_carry_counts_by_cause_as_an_object() {
        let mut s = AdvisorStats { kind: "llm".into(), fallbacks: 3, ..AdvisorStats::default() };
        s.fallbacks_by_cause.insert("timeout".into(), 2);
        s.fallbacks_by_cause.insert("budget_spent".into(), 1);
        s.breaker_open_until = Some(Timestamp::from_millis(1_000));
        let v = serde_json::to_value(&s).expect("serialises");
        assert_eq!(v["fallbacks_by_cause"], serde_json::json!({"budget_spent": 1, "timeout": 2}));
        assert_eq!(v["breaker_open_until"], 1_000);
        let back: AdvisorStats = serde_json::from_value(v).expect("reads back");
        assert_eq!(back, s);
    }
}
