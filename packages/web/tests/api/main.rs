//! Integration tests for mirai-web, in one binary: the router in-process, the control API, and
//! `RemoteBackend` against a real HTTP server on 127.0.0.1.

mod support;

mod admin;
mod auth;
mod backtest_list;
mod backtests;
mod config;
mod control_api;
mod decisions;
mod fuzz;
mod hardening;
mod login_audit;
mod login_limits;
mod openapi;
mod performance;
mod pnl;
mod proposals;
mod remote;
mod roles;
mod round_trips;
mod routes;
mod search;
