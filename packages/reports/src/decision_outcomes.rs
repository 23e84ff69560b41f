//! Every decision joined to what became of it, and who decided: the table that answers "does
//! the model help?". The outcome, first that applies: `executed` (it has fills),
//! `rejected_by_exchange`, `refused` (by a risk gate), `proposal_<status>` (held for a person),
//! `not_filled` (ordered, never filled), `hold`, `no_order`.
//!
//! [`decision_outcomes`] computes them typed; the report's rows are those values written as cells,
//! so the table and the typed answer (the web tier's decisions feed) cannot disagree.

use std::collections::HashMap;

use mirai_core::{Action, AdviceSource, Confidence, DecisionId, OrderStatus, Symbol, Timestamp};
use rust_decimal::Decimal;

use crate::cell::{int, number, time};
use crate::inputs::Inputs;
use crate::round_trips::round_trips;

/// What became of a decision: the first that applies, in this order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// It has fills.
    Executed,
    /// The venue rejected one of its orders (or refused it: a refusal by the `exchange` gate).
    RejectedByExchange,
    /// A risk gate refused it.
    Refused,
    /// Held for a person's approval: the proposal's status in lower case (`pending`, `rejected`,
    /// `expired`, `approved`, `executed`, `failed`).
    Proposal(String),
    /// Ordered, never filled.
    NotFilled,
    /// The decision was to hold.
    Hold,
    /// A buy or sell that led to no order (nothing to sell, too small to trade, ...).
    NoOrder,
}

impl Outcome {
    /// As the view's `OUTCOME` column writes it: `executed`, ..., `proposal_pending`, ...
    pub fn name(&self) -> String {
        match self {
            Outcome::Executed => "executed".to_owned(),
            Outcome::RejectedByExchange => "rejected_by_exchange".to_owned(),
            Outcome::Refused => "refused".to_owned(),
            Outcome::Proposal(status) => format!("proposal_{status}"),
            Outcome::NotFilled => "not_filled".to_owned(),
            Outcome::Hold => "hold".to_owned(),
            Outcome::NoOrder => "no_order".to_owned(),
        }
    }
}

/// Who decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Advisor {
    /// The rule-based advisor.
    Rules,
    /// A model's validated answer.
    Model { model: String },
    /// The model was asked and its answer was not used: the rules decided, for `reason`.
    Fallback { model: String, reason: String },
}

impl Advisor {
    /// The view's `ADVISOR_KIND`: `rules`, `model` or `fallback`.
    pub fn kind(&self) -> &'static str {
        match self {
            Advisor::Rules => "rules",
            Advisor::Model { .. } => "model",
            Advisor::Fallback { .. } => "fallback",
        }
    }

    /// The model's name (`MODEL`); `None` for the rules.
    pub fn model(&self) -> Option<&str> {
        match self {
            Advisor::Rules => None,
            Advisor::Model { model } | Advisor::Fallback { model, .. } => Some(model),
        }
    }

    /// Why the model's answer was not used (`FALLBACK_REASON`).
    pub fn fallback_reason(&self) -> Option<&str> {
        match self {
            Advisor::Fallback { reason, .. } => Some(reason),
            _ => None,
        }
    }
}

/// One row of `DECISION_OUTCOMES`, typed. Money is exact, in the quote asset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecisionOutcome {
    pub decision_id: DecisionId,
    pub ts: Timestamp,
    pub symbol: Symbol,
    pub strategy: String,
    pub action: Action,
    pub confidence: Confidence,
    pub advisor: Advisor,
    pub outcome: Outcome,
    /// The first refusal's gate (`exchange` for the venue's) and words, by time then id.
    pub refused_by: Option<String>,
    pub refusal_reason: Option<String>,
    /// The proposal's status as stored (`PENDING`, ...) and who decided it.
    pub proposal_status: Option<String>,
    pub decided_by: Option<String>,
    /// Orders sent, and their fills: count, quantity, notional and fees.
    pub orders: u64,
    pub fills: u64,
    pub filled_qty: Decimal,
    pub notional: Decimal,
    pub fees: Decimal,
    /// The P&L of the round trip this decision opened, once it closed.
    pub trip_pnl: Option<Decimal>,
}

#[derive(Debug, Default)]
struct Orders {
    count: u64,
    rejected: bool,
}

#[derive(Debug, Default)]
struct Filled {
    fills: u64,
    qty: Decimal,
    notional: Decimal,
    fees: Decimal,
}

/// Every decision with its outcome, oldest first (by time, then id as text, as the view orders
/// them).
pub fn decision_outcomes(inputs: &Inputs) -> Vec<DecisionOutcome> {
    let mut orders: HashMap<&DecisionId, Orders> = HashMap::new();
    let mut decision_of = HashMap::new();
    for o in &inputs.orders {
        let e = orders.entry(&o.decision_id).or_default();
        e.count += 1;
        e.rejected |= o.status == OrderStatus::Rejected;
        decision_of.insert(&o.client_order_id, &o.decision_id);
    }
    let mut filled: HashMap<&DecisionId, Filled> = HashMap::new();
    for r in &inputs.fills {
        let Some(d) = decision_of.get(&r.fill.client_order_id) else { continue };
        let e = filled.entry(d).or_default();
        e.fills += 1;
        e.qty += r.fill.qty.get();
        e.notional += r.fill.notional().get();
        e.fees += r.fill.fee.get();
    }
    // The first refusal of each decision (by time, then id as text, as the view orders them).
    let mut refusals: HashMap<&DecisionId, (i64, &str, &str, &str)> = HashMap::new();
    for e in &inputs.risk_events {
        let Some(d) = &e.decision_id else { continue };
        let candidate = (e.ts.millis(), e.id.as_str(), e.gate.as_str(), e.reason.as_str());
        if refusals.get(d).is_none_or(|seen| (candidate.0, candidate.1) < (seen.0, seen.1)) {
            refusals.insert(d, candidate);
        }
    }
    let mut proposals: HashMap<&DecisionId, (&str, &str, Option<&str>)> = HashMap::new();
    for p in &inputs.proposals {
        let candidate = (p.id.as_str(), p.status.as_str(), p.decided_by.as_deref());
        if proposals.get(&p.decision_id).is_none_or(|seen| candidate.0 < seen.0) {
            proposals.insert(&p.decision_id, candidate);
        }
    }
    let trips = round_trips(inputs);
    let trip_pnl: HashMap<&DecisionId, Decimal> =
        trips.iter().filter_map(|t| t.opening_decision.as_ref().map(|d| (d, t.pnl))).collect();

    let mut decisions: Vec<_> = inputs.decisions.iter().collect();
    decisions.sort_by(|a, b| (a.ts, a.id.as_str()).cmp(&(b.ts, b.id.as_str())));
    decisions
        .into_iter()
        .map(|d| {
            let o = orders.get(&d.id);
            let f = filled.get(&d.id);
            let r = refusals.get(&d.id);
            let p = proposals.get(&d.id);
            let outcome = if f.is_some_and(|f| f.fills > 0) {
                Outcome::Executed
            } else if r.is_some_and(|r| r.2 == "exchange") || o.is_some_and(|o| o.rejected) {
                Outcome::RejectedByExchange
            } else if r.is_some() {
                Outcome::Refused
            } else if let Some(p) = p {
                Outcome::Proposal(p.1.to_lowercase())
            } else if o.is_some_and(|o| o.count > 0) {
                Outcome::NotFilled
            } else if d.action == Action::Hold {
                Outcome::Hold
            } else {
                Outcome::NoOrder
            };
            let advisor = match &d.advisor {
                AdviceSource::Rules => Advisor::Rules,
                AdviceSource::Model(m) => Advisor::Model { model: m.model.clone() },
                AdviceSource::Fallback(f) => {
                    Advisor::Fallback { model: f.model.clone(), reason: f.reason.clone() }
                }
            };
            let zero = Filled::default();
            let f = f.unwrap_or(&zero);
            DecisionOutcome {
                decision_id: d.id.clone(),
                ts: d.ts,
                symbol: d.symbol,
                strategy: d.strategy.to_string(),
                action: d.action,
                confidence: d.confidence,
                advisor,
                outcome,
                refused_by: r.map(|r| r.2.to_owned()),
                refusal_reason: r.map(|r| r.3.to_owned()),
                proposal_status: p.map(|p| p.1.to_owned()),
                decided_by: p.and_then(|p| p.2.map(str::to_owned)),
                orders: o.map_or(0, |o| o.count),
                fills: f.fills,
                filled_qty: f.qty,
                notional: f.notional,
                fees: f.fees,
                trip_pnl: trip_pnl.get(&d.id).copied(),
            }
        })
        .collect()
}

pub(crate) fn rows(inputs: &Inputs) -> Vec<Vec<Option<String>>> {
    decision_outcomes(inputs).iter().map(row).collect()
}

fn row(d: &DecisionOutcome) -> Vec<Option<String>> {
    vec![
        Some(d.decision_id.as_str().to_owned()),
        Some(time(d.ts)),
        Some(d.symbol.to_string()),
        Some(d.strategy.clone()),
        Some(d.action.as_str().to_owned()),
        Some(number(d.confidence.get())),
        Some(d.advisor.kind().to_owned()),
        d.advisor.model().map(str::to_owned),
        d.advisor.fallback_reason().map(str::to_owned),
        Some(d.outcome.name()),
        d.refused_by.clone(),
        d.refusal_reason.clone(),
        d.proposal_status.clone(),
        d.decided_by.clone(),
        Some(int(d.orders)),
        Some(int(d.fills)),
        Some(number(d.filled_qty)),
        Some(number(d.notional)),
        Some(number(d.fees)),
        d.trip_pnl.map(number),
    ]
}
