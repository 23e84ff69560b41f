//! The backtester as users rely on it: agreement with backtesting.py and vectorbt on GOOG, the
//! fill and sizing conventions, risk gates applying as live, and bad input. One test binary.

mod agreement;
mod bad_input;
mod conventions;
mod reports;
mod strategies;
mod support;
mod sweeps;
