//! The trading loop around the engine, for the paper exchange and for Binance: the trading task
//! (`trader`: market events, operator commands and venue reports, one step at a time), its ledger
//! over the local store (`ledger`), the snapshot it publishes for the web tier (`shared`), and the
//! venue code — connecting, the live-approval gate, reconciliation at start-up, the market feed
//! with gap fill, the user-data pump (`venue`). `apps/worker` only wires it.
//!
//! Besides the apps, this is the one package that works with concrete adapters: the trading loop
//! keeps its ledger in the local store and trades on Binance or the paper exchange.

pub mod approval;
pub mod candles;
pub mod consult;
pub mod ledger;
pub mod shared;
pub mod trader;
pub mod venue;
