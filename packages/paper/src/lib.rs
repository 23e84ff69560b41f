//! A deterministic paper exchange: Binance's filters, error codes and messages, exact fees and
//! slippage, resting limit orders matched against market events, and the same `Executor` port as
//! the real venue, so the worker cannot tell which one it is talking to.
//!
//! The matching core ([`PaperExchange`]) is synchronous and takes time as an argument; only
//! [`PaperExecutor`] reads a clock.

mod balance;
mod config;
mod exchange;
mod executor;
mod mark;
mod matching;
mod order_book;
mod pricing;
mod reject;
mod submit;

pub use balance::{Balance, NegativeBalance};
pub use config::{ConfigError, PaperConfig};
pub use exchange::PaperExchange;
pub use executor::{PaperExecutor, SharedPaper, Unavailable};
pub use mark::MarketIndex;
pub use order_book::OpenOrder;
pub use reject::PaperReject;
