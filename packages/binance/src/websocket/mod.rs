//! The websocket half: market streams (kline, trade, bookTicker, combined) with reconnection and
//! the WebSocket API's user-data subscription. One task owns each socket and emits typed events
//! on a channel; nothing else touches the socket.

pub mod backoff;
pub mod client;
pub mod frames;
pub mod handler;
pub mod messages;
pub mod parse;
pub mod user_data;
