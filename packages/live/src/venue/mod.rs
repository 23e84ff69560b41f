//! Binance execution venues and market data for the trading loop: settings, the live-trading
//! approval check, connecting an executor for testnet, Demo Mode or live, start-up reconciliation
//! against the local ledger, the market feed with gap fill, the user-data pump, and Binance's
//! public market data for paper trading (`market_data`, no key).
//!
//! The worker's `app.rs` wires these through `boot`; nothing here starts on its own.

pub mod approval;
pub mod boot;
pub mod connect;
pub mod error;
pub mod executor;
pub mod feed;
pub mod market_data;
pub mod reconcile;
pub mod reconnects;
pub mod settings;
pub mod store_approval;
pub mod user_data;

pub use approval::{ApprovalSource, LiveApproval, NoApproval};
pub use connect::{BinanceVenue, connect};
pub use error::VenueError;
pub use executor::VenueExecutor;
pub use feed::{FeedConfig, spawn_feed};
pub use market_data::{MarketDataSettings, PublicMarket, connect_public};
pub use reconcile::{Expected, ReconcileError, ReconcileReport, reconcile};
pub use reconnects::{StreamReconnects, stream_reconnects};
pub use settings::BinanceSettings;
pub use store_approval::StoreApproval;
pub use user_data::{VenueUpdate, spawn_user_data};

#[cfg(test)]
pub(crate) mod test_support;
