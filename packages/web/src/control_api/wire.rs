//! The control API's paths and envelopes, shared by server and client.

use serde::{Deserialize, Serialize};

use crate::views::{PositionView, ProposalView, SearchHitView, TradeView};

pub(crate) const STATUS: &str = "/internal/v1/status";
pub(crate) const POSITIONS: &str = "/internal/v1/positions";
pub(crate) const TRADES: &str = "/internal/v1/trades";
pub(crate) const CONTROL: &str = "/internal/v1/control";
/// `POST` creates; `/{id}` and `/{id}/result` read.
pub(crate) const BACKTESTS: &str = "/internal/v1/backtests";
/// `GET` with the public route's query string.
pub(crate) const NEWS_SEARCH: &str = "/internal/v1/news/search";
pub(crate) const RATIONALES_SEARCH: &str = "/internal/v1/rationales/search";
/// `GET` with the public route's `status` and `limit`; `POST /{id}/approve` and
/// `/{id}/reject` with a [`DecideBody`], answered with the proposal after the decision.
pub(crate) const PROPOSALS: &str = "/internal/v1/proposals";
/// `POST` a `LoginEvent`; answered with [`RecordedBody`].
pub(crate) const LOGIN_AUDIT: &str = "/internal/v1/audit/login";

#[derive(Serialize, Deserialize)]
pub(crate) struct PositionsBody {
    pub(crate) positions: Vec<PositionView>,
}

#[derive(Serialize, Deserialize)]
pub(crate) struct TradesBody {
    pub(crate) trades: Vec<TradeView>,
}

#[derive(Serialize, Deserialize)]
pub(crate) struct ProposalsBody {
    pub(crate) proposals: Vec<ProposalView>,
}

/// `POST` [`PROPOSALS`]`/{id}/approve|reject`: the user of the web tier who decided. Required:
/// the audit log names the person behind every approval (no web tier predates this route).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DecideBody {
    pub(crate) by: String,
}

#[derive(Serialize, Deserialize)]
pub(crate) struct SearchBody {
    pub(crate) results: Vec<SearchHitView>,
}

/// `POST` [`CONTROL`]: the action and the user of the web tier who gave it.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ControlBody {
    pub(crate) action: crate::views::ControlAction,
    /// Absent from web tiers older than the worker: recorded as [`UNNAMED_WEB_USER`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) by: Option<String>,
}

/// Who a control command is recorded under when the web tier did not name the user.
pub(crate) const UNNAMED_WEB_USER: &str = "web-tier";

/// The error envelope every non-2xx answer carries.
#[derive(Deserialize)]
pub(crate) struct ErrorBody {
    pub(crate) error: String,
    /// The answer's machine-readable code (absent from older workers).
    #[serde(default)]
    pub(crate) code: String,
    /// The fields at fault, on a 422 `validation_failed`.
    #[serde(default)]
    pub(crate) fields: Vec<crate::error::FieldError>,
}

/// The answer to a recorded login event.
#[derive(Serialize, Deserialize)]
pub(crate) struct RecordedBody {
    pub(crate) recorded: bool,
}
