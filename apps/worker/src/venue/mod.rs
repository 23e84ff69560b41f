//! Binance execution venues and market data for the worker (issue 4).
