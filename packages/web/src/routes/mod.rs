//! The public routes: one file per endpoint, dispatched by `router::handle`.

mod auth_guard;
pub(crate) mod backtests;
mod control;
mod dashboard;
mod health;
mod login;
mod positions;
pub(crate) mod proposals;
mod router;
pub(crate) mod search;
mod status;
mod template;
mod trades;

pub use dashboard::{DASHBOARD_HTML, content_security_policy};
pub use router::handle;
pub use template::{UNMATCHED_ROUTE, route_template};
pub(crate) use trades::{newest_first, parse_limit};
