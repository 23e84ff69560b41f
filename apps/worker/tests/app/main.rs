//! Spawn-the-app tests: the real worker on 127.0.0.1 port 0 with its own data directory, driven
//! over HTTP like the dashboard drives it. One binary for all of them.

mod helpers;

mod admin;
mod alerts;
mod analytics;
mod api;
mod audit_chain;
mod aws_secrets;
mod backtest_list;
mod backup;
mod binance;
mod browser;
mod candles;
mod data_dir;
mod data_download;
mod decisions;
mod faults;
mod health;
mod hostile;
mod kill_switch;
mod knowledge;
mod log_format;
mod login_audit;
mod metrics;
mod model;
mod paper_binance;
mod performance;
mod pnl;
mod preflight;
mod proxy;
mod restart;
mod round_trips;
mod secrets;
mod snowflake;
mod stop;
mod strategies;
mod trade_as_worker;
mod trading;
mod users;
