//! `Asset`: an asset code ("BTC", "USDT").

crate::exchange_code::inline_code!(
    /// An asset code, e.g. `BTC` or `USDT`.
    Asset,
    "asset",
    12
);
