//! Binance Spot for Mirai: signed REST (HMAC-SHA256 or Ed25519 over exactly the bytes sent), market
//! streams with reconnection, the WebSocket API user-data stream, a rate-limit governor with a
//! circuit breaker, and an [`Executor`](mirai_core::Executor) that never resends an order whose
//! outcome is unknown.
//!
//! Layout follows the adapter shape used across the project: `common` (enums, endpoints,
//! credentials, errors), `http` (client, venue JSON in `models`, conversion in `parse`), `websocket`
//! (streams and the WebSocket API) and `execution` (the executor). Venue formats never leave this
//! crate: everything public speaks `mirai-core` types.

pub mod common;
pub mod execution;
pub mod http;
pub mod websocket;

pub use common::credential::{Credential, CredentialError, SharedCredential};
pub use common::enums::{KlineInterval, OrderType, ResponseType};
pub use common::error::{BinanceError, Result};
pub use common::urls::{Endpoints, Environment};
pub use execution::executor::{BinanceExecutor, UnknownOutcomePolicy};
pub use http::client::{BinanceHttpClient, HttpConfig};
pub use http::governor::{Governor, GovernorConfig};
pub use http::query::{NewOrder, OrderRef};
pub use mirai_core::Backoff;
pub use websocket::backoff::{default_stream as default_stream_backoff, jittered as jittered_backoff};
pub use websocket::client::{MarketStream, StreamConfig, StreamEvent};
pub use websocket::user_data::{UserDataConfig, UserDataEvent, UserDataStream};
