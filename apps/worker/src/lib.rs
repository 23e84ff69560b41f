//! The Mirai worker: wires the engine to a market feed, an executor, the local store and the web
//! tier. This crate (with `api/`) is the only place that picks concrete adapters.

pub mod app;
pub mod backend;
pub mod cli;
pub mod config;
pub mod feed;
pub mod secret;
pub mod server;
pub mod shared;
pub mod telemetry;
pub mod trader;
