//! The table of what each route reads and answers ([`doc_of`]): its summary, tag, query
//! parameters, body and success schema, and the answers beyond those every route of its kind may
//! give. One entry per route of [`crate::routes::routes`]; a test keeps none missing.

use mirai_core::RiskLimits;
use utoipa::IntoParams;
use utoipa::openapi::path::{Parameter, ParameterIn};
use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, Type};
use utoipa::openapi::{RefOr, Schema};

use super::super::{
    admin, control, decisions, login, paging, performance, pnl, proposals, round_trips, search, trades,
};
use super::{DOCS_PATH, SPEC_PATH, Schemas};
use crate::auth::{IssuedToken, Session};
use crate::views::{
    AuditPage, BacktestJobView, BacktestRequest, BacktestResultView, BacktestsPage, DecisionsPage,
    LiveApprovalView, NewUser, PerformanceView, PnlView, PositionView, ProposalView, RiskLimitsView,
    RoundTripsPage, SearchHitView, StatusView, TradeView, UserUpdate, UserView,
};

/// What a route reads and answers, beyond what the router knows (method, path, permission).
pub(super) struct Doc {
    pub(super) summary: &'static str,
    pub(super) tag: &'static str,
    pub(super) params: Vec<Parameter>,
    pub(super) body: Option<RefOr<Schema>>,
    /// The success status, its media type and schema.
    pub(super) ok: (u16, &'static str, Option<RefOr<Schema>>),
    /// Answers besides the ones every route of its kind may give.
    pub(super) also: &'static [(u16, &'static str)],
}

fn json_ok(schema: RefOr<Schema>) -> (u16, &'static str, Option<RefOr<Schema>>) {
    (200, "application/json", Some(schema))
}

fn query<T: IntoParams>() -> Vec<Parameter> {
    T::into_params(|| Some(ParameterIn::Query))
}

pub(super) fn string_schema() -> RefOr<Schema> {
    ObjectBuilder::new().schema_type(Type::String).into()
}

/// The table: one entry per route of [`super::routes`], by method and path template.
pub(super) fn doc_of(method: &str, template: &str, s: &mut Schemas) -> Option<Doc> {
    let doc = |summary, tag, params, body, ok| Doc { summary, tag, params, body, ok, also: &[] };
    let html = (200, "text/html; charset=utf-8", None);
    Some(match (method, template) {
        ("GET", "/") => doc("The dashboard page", "dashboard", vec![], None, html),
        ("GET", "/static/js/app.js") => doc(
            "One of the dashboard's scripts, styles or vendored files (every `/static/…` file is served alike, with an ETag)",
            "dashboard",
            vec![],
            None,
            (200, "text/javascript; charset=utf-8", None),
        ),
        ("GET", DOCS_PATH) => doc("This API's documentation page", "docs", vec![], None, html),
        ("GET", SPEC_PATH) => doc("This API as an OpenAPI 3.1 document", "docs", vec![], None, json_any()),
        ("GET", "/api/health") => doc(
            "Liveness of the web tier, and its version",
            "system",
            vec![],
            None,
            json_ok(
                ObjectBuilder::new()
                    .property("status", string_schema())
                    .property("version", string_schema())
                    .required("status")
                    .required("version")
                    .into(),
            ),
        ),
        ("POST", "/api/auth/login") => Doc {
            also: &[(401, "Wrong username or password"), (429, "Locked after too many failed attempts")],
            ..doc(
                "Log in: a 12-hour token",
                "auth",
                vec![],
                Some(s.of::<login::LoginRequest>()),
                json_ok(s.of::<IssuedToken>()),
            )
        },
        ("GET", "/api/me") => doc(
            "Who the token belongs to, and their role now",
            "auth",
            vec![],
            None,
            json_ok(s.of::<Session>()),
        ),
        ("GET", "/api/status") => {
            doc("Mode, switches and account totals", "trading", vec![], None, json_ok(s.of::<StatusView>()))
        }
        ("GET", "/api/positions") => doc(
            "Open positions at the latest mark",
            "trading",
            vec![],
            None,
            json_ok(s.list_of::<PositionView>("positions")),
        ),
        ("GET", "/api/performance") => doc(
            "Performance over a window, by symbol and in total",
            "history",
            query::<performance::PerformanceQuery>(),
            None,
            json_ok(s.of::<PerformanceView>()),
        ),
        ("GET", "/api/pnl") => doc(
            "Equity, cash and P&L over time",
            "history",
            query::<pnl::PnlParams>(),
            None,
            json_ok(s.of::<PnlView>()),
        ),
        ("GET", "/api/round-trips") => doc(
            "Closed round trips, newest first, a page at a time",
            "history",
            query::<round_trips::RoundTripsParams>(),
            None,
            json_ok(s.of::<RoundTripsPage>()),
        ),
        ("GET", "/api/decisions") => doc(
            "Decisions with their outcome, newest first, a page at a time",
            "history",
            {
                // `kind` refers to the enum's schema.
                s.of::<crate::views::DecisionKind>();
                query::<decisions::DecisionsParams>()
            },
            None,
            json_ok(s.of::<DecisionsPage>()),
        ),
        ("GET", "/api/trades") => doc(
            "Fills, newest first",
            "history",
            query::<trades::TradesQuery>(),
            None,
            json_ok(s.list_of::<TradeView>("trades")),
        ),
        ("POST", "/api/control") => Doc {
            also: &[(409, "Refused in the worker's state (resume while the kill switch is on)")],
            ..doc(
                "Pause, resume or the kill switch",
                "trading",
                vec![],
                Some(s.of::<control::ControlRequest>()),
                json_ok(s.of::<StatusView>()),
            )
        },
        ("POST", "/api/backtests") => doc(
            "Start a backtest on the worker",
            "backtests",
            vec![],
            Some(s.of::<BacktestRequest>()),
            (202, "application/json", Some(s.of::<BacktestJobView>())),
        ),
        ("GET", "/api/backtests") => doc(
            "Backtests, newest first, a page at a time",
            "backtests",
            query::<paging::PageParams>(),
            None,
            json_ok(s.of::<BacktestsPage>()),
        ),
        ("GET", "/api/backtests/{id}") => Doc {
            also: &[(404, "No such backtest")],
            ..doc("A backtest's progress", "backtests", vec![], None, json_ok(s.of::<BacktestJobView>()))
        },
        ("GET", "/api/backtests/{id}/result") => Doc {
            also: &[(404, "No such backtest"), (409, "Not finished yet")],
            ..doc(
                "A finished backtest's result",
                "backtests",
                vec![],
                None,
                json_ok(s.of::<BacktestResultView>()),
            )
        },
        ("GET", "/api/news/search") | ("GET", "/api/rationales/search") => doc(
            if template.contains("news") {
                "Search the news read"
            } else {
                "Search the decisions' rationales"
            },
            "search",
            query::<search::SearchQuery>(),
            None,
            json_ok(s.list_of::<SearchHitView>("results")),
        ),
        ("GET", "/api/proposals") => doc(
            "Orders held for a person's approval",
            "proposals",
            query::<proposals::ProposalsQuery>(),
            None,
            json_ok(s.list_of::<ProposalView>("proposals")),
        ),
        ("POST", "/api/proposals/{id}/approve") | ("POST", "/api/proposals/{id}/reject") => Doc {
            also: &[
                (404, "No such proposal"),
                (409, "Already decided, expired, or refused by the risk gates"),
            ],
            ..doc(
                if template.ends_with("approve") {
                    "Approve a proposal: the risk gates run again at the latest price"
                } else {
                    "Reject a proposal"
                },
                "proposals",
                vec![],
                None,
                json_ok(s.of::<ProposalView>()),
            )
        },
        ("GET", "/api/risk") => doc(
            "The risk limits in force, where they come from and who set them last",
            "admin",
            vec![],
            None,
            json_ok(s.of::<RiskLimitsView>()),
        ),
        ("PUT", "/api/risk") => doc(
            "Change the risk limits: every one given, checked, persisted, audited; in force from the next decision",
            "admin",
            vec![],
            Some({
                let limits = s.of::<RiskLimits>();
                ObjectBuilder::new()
                    .property("limits", limits)
                    .required("limits")
                    .additional_properties(Some(AdditionalProperties::FreeForm(false)))
                    .into()
            }),
            json_ok(s.of::<RiskLimitsView>()),
        ),
        ("GET", "/api/audit") => doc(
            "The hash-chained audit log, newest first, with whether the whole chain verifies",
            "admin",
            query::<admin::AuditParams>(),
            None,
            json_ok(s.of::<AuditPage>()),
        ),
        ("GET", "/api/live") => doc(
            "The live-trading approval as recorded",
            "admin",
            vec![],
            None,
            json_ok(s.of::<LiveApprovalView>()),
        ),
        ("POST", "/api/live/approve") => Doc {
            also: &[
                (403, "The password given again is wrong (counts towards the login lockout)"),
                (409, "The pre-flight checks fail and no `override` reason was given"),
            ],
            ..doc(
                "Approve live trading for `LIVE_APPROVAL_HOURS` (password again and the typed confirmation; audited)",
                "admin",
                vec![],
                Some(s.of::<admin::ApproveBody>()),
                json_ok(s.of::<LiveApprovalView>()),
            )
        },
        ("POST", "/api/live/revoke") => doc(
            "Revoke live trading at once (audited; the body is empty or `{}`)",
            "admin",
            vec![],
            None,
            json_ok(s.of::<LiveApprovalView>()),
        ),
        ("GET", "/api/users") => {
            doc("The users and their roles", "admin", vec![], None, json_ok(s.list_of::<UserView>("users")))
        }
        ("POST", "/api/users") => Doc {
            also: &[(409, "A user of that name exists")],
            ..doc(
                "Add a user (audited)",
                "admin",
                vec![],
                Some(s.of::<NewUser>()),
                (201, "application/json", Some(s.of::<UserView>())),
            )
        },
        ("PUT", "/api/users/{name}") => Doc {
            also: &[(404, "No such user"), (409, "It would take the last enabled admin's role away")],
            ..doc(
                "Change a user's role, password or both (audited)",
                "admin",
                vec![],
                Some(s.of::<UserUpdate>()),
                json_ok(s.of::<UserView>()),
            )
        },
        ("DELETE", "/api/users/{name}") => Doc {
            also: &[(404, "No such user"), (409, "The last admin cannot be removed")],
            ..doc("Remove a user (audited): the user as they were", "admin", vec![], None, {
                let user = s.of::<UserView>();
                json_ok(ObjectBuilder::new().property("removed", user).required("removed").into())
            })
        },
        _ => return None,
    })
}

fn object() -> RefOr<Schema> {
    ObjectBuilder::new().schema_type(Type::Object).into()
}

fn json_any() -> (u16, &'static str, Option<RefOr<Schema>>) {
    json_ok(object())
}
