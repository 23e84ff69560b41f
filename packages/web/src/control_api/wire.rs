//! The control API's paths and envelopes, shared by server and client.

use serde::{Deserialize, Serialize};

use crate::views::{PositionView, ProposalView, SearchHitView, TradeView, UserView};

pub(crate) const STATUS: &str = "/internal/v1/status";
pub(crate) const POSITIONS: &str = "/internal/v1/positions";
pub(crate) const TRADES: &str = "/internal/v1/trades";
/// `GET` with `from` and `to` in epoch milliseconds (the public route's forms are read too);
/// answered with a `PerformanceView`.
pub(crate) const PERFORMANCE: &str = "/internal/v1/performance";
/// `GET` with the public route's query string (times as epoch milliseconds); answered with a
/// `PnlView`, `RoundTripsPage` and `DecisionsPage`.
pub(crate) const PNL: &str = "/internal/v1/pnl";
pub(crate) const ROUND_TRIPS: &str = "/internal/v1/round-trips";
pub(crate) const DECISIONS: &str = "/internal/v1/decisions";
pub(crate) const CONTROL: &str = "/internal/v1/control";
/// `POST` creates; `GET` lists (the public route's `limit` and `cursor`; a `BacktestsPage`);
/// `/{id}` and `/{id}/result` read.
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
    /// With `resume`: the user may not lift the kill switch, so the worker refuses while it is on
    /// (`Backend::resume_unless_halted`).
    #[serde(default, skip_serializing_if = "is_false")]
    pub(crate) unless_halted: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// `POST` an [`AuthenticateBody`]; answered with an [`AccountBody`], whose `account` is `null`
/// for an unknown or disabled user and for a wrong password alike.
pub(crate) const USERS_AUTHENTICATE: &str = "/internal/v1/users/authenticate";
/// `POST` a [`CurrentUserBody`]; answered with an [`AccountBody`] (`null`: removed or disabled).
/// The serverless tier asks it on every request, to check the token's user as they are now.
pub(crate) const USERS_CURRENT: &str = "/internal/v1/users/current";

/// A login to check. No `Debug`: it holds a password.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AuthenticateBody {
    pub(crate) username: String,
    pub(crate) password: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CurrentUserBody {
    pub(crate) username: String,
}

#[derive(Serialize, Deserialize)]
pub(crate) struct AccountBody {
    pub(crate) account: Option<crate::auth::Account>,
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

/// `GET`: the risk limits (a `RiskLimitsView`); `PUT` a [`SetRiskBody`], answered alike.
pub(crate) const RISK: &str = "/internal/v1/risk";
/// `GET` with the public route's `limit` and `cursor`; answered with an `AuditPage`.
pub(crate) const AUDIT: &str = "/internal/v1/audit";
/// `GET`: the live approval (a `LiveApprovalView`); `POST /approve` a `LiveApproveRequest` (the
/// web tier has checked the user's password again) and `/revoke` a [`ByBody`], answered alike.
pub(crate) const LIVE: &str = "/internal/v1/live";
pub(crate) const LIVE_APPROVE: &str = "/internal/v1/live/approve";
pub(crate) const LIVE_REVOKE: &str = "/internal/v1/live/revoke";
/// The users, for admins: `GET` ([`UsersBody`]), `POST` a [`NewAccountBody`], `PUT` an
/// [`AccountUpdateBody`], `DELETE` an [`AccountRemoveBody`] (answered with [`RemovedBody`]).
/// Apart from `/internal/v1/users/*`, where a user's name would meet `authenticate` and `current`.
pub(crate) const ACCOUNTS: &str = "/internal/v1/accounts";

/// New risk limits, and the web tier's user who set them.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SetRiskBody {
    pub(crate) limits: mirai_core::RiskLimits,
    pub(crate) by: String,
}

/// The web tier's user who acts.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ByBody {
    pub(crate) by: String,
}

#[derive(Serialize, Deserialize)]
pub(crate) struct UsersBody {
    pub(crate) users: Vec<UserView>,
}

#[derive(Serialize, Deserialize)]
pub(crate) struct RemovedBody {
    pub(crate) removed: UserView,
}

/// A user to add, by whom. No `Debug`: it holds a password.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewAccountBody {
    pub(crate) name: String,
    pub(crate) role: mirai_core::Role,
    pub(crate) password: String,
    pub(crate) by: String,
}

/// A change to a user, by whom. No `Debug`: it may hold a password.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AccountUpdateBody {
    pub(crate) name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) role: Option<mirai_core::Role>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) password: Option<String>,
    pub(crate) by: String,
}

/// A user to remove, by whom.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AccountRemoveBody {
    pub(crate) name: String,
    pub(crate) by: String,
}
