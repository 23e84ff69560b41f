//! The Mirai worker: wires the engine to a market feed, an executor, the local store and the web
//! tier. This crate (with `api/`) is the only place that picks concrete adapters.

pub mod address_hash;
pub mod advice;
pub mod alerts;
pub mod app;
pub mod backend;
pub mod backtests;
pub mod cli;
pub mod commands;
pub mod config;
pub mod data_dir;
pub mod feed;
pub mod history;
pub mod knowledge;
pub mod login_budget;
pub mod metrics;
pub mod news;
pub mod report_inputs;
pub mod rotation;
pub mod secret;
pub mod secret_source;
pub mod server;
pub mod shipping;
pub mod shutdown;
pub mod users;

/// The trading loop, from `mirai-live`, under the paths the rest of the worker uses.
pub use mirai_live::{ledger, shared, trader, venue};
