//! What the dashboard and the control API show: read-only views of the worker's state.

mod backtest;
mod control;
mod news_status;
mod outbox;
mod position;
mod proposal;
mod search;
mod status;
mod trade;

pub use backtest::{
    BacktestJobView, BacktestRequest, BacktestResultView, DataSource, FillView, JobStatus,
    MAX_GENERATED_BARS, ParamValue, SizingView,
};
pub use control::ControlAction;
pub use mirai_core::Mode;
pub use mirai_core::ProposalStatus;
pub use news_status::NewsStatusView;
pub use outbox::OutboxView;
pub use position::PositionView;
pub use proposal::ProposalView;
pub use search::{DEFAULT_SEARCH_LIMIT, MAX_SEARCH_CHARS, MAX_SEARCH_LIMIT, SearchHitView, SearchRequest};
pub use status::StatusView;
pub use trade::TradeView;
