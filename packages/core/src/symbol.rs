//! `Symbol`: a trading pair as the exchange names it ("BTCUSDT").

crate::exchange_code::inline_code!(
    /// A trading pair as the exchange names it, e.g. `BTCUSDT`.
    Symbol,
    "symbol",
    20
);
