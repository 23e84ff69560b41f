//! What the REST and websocket halves share: enums, endpoints, credentials and errors.

pub mod codes;
pub mod credential;
pub mod enums;
pub mod error;
pub mod time;
pub mod urls;
