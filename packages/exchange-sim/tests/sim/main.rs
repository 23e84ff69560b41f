//! The simulator from the outside: raw HTTP and WebSocket clients (not Mirai's adapter) and
//! Binance's official Python SDK, all on 127.0.0.1.

mod market;
mod python;
mod recipe;
mod rest;
mod streams;
mod support;
mod ws_api;
