//! `Proposal`: a risk-approved order held for a person's approval (approval modes `semi` and
//! `advisor`). PENDING → APPROVED / REJECTED / EXPIRED → EXECUTED / FAILED. An approval re-runs
//! the risk gates at the price of the moment; it never bypasses them.

use serde::{Deserialize, Serialize};

use crate::{ClientOrderId, Confidence, DecisionId, OrderRequest, Timestamp};

/// Where a proposal stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ProposalStatus {
    Pending,
    /// Approved, the gates passed again; being sent.
    Approved,
    Rejected,
    /// Not decided within its time to live: it never executes.
    Expired,
    /// Sent to the venue: accepted, or (rarely) its outcome unknown, in which case the order
    /// stays open in the ledger until the venue's reports or reconciliation settle it.
    Executed,
    /// Approved but not placed: refused by the gates at approval, or by the venue.
    Failed,
}

impl ProposalStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::Approved => "APPROVED",
            Self::Rejected => "REJECTED",
            Self::Expired => "EXPIRED",
            Self::Executed => "EXECUTED",
            Self::Failed => "FAILED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.to_ascii_uppercase().as_str() {
            "PENDING" => Self::Pending,
            "APPROVED" => Self::Approved,
            "REJECTED" => Self::Rejected,
            "EXPIRED" => Self::Expired,
            "EXECUTED" => Self::Executed,
            "FAILED" => Self::Failed,
            _ => return None,
        })
    }

    /// No further change can happen.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Rejected | Self::Expired | Self::Executed | Self::Failed)
    }
}

/// An order waiting for (or past) a person's decision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    /// The order's client order id: one proposal per order.
    pub id: ClientOrderId,
    pub decision_id: DecisionId,
    pub order: OrderRequest,
    /// The decision's confidence, which the gates judge again at approval.
    pub confidence: Confidence,
    pub status: ProposalStatus,
    /// Wall-clock times: a person's minutes, whatever the market clock does.
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    /// Who approved or rejected it (a dashboard user), when, and why it ended as it did.
    pub decided_by: Option<String>,
    pub decided_at: Option<Timestamp>,
    pub reason: Option<String>,
}
