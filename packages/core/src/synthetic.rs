//! Deterministic synthetic candles: a geometric random walk in exact decimals, for the demo feed,
//! the exchange simulator, `mirai gen-bars`, tests and benchmarks (market data, not engine logic). The same seed gives the same bars on every machine and Rust version,
//! which is why the generator (SplitMix64) is written here rather than taken from `rand`, whose
//! streams may change between releases.

use crate::{Candle, Decimal, Price, Qty, Symbol, Timestamp};

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, fast, and good enough for test data.
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `-span..=span`.
    pub fn symmetric(&mut self, span: u32) -> i64 {
        let width = 2 * u64::from(span) + 1;
        (self.next_u64() % width) as i64 - i64::from(span)
    }
}

/// An endless stream of closed candles for one symbol.
#[derive(Clone, Debug)]
pub struct RandomWalk {
    rng: SplitMix64,
    symbol: Symbol,
    close: Decimal,
    next_open: Timestamp,
    interval_ms: i64,
    /// Largest move per bar, in basis points.
    step_bp: u32,
}

impl RandomWalk {
    pub fn new(symbol: Symbol, start_price: Price, start: Timestamp, interval_ms: i64, seed: u64) -> Self {
        Self {
            rng: SplitMix64::new(seed),
            symbol,
            close: start_price.get().round_dp(2),
            next_open: start,
            interval_ms,
            step_bp: 40,
        }
    }

    pub fn with_step_bp(mut self, step_bp: u32) -> Self {
        self.step_bp = step_bp;
        self
    }
}

impl Iterator for RandomWalk {
    type Item = Candle;

    fn next(&mut self) -> Option<Candle> {
        let bp = Decimal::new(10_000, 0);
        let open = self.close;
        let mv = Decimal::from(self.rng.symmetric(self.step_bp));
        let close = (open * (bp + mv) / bp).round_dp(2).max(Decimal::new(1, 2));
        let wick_up = Decimal::from(self.rng.next_u64() % u64::from(self.step_bp / 4 + 1));
        let wick_down = Decimal::from(self.rng.next_u64() % u64::from(self.step_bp / 4 + 1));
        let high = (open.max(close) * (bp + wick_up) / bp).round_dp(2);
        let low = (open.min(close) * (bp - wick_down) / bp).round_dp(2).max(Decimal::new(1, 2));
        let volume = Decimal::new((self.rng.next_u64() % 100_000) as i64 + 1_000, 3);
        let open_time = self.next_open;
        self.next_open = open_time.plus_millis(self.interval_ms);
        self.close = close;
        Some(Candle {
            symbol: self.symbol,
            open_time,
            close_time: open_time.plus_millis(self.interval_ms - 1),
            open: Price::new(open),
            high: Price::new(high),
            low: Price::new(low),
            close: Price::new(close),
            volume: Qty::new(volume),
            closed: true,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn the_same_seed_gives_the_same_bars_and_bars_are_well_formed() {
        let make = || {
            RandomWalk::new(
                Symbol::new("BTCUSDT"),
                Price::new(dec!(60000)),
                Timestamp::from_millis(0),
                60_000,
                7,
            )
        };
        let a: Vec<Candle> = make().take(500).collect();
        let b: Vec<Candle> = make().take(500).collect();
        assert_eq!(a, b);
        for (i, c) in a.iter().enumerate() {
            assert!(c.low <= c.open.min(c.close) && c.high >= c.open.max(c.close), "bar {i}: {c:?}");
            assert_eq!(c.open_time.millis(), i as i64 * 60_000);
            if i > 0 {
                assert_eq!(c.open, a[i - 1].close);
            }
        }
        let other: Vec<Candle> = RandomWalk::new(
            Symbol::new("BTCUSDT"),
            Price::new(dec!(60000)),
            Timestamp::from_millis(0),
            60_000,
            8,
        )
        .take(500)
        .collect();
        assert_ne!(a, other);
    }
}
