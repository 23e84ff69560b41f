//! The adapter from the outside: parsers on payloads copied from Binance's docs, and the REST
//! client, executor, market streams and user-data stream against `mirai exchange-sim` on
//! 127.0.0.1 (no test reaches the internet).

mod executor;
mod fuzz;
mod parsers;
mod rest;
mod streams;
mod support;
mod user_data;
