//! Backtests run by the worker on request (issue 3).
