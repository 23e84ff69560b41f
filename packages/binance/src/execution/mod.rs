//! The Binance venue behind the core `Executor` port.

pub mod executor;
