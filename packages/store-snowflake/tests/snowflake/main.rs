//! Integration tests of the Snowflake store against a real fakesnow server on 127.0.0.1 (the
//! run's shared instance, or one started for this binary), in one binary. Each test works in a
//! database of its own.

mod advisors;
mod candles;
mod helpers;
mod idempotency;
mod proposals;
mod queries;
mod schema;
mod views;
mod writes;
