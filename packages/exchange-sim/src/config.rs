//! `SimConfig`: the account (API key, secret or Ed25519 key, balances), the symbols with their
//! Binance filters and starting prices, the price path, and the venue's limits.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use mirai_core::{Asset, Decimal, LotSize, NotionalFilter, Price, PriceFilter, Qty, Symbol, SymbolRules};

use crate::error::SimError;

/// The API secret. Never printed: `Debug` shows `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct SimSecret(String);

impl SimSecret {
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }

    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SimSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SimSecret(***)")
    }
}

/// A tradable symbol: its rules (served in exchangeInfo and enforced) and where its price starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimSymbol {
    pub rules: SymbolRules,
    pub start_price: Price,
}

#[derive(Clone, Debug)]
pub struct SimConfig {
    pub listen: SocketAddr,
    pub api_key: String,
    pub api_secret: SimSecret,
    /// Accept requests signed with this Ed25519 key (32 raw bytes) as well as HMAC ones.
    pub ed25519_public_key: Option<Vec<u8>>,
    pub symbols: Vec<SimSymbol>,
    pub balances: Vec<(Asset, Decimal)>,
    pub fee_rate: Decimal,
    /// Charge buyers their commission in the base asset they receive, as Binance does when BNB
    /// does not pay (`qty × fee_rate` of the base, rounded to 8 places); sellers pay in the quote
    /// asset either way. Off: every commission is in the quote asset.
    pub buyer_fee_in_base: bool,
    pub slippage_bps: Decimal,
    /// The kline interval served (`1s`, `1m`, …): one per simulator.
    pub interval: String,
    /// Real time per generated bar. `None`: the market moves only through
    /// [`crate::SimHandle::advance`] and [`crate::SimHandle::advance_time`] (deterministic tests).
    /// Equal to the interval: real time. Simulated time runs `interval / bar_every` times as fast
    /// as the wall clock, and every push (the open candle, trades, book tickers) follows it.
    pub bar_every: Option<Duration>,
    /// Simulated time between two updates of the open candle on `<symbol>@kline_<interval>`, each
    /// with a trade and a book ticker: Binance's 2 s (so 1s bars close without an open update).
    /// At speeds where that would be closer than [`MIN_PUSH_GAP`] of real time, updates are
    /// spaced [`MIN_PUSH_GAP`] apart instead (fewer per bar, the same bars).
    pub kline_update_every: Duration,
    /// Replay these CSV files (the backtester's formats) as the symbols' bars instead of the
    /// generated path: the file's bars in order, one per interval, then a random walk from its
    /// last close. Read at start.
    pub data: Vec<(Symbol, PathBuf)>,
    /// Closed bars generated before start, served by `/api/v3/klines`.
    pub history_bars: usize,
    /// How many bars before now the path's present starts. Bars are never generated ahead of
    /// the wall clock (a venue has no closed bars from the future), so stepping faster than real
    /// time needs this much room: 0 for real time, the default 100,000 (69 days of minutes)
    /// otherwise.
    pub past_bars: usize,
    pub seed: u64,
    pub weight_per_minute: u32,
    pub orders_per_10s: u32,
    pub orders_per_day: u32,
    /// 429s tolerated while limited before the IP is banned (418).
    pub ban_after_429s: u32,
    pub ban_ms: u64,
    /// Market streams ping this often (Binance: 20 s).
    pub ping_every: Duration,
    /// What the account reports as `canWithdraw`: false, as a key made for trading should
    /// (`mirai preflight` checks it); true to rehearse a key that is too powerful.
    pub can_withdraw: bool,
}

/// The most closed bars the simulator generates before it starts.
pub const MAX_HISTORY_BARS: usize = 1_000_000;

/// The least real time between two market updates when the clock runs fast: faster updates would
/// cost the clients more than they show (the worker's tests run 6,000 times real time).
pub const MIN_PUSH_GAP: Duration = Duration::from_millis(5);

impl SimConfig {
    /// Loopback on a free port, BTCUSDT and ETHUSDT, generous balances, one-minute bars in real
    /// time, Binance's default limits. Set `bar_every` (and `past_bars`) to run faster.
    pub fn new(api_key: impl Into<String>, api_secret: impl Into<String>) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            api_key: api_key.into(),
            api_secret: SimSecret::new(api_secret),
            ed25519_public_key: None,
            symbols: default_symbols(),
            balances: vec![
                (Asset::new("USDT"), Decimal::from(100_000)),
                (Asset::new("BTC"), Decimal::ONE),
                (Asset::new("ETH"), Decimal::TEN),
            ],
            fee_rate: Decimal::new(1, 3),
            buyer_fee_in_base: false,
            slippage_bps: Decimal::ZERO,
            interval: "1m".into(),
            bar_every: Some(Duration::from_secs(60)),
            kline_update_every: Duration::from_secs(2),
            data: Vec::new(),
            history_bars: 1_000,
            past_bars: 0,
            seed: 42,
            weight_per_minute: 6_000,
            orders_per_10s: 50,
            orders_per_day: 160_000,
            ban_after_429s: 5,
            ban_ms: 120_000,
            ping_every: Duration::from_secs(20),
            can_withdraw: false,
        }
    }

    pub(crate) fn interval_ms(&self) -> Option<i64> {
        interval_ms(&self.interval)
    }

    /// Market updates per bar (the last one closes it): one per [`SimConfig::kline_update_every`]
    /// of simulated time, fewer when the clock runs so fast that they would come closer than
    /// [`MIN_PUSH_GAP`] of real time.
    pub fn updates_per_bar(&self) -> u32 {
        let interval = self.interval_ms().unwrap_or(60_000).max(1) as u128;
        let every = self.kline_update_every.as_millis().max(1);
        let mut steps = (interval / every).max(1);
        if let Some(real) = self.bar_every {
            steps = steps.min((real.as_micros() / MIN_PUSH_GAP.as_micros()).max(1));
        }
        u32::try_from(steps).unwrap_or(u32::MAX).min(MAX_UPDATES_PER_BAR)
    }

    /// Market time between two updates of the bar being formed, in ms (2,000 at the defaults).
    pub fn market_ms_per_update(&self) -> i64 {
        self.interval_ms().unwrap_or(60_000) / i64::from(self.updates_per_bar().max(1))
    }

    /// How many times faster than the wall clock simulated time runs (`None`: only by hand).
    pub fn speed(&self) -> Option<f64> {
        let bar = self.bar_every?.as_secs_f64();
        let interval = self.interval_ms()? as f64 / 1000.0;
        (bar > 0.0).then(|| interval / bar)
    }

    /// Every problem at once.
    pub fn validate(&self) -> Result<(), SimError> {
        let mut problems = Vec::new();
        if self.api_key.trim().is_empty() {
            problems.push("api key is empty".to_owned());
        }
        if self.api_secret.expose().is_empty() && self.ed25519_public_key.is_none() {
            problems.push("api secret is empty and no Ed25519 key is set".to_owned());
        }
        if self.ed25519_public_key.as_ref().is_some_and(|k| k.len() != 32) {
            problems.push("an Ed25519 public key is 32 bytes".to_owned());
        }
        if self.symbols.is_empty() {
            problems.push("no symbols".to_owned());
        }
        if self.interval_ms().is_none() {
            problems.push(format!("unknown kline interval {:?}", self.interval));
        }
        if self.bar_every.is_some_and(|d| d.is_zero()) {
            problems.push("bar_every must be positive".to_owned());
        }
        if self.kline_update_every.is_zero() {
            problems.push("kline_update_every must be positive".to_owned());
        }
        for (symbol, path) in &self.data {
            if !self.symbols.iter().any(|s| s.rules.symbol == *symbol) {
                let known: Vec<&str> = self.symbols.iter().map(|s| s.rules.symbol.as_str()).collect();
                problems.push(format!(
                    "data for {symbol} ({}): not a symbol the simulator trades ({})",
                    path.display(),
                    known.join(", ")
                ));
            }
        }
        if self.data.iter().enumerate().any(|(i, (s, _))| self.data[..i].iter().any(|(t, _)| t == s)) {
            problems.push("data given twice for one symbol".to_owned());
        }
        if self.weight_per_minute == 0 || self.orders_per_10s == 0 || self.orders_per_day == 0 {
            problems.push("rate limits must be positive".to_owned());
        }
        // Held in memory (a candle each): a million is a year of minutes, 1,000 times what
        // Binance serves in one klines call.
        if self.history_bars > MAX_HISTORY_BARS {
            problems.push(format!("history of {} bars: at most {MAX_HISTORY_BARS}", self.history_bars));
        }
        if problems.is_empty() { Ok(()) } else { Err(SimError::Config(problems.join("; "))) }
    }
}

/// A day of 1s bars: more updates per bar than that is not a market anyone watches.
const MAX_UPDATES_PER_BAR: u32 = 86_400;

/// Binance's fixed-length kline intervals, in milliseconds.
pub(crate) fn interval_ms(name: &str) -> Option<i64> {
    Some(match name {
        "1s" => 1_000,
        "1m" => 60_000,
        "3m" => 180_000,
        "5m" => 300_000,
        "15m" => 900_000,
        "30m" => 1_800_000,
        "1h" => 3_600_000,
        "2h" => 7_200_000,
        "4h" => 14_400_000,
        "6h" => 21_600_000,
        "8h" => 28_800_000,
        "12h" => 43_200_000,
        "1d" => 86_400_000,
        "3d" => 259_200_000,
        "1w" => 604_800_000,
        _ => return None,
    })
}

/// BTCUSDT at 60,000 and ETHUSDT at 3,000 with Binance-like filters: 0.01 tick, lot steps of
/// 0.00001 BTC and 0.0001 ETH, a 5 USDT minimum notional.
pub fn default_symbols() -> Vec<SimSymbol> {
    [("BTCUSDT", "BTC", 60_000, Decimal::new(1, 5)), ("ETHUSDT", "ETH", 3_000, Decimal::new(1, 4))]
        .into_iter()
        .map(|(sym, base, price, step)| {
            let lot = LotSize {
                min_qty: Qty::new(step),
                max_qty: Qty::new(Decimal::from(9_000)),
                step_size: Qty::new(step),
            };
            SimSymbol {
                rules: SymbolRules {
                    symbol: Symbol::new(sym),
                    base: Asset::new(base),
                    quote: Asset::new("USDT"),
                    price_filter: Some(PriceFilter {
                        min_price: Price::new(Decimal::new(1, 2)),
                        max_price: Price::new(Decimal::from(1_000_000)),
                        tick_size: Price::new(Decimal::new(1, 2)),
                    }),
                    lot_size: Some(lot),
                    market_lot_size: Some(lot),
                    notional: Some(NotionalFilter {
                        min_notional: Price::new(Decimal::from(5)),
                        apply_min_to_market: true,
                        max_notional: Some(Price::new(Decimal::from(9_000_000))),
                        apply_max_to_market: false,
                        legacy_min_notional: false,
                    }),
                },
                start_price: Price::new(Decimal::from(price)),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_the_secret_never_prints() {
        let c = SimConfig::new("key", "super-secret-value");
        assert!(c.validate().is_ok());
        assert!(!format!("{c:?}").contains("super-secret-value"));
        let mut bad = SimConfig::new("", "");
        bad.interval = "7m".into();
        bad.symbols.clear();
        bad.history_bars = 1_000_000_000_000;
        let err = bad.validate().unwrap_err().to_string();
        assert!(
            err.contains("api key")
                && err.contains("secret")
                && err.contains("symbols")
                && err.contains("7m")
                && err.contains("at most 1000000"),
            "{err}"
        );
    }
}
