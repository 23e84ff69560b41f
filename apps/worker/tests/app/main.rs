//! Spawn-the-app tests: the real worker on 127.0.0.1 port 0 with its own data directory, driven
//! over HTTP like the dashboard drives it. One binary for all of them.

mod helpers;

mod alerts;
mod api;
mod audit_chain;
mod aws_secrets;
mod backup;
mod binance;
mod data_dir;
mod faults;
mod health;
mod hostile;
mod kill_switch;
mod knowledge;
mod log_format;
mod login_audit;
mod metrics;
mod model;
mod preflight;
mod proxy;
mod restart;
mod secrets;
mod snowflake;
mod stop;
mod trading;
