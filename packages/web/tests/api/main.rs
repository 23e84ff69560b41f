//! Integration tests for mirai-web, in one binary: the router in-process, the control API, and
//! `RemoteBackend` against a real HTTP server on 127.0.0.1.

mod support;

mod auth;
mod backtests;
mod config;
mod control_api;
mod fuzz;
mod login_audit;
mod login_limits;
mod proposals;
mod remote;
mod routes;
mod search;
