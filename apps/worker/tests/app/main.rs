//! Spawn-the-app tests: the real worker on 127.0.0.1 port 0 with its own data directory, driven
//! over HTTP like the dashboard drives it. One binary for all of them.

mod helpers;

mod api;
mod binance;
mod hostile;
mod kill_switch;
mod knowledge;
mod login_audit;
mod model;
mod restart;
mod secrets;
mod trading;
