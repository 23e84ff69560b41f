//! The REST half: the signed client, its rate-limit governor, request building, venue JSON
//! (`models`), conversion to domain types (`parse`) and HTTP error mapping.

pub mod client;
pub mod error;
pub mod governor;
pub mod models;
pub mod parse;
pub mod query;
