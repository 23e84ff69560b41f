//! The simulator as tests start it: the market moved by hand (`SimHandle::advance` closes bars,
//! `SimHandle::advance_time` moves market time update by update), a short history, and room to
//! step faster than real time. One harness for every crate's tests (the adapter's, the worker's,
//! the simulator's own) instead of a copy in each.

use crate::{SimConfig, SimHandle, serve};

/// A simulator on a free loopback port with `key`/`secret`, stepped by hand, after `adjust`.
///
/// # Panics
/// If the simulator cannot start (a test fixture: the test cannot go on without it).
pub async fn stepped(key: &str, secret: &str, adjust: impl FnOnce(&mut SimConfig)) -> SimHandle {
    let mut c = SimConfig::new(key, secret);
    c.bar_every = None;
    // Stepped by hand, faster than real time: room to do so without reaching the wall clock.
    c.past_bars = 10_000;
    c.history_bars = 100;
    adjust(&mut c);
    serve(c).await.expect("simulator starts")
}
