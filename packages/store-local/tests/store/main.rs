//! Integration tests of the local store, in one binary: each module exercises one concern
//! against a real SQLite file (or an in-memory database where the file does not matter).

mod audit;
mod concurrency;
mod corrupt;
mod counts;
mod decimals;
mod fills;
mod helpers;
mod journal;
mod ordering;
mod orders;
mod properties;
mod proposals;
mod reopen;
