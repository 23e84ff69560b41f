//! The worker's control API for remote web tiers: the server side (`handle_control_api`, mounted
//! by the worker) and the client side (`RemoteBackend`, used by serverless functions).

mod admin;
pub(crate) mod caller;
mod remote;
mod server;
mod wire;

pub(crate) use remote::check_base_url;
pub use remote::{RemoteBackend, RemoteSetupError, TIMEOUT};
pub(crate) use server::template as control_route_template;
pub use server::{
    MIN_SERVICE_TOKEN_BYTES, check_service_token, handle_control_api, handle_control_api_limited,
};
