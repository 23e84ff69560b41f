//! `mirai exchange-sim`: a local exchange that speaks Binance Spot's protocol — REST under
//! `/api/v3`, market streams under `/ws` and `/stream`, the WebSocket API under `/ws-api/v3` —
//! backed by the paper matching engine (`mirai-paper`) and a generated price path
//! (`mirai_core::synthetic`) or a replayed CSV, which moves as Binance's market does: a trade, a
//! new best bid and ask and the open candle every 2 s of market time, the candle closed at its
//! close. It verifies signatures (-1022), timestamps (-1021), filters (-1013), balances (-2010)
//! and order ids (-2011/-2013), and reports request weights in headers.
//!
//! It is deliberately independent of `mirai-binance`: its JSON is written from Binance's docs, so
//! the adapter is tested against something it did not produce. Anything that speaks Binance
//! (the official SDKs included) works against it with only the base URL changed.

mod auth;
mod cli;
mod config;
mod error;
mod exchange;
mod faults;
mod limits;
mod market;
mod params;
mod render;
mod rest;
mod server;
pub mod testing;
mod ws;

pub use cli::{Args, run};
pub use config::{MIN_PUSH_GAP, SimConfig, SimSecret, SimSymbol, default_symbols};
pub use error::SimError;
pub use faults::{FaultEffect, FaultPoint, OrderFault};
pub use server::{SimHandle, serve};
