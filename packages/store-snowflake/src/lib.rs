//! Mirai's analytics history in Snowflake: fills, orders (updated in place as they move on),
//! decisions, intraday and daily P&L, risk events, the audit log and backtest runs, written in
//! idempotent batches through `snowflake-api`, and the read queries the web tier needs.
//!
//! Values travel as escaped literals (see `literal`, and why), money as NUMBER(38, 18) read
//! back as text so every digit survives, times as TIMESTAMP_NTZ(3) in UTC. What fakesnow, the
//! local stand-in used by tests, does differently lives in `fakesnow_compat` alone, behind the
//! `fakesnow` feature.

mod base_url;
mod client;
mod encode;
mod error;
#[cfg(feature = "fakesnow")]
pub mod fakesnow_compat;
pub mod http;
mod literal;
mod merge;
mod queries;
mod rows;
mod schema;
mod settings;
mod store;
mod tables;

pub use base_url::BaseUrl;
pub use error::{Result, SnowflakeError};
pub use literal::{LiteralError, MONEY_SCALE};
pub use queries::pnl::DailyPnl;
pub use queries::range::TimeRange;
pub use queries::stats::SymbolStats;
pub use queries::trades::{MAX_PAGE, TradeCursor, TradeQuery, TradesPage};
pub use schema::{Migrated, SCHEMA_VERSION};

pub use settings::{Credentials, DEFAULT_REQUEST_TIMEOUT, SettingsError, SnowflakeSettings, VARIABLES};
pub use store::SnowflakeStore;
