//! The Mirai worker: wires the engine to a market feed, an executor, the local store and the web
//! tier. This crate (with `api/`) is the only place that picks concrete adapters.

pub mod advice;
pub mod app;
pub mod backend;
pub mod backtests;
pub mod cli;
pub mod commands;
pub mod config;
pub mod feed;
pub mod knowledge;
pub mod login_budget;
pub mod news;
pub mod secret;
pub mod server;
pub mod shipping;

/// The trading loop, from `mirai-live`, under the paths the rest of the worker uses.
pub use mirai_live::{ledger, shared, trader, venue};
