//! Behaviour of the paper exchange as its users (the worker, the executor port) rely on it. One
//! test binary; each module covers one area.

mod cancel;
mod executor;
mod limit_orders;
mod market_orders;
mod properties;
mod rejections;
mod support;
