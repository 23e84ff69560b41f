//! The public routes: one file per endpoint, dispatched by `router::handle`.

pub(crate) mod admin;
mod auth_guard;
pub(crate) mod backtests;
mod control;
mod dashboard;
pub(crate) mod decisions;
mod health;
mod login;
mod me;
mod openapi;
mod paging;
pub(crate) mod performance;
pub(crate) mod pnl;
mod positions;
pub(crate) mod proposals;
pub(crate) mod round_trips;
mod router;
pub(crate) mod search;
mod status;
mod template;
mod trades;

pub use dashboard::{DASHBOARD_HTML, content_security_policy};
pub use openapi::undocumented as undocumented_routes;
pub use router::{RouteSpec, handle, routes};
pub use template::{UNMATCHED_ROUTE, route_template};
pub(crate) use trades::{newest_first, parse_limit};
