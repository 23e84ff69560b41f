//! The embedded market feed: a deterministic replay of synthetic one-minute bars for each symbol,
//! played faster than real time, plus the exchange rules the paper exchange enforces for them.

use std::time::Duration;

use mirai_core::synthetic::RandomWalk;
use mirai_core::{Asset, Candle, MarketEvent, Price, Qty, Symbol, SymbolRules, Timestamp};
use rust_decimal::Decimal;
use tokio::sync::mpsc;

pub const BAR_MS: i64 = 60_000;
/// [`BAR_MS`] in Binance's spelling, as candles are recorded.
pub const BAR_INTERVAL: &str = "1m";

/// The quote asset every replayed symbol is priced in.
pub fn quote_asset() -> Asset {
    Asset::new("USDT")
}

/// The base asset of a USDT pair ("BTCUSDT" → "BTC").
pub fn base_asset(symbol: Symbol) -> Asset {
    let s = symbol.as_str();
    Asset::new_checked(s.strip_suffix("USDT").filter(|b| !b.is_empty()).unwrap_or(s))
        .unwrap_or(Asset::new("BASE"))
}

fn start_price(symbol: Symbol) -> Decimal {
    match symbol.as_str() {
        "BTCUSDT" => Decimal::from(60_000),
        "ETHUSDT" => Decimal::from(3_000),
        "BNBUSDT" => Decimal::from(600),
        "SOLUSDT" => Decimal::from(150),
        _ => Decimal::from(100),
    }
}

/// Binance-like rules for replayed symbols: 0.01 tick, a lot step that keeps about a dollar of
/// resolution, and a 5 USDT minimum notional.
pub fn replay_rules(symbol: Symbol) -> SymbolRules {
    let step = match symbol.as_str() {
        "BTCUSDT" => Decimal::new(1, 5),
        "ETHUSDT" => Decimal::new(1, 4),
        _ => Decimal::new(1, 3),
    };
    SymbolRules::spot(
        symbol,
        base_asset(symbol),
        quote_asset(),
        Price::new(Decimal::new(1, 2)),
        Qty::new(step),
        Qty::new(Decimal::from(9_000)),
        Price::new(Decimal::from(5)),
    )
}

/// One random walk per symbol, all starting at `anchor` and advancing one bar per round.
#[derive(Debug, Clone)]
pub struct ReplayFeed {
    walks: Vec<RandomWalk>,
    next_index: u64,
}

impl ReplayFeed {
    pub fn new(symbols: &[Symbol], seed: u64, anchor: Timestamp) -> Self {
        let walks = symbols
            .iter()
            .enumerate()
            .map(|(i, s)| {
                RandomWalk::new(*s, Price::new(start_price(*s)), anchor, BAR_MS, seed.wrapping_add(i as u64))
            })
            .collect();
        Self { walks, next_index: 0 }
    }

    /// Skips to bar `index` (the first one not yet traded) and returns up to `keep` bars before it
    /// per symbol, oldest first, to warm the strategies up.
    pub fn skip_to(&mut self, index: u64, keep: usize) -> Vec<Candle> {
        let mut tail = Vec::new();
        let warm_from = index.saturating_sub(keep as u64);
        while self.next_index < index {
            let round = self.next_round();
            if self.next_index > warm_from {
                tail.extend(round);
            }
        }
        tail
    }

    /// The next bar of every symbol.
    pub fn next_round(&mut self) -> Vec<Candle> {
        self.next_index += 1;
        self.walks.iter_mut().filter_map(Iterator::next).collect()
    }

    /// The index of a bar from its open time.
    pub fn index_of(anchor: Timestamp, open_time: Timestamp) -> u64 {
        u64::try_from(open_time.since(anchor) / BAR_MS).unwrap_or(0)
    }

    /// Plays the feed into `tx` at `bars_per_second` rounds a second until the receiver goes away.
    pub async fn play(mut self, tx: mpsc::Sender<MarketEvent>, bars_per_second: u32) {
        let mut tick = tokio::time::interval(Duration::from_secs(1) / bars_per_second.max(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            for c in self.next_round() {
                if tx.send(MarketEvent::Candle(c)).await.is_err() {
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skipping_resumes_exactly_where_a_full_replay_would_be() {
        let symbols = [Symbol::new("BTCUSDT"), Symbol::new("ETHUSDT")];
        let anchor = Timestamp::from_millis(1_700_000_000_000);
        let mut full = ReplayFeed::new(&symbols, 42, anchor);
        let mut all = Vec::new();
        for _ in 0..30 {
            all.extend(full.next_round());
        }
        let mut resumed = ReplayFeed::new(&symbols, 42, anchor);
        let warm = resumed.skip_to(20, 5);
        assert_eq!(warm, all[30..40].to_vec());
        assert_eq!(resumed.next_round(), all[40..42].to_vec());
        assert_eq!(ReplayFeed::index_of(anchor, all[40].open_time), 20);
        assert_eq!(base_asset(Symbol::new("ETHUSDT")), Asset::new("ETH"));
    }
}
