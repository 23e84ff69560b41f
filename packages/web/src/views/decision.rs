//! `DecisionView`: every decision with what became of it, as the `DECISION_OUTCOMES` view defines
//! it: the dashboard's "why not?" feed (each refused decision carries its gate and reason); paged
//! newest first.

use std::fmt;

use mirai_core::{Action, Amount, Confidence, Decimal, DecisionId, Symbol, Timestamp};
use serde::{Deserialize, Serialize};

use super::page::PageCursor;

/// What `kind` selects: an outcome, or `fallback` (the model was asked and its answer was not
/// used; the rules decided).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    /// It has fills.
    Executed,
    /// A risk gate refused it.
    Refused,
    /// The venue rejected or refused its order.
    RejectedByExchange,
    /// Held for a person's approval, whatever became of the proposal.
    Proposal,
    /// Ordered, never filled.
    NotFilled,
    Hold,
    /// A buy or sell that led to no order.
    NoOrder,
    /// The model's answer was not used.
    Fallback,
}

impl DecisionKind {
    pub const ALL: [DecisionKind; 8] = [
        DecisionKind::Executed,
        DecisionKind::Refused,
        DecisionKind::RejectedByExchange,
        DecisionKind::Proposal,
        DecisionKind::NotFilled,
        DecisionKind::Hold,
        DecisionKind::NoOrder,
        DecisionKind::Fallback,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DecisionKind::Executed => "executed",
            DecisionKind::Refused => "refused",
            DecisionKind::RejectedByExchange => "rejected_by_exchange",
            DecisionKind::Proposal => "proposal",
            DecisionKind::NotFilled => "not_filled",
            DecisionKind::Hold => "hold",
            DecisionKind::NoOrder => "no_order",
            DecisionKind::Fallback => "fallback",
        }
    }

    /// One of [`DecisionKind::as_str`]'s names, in any case.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str().eq_ignore_ascii_case(s))
    }

    /// Whether `decision` is of this kind.
    pub fn matches(self, decision: &DecisionView) -> bool {
        match self {
            DecisionKind::Fallback => decision.advisor_kind == "fallback",
            DecisionKind::Proposal => decision.outcome.starts_with("proposal_"),
            outcome => decision.outcome == outcome.as_str(),
        }
    }
}

impl fmt::Display for DecisionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `GET /api/decisions`: the decisions of `kind` and `symbol` if given, `limit` (1 to 500) a
/// page, after `cursor`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecisionsQuery {
    pub kind: Option<DecisionKind>,
    pub symbol: Option<Symbol>,
    pub limit: u32,
    pub cursor: Option<PageCursor>,
}

impl Default for DecisionsQuery {
    fn default() -> Self {
        Self { kind: None, symbol: None, limit: super::page::DEFAULT_PAGE_LIMIT, cursor: None }
    }
}

impl DecisionsQuery {
    /// The query string the route reads back.
    pub fn to_query_string(&self) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        if let Some(k) = self.kind {
            q.append_pair("kind", k.as_str());
        }
        if let Some(s) = self.symbol {
            q.append_pair("symbol", s.as_str());
        }
        q.append_pair("limit", &self.limit.to_string());
        if let Some(c) = &self.cursor {
            q.append_pair("cursor", &c.encode());
        }
        q.finish()
    }

    /// Where a decision sorts in the list (time, then id): the key its page's cursor is made of.
    pub fn key(ts: Timestamp, id: &DecisionId) -> PageCursor {
        PageCursor::new(ts, id.as_str())
    }
}

/// One decision and its outcome. Money is exact in the quote asset, as decimal strings; times
/// are milliseconds since the Unix epoch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DecisionView {
    pub decision_id: DecisionId,
    pub ts: Timestamp,
    pub symbol: Symbol,
    pub strategy: String,
    pub action: Action,
    pub confidence: Confidence,
    /// Who decided: `rules`, `model`, or `fallback` (the rules, after the model's answer could not
    /// be used); the model's name; and why it fell back.
    pub advisor_kind: String,
    pub model: Option<String>,
    pub fallback_reason: Option<String>,
    /// The first that applies: `executed`, `rejected_by_exchange`, `refused`,
    /// `proposal_<status>` (`proposal_pending`, `_rejected`, `_expired`, `_approved`,
    /// `_executed`, `_failed`), `not_filled`, `hold`, `no_order`.
    pub outcome: String,
    /// The first refusal's gate (`exchange` for the venue's) and its words.
    pub refused_by: Option<String>,
    pub refusal_reason: Option<String>,
    /// The proposal's status and who decided it.
    pub proposal_status: Option<String>,
    pub decided_by: Option<String>,
    /// Orders sent; their fills, the quantity and notional filled, and the fees.
    pub orders: u64,
    pub fills: u64,
    pub filled_qty: Decimal,
    pub notional: Amount,
    pub fees: Amount,
    /// The P&L of the round trip this decision opened, once it closed.
    pub trip_pnl: Option<Amount>,
}

/// A page of decisions, newest first; `next` asks for the page after it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DecisionsPage {
    pub decisions: Vec<DecisionView>,
    pub next: Option<PageCursor>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_read_in_any_case_and_written_in_snake_case() {
        for k in DecisionKind::ALL {
            assert_eq!(DecisionKind::parse(k.as_str()), Some(k));
            assert_eq!(DecisionKind::parse(&k.as_str().to_uppercase()), Some(k));
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
        assert_eq!(DecisionKind::parse("proposal_pending"), None, "the kind is `proposal`");
        assert_eq!(DecisionKind::parse("rejected"), None);
    }

    #[test]
    fn the_query_string_carries_every_value() {
        let q = DecisionsQuery {
            kind: Some(DecisionKind::RejectedByExchange),
            symbol: Some(Symbol::new("ETHUSDT")),
            limit: 3,
            cursor: None,
        };
        assert_eq!(q.to_query_string(), "kind=rejected_by_exchange&symbol=ETHUSDT&limit=3");
    }
}
