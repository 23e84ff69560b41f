//! The Mirai worker: wires the engine to a market feed, an executor, the local store and the web
//! tier. This crate (with `api/`) is the only place that picks concrete adapters.

pub mod app;
pub mod backend;
pub mod backtests;
pub mod cli;
pub mod commands;
pub mod config;
pub mod feed;
pub mod knowledge;
pub mod ledger;
pub mod login_budget;
pub mod news;
pub mod secret;
pub mod server;
pub mod shared;
pub mod shipping;
pub mod trader;
pub mod venue;
