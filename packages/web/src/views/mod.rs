//! What the dashboard and the control API show: read-only views of the worker's state.

mod admin;
mod backtest;
mod backtest_list;
mod control;
mod decision;
mod news_status;
mod outbox;
mod page;
mod performance;
mod pnl;
mod position;
mod proposal;
mod round_trip;
mod search;
mod status;
mod trade;

pub use admin::{
    AuditEntryView, AuditPage, AuditQuery, LIVE_CONFIRMATION, LiveApprovalView, LiveApproveRequest,
    MAX_COOLDOWN_MS, MAX_NEWS_EMBARGO_MS, MAX_ORDER_NOTIONAL, MAX_OVERRIDE_CHARS, MAX_PASSWORD_CHARS,
    MIN_PASSWORD_CHARS, NewUser, RISK_LIMIT_FIELDS, RiskLimitsView, RiskSource, UserUpdate, UserView,
    check_password, check_risk_limits, parse_risk_limits,
};
pub use backtest::{
    BacktestJobView, BacktestRequest, BacktestResultView, DataSource, FillView, JobStatus,
    MAX_GENERATED_BARS, ParamValue, SizingView,
};
pub use backtest_list::{BacktestMetricsView, BacktestSummaryView, BacktestsPage, BacktestsQuery};
pub use control::ControlAction;
pub use decision::{DecisionKind, DecisionView, DecisionsPage, DecisionsQuery};
pub use mirai_core::Mode;
pub use mirai_core::ProposalStatus;
pub use news_status::NewsStatusView;
pub use outbox::OutboxView;
pub use page::{DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT, PageCursor, newest_first_page};
pub use performance::{PERFORMANCE_DEFINITION, PerformanceView, SymbolPerformanceView};
pub use pnl::{MAX_PNL_POINTS, PnlPointView, PnlQuery, PnlStep, PnlView, pnl_step_too_fine};
pub use position::PositionView;
pub use proposal::ProposalView;
pub use round_trip::{RoundTripView, RoundTripsPage, RoundTripsQuery};
pub use search::{DEFAULT_SEARCH_LIMIT, MAX_SEARCH_CHARS, MAX_SEARCH_LIMIT, SearchHitView, SearchRequest};
pub use status::StatusView;
pub use trade::TradeView;
