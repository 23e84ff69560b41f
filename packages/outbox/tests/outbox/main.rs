//! Integration tests of the outbox shipper, in one binary: the shipping rules against in-test
//! sinks, and delivery to a real fakesnow server on 127.0.0.1, including an outage.

mod helpers;
mod outage;
mod rationales;
mod rules;
mod snowflake;
