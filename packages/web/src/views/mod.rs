//! What the dashboard and the control API show: read-only views of the worker's state.

mod control;
mod mode;
mod position;
mod status;
mod trade;

pub use control::ControlAction;
pub use mode::Mode;
pub use position::PositionView;
pub use status::StatusView;
pub use trade::TradeView;
