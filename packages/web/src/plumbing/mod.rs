//! HTTP plumbing shared by the routes: reading requests, building responses, validation.

pub(crate) mod query;
pub(crate) mod request;
pub(crate) mod response;
pub(crate) mod time;
pub(crate) mod validation;

pub use request::MAX_BODY_BYTES;
