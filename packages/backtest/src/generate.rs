//! `mirai gen-bars`: deterministic synthetic bars as a `timestamp,open,high,low,close,volume`
//! CSV. The same seed gives the same file on every machine, so tests and benchmarks (ours and the
//! peers') run on identical data. Two models:
//!
//! - [`Model::Regimes`] (`gen-bars`' default): bars that look like a market, log-normal returns
//!   in calm and turbulent spells (`market`);
//! - [`Model::RandomWalk`]: the engine's random walk (`mirai_core::synthetic::RandomWalk`), byte
//!   for byte as `gen-bars` wrote it before the regimes model: the benchmarks' and the peer
//!   comparisons' input (docs/benchmarks.md), kept so their figures stay comparable, and what
//!   [`Generate::candles`] and [`Generate::write_csv`] give (the tests' and the worker's
//!   generated series).

use std::io::Write;

use mirai_core::synthetic::RandomWalk;
use mirai_core::{Candle, Price, Symbol, Timestamp};

mod market;

pub use market::{Market, MarketParams, Regime, default_tick};

/// 2024-01-01T00:00:00Z.
pub const DEFAULT_START_MS: i64 = 1_704_067_200_000;
/// 9999-12-31T23:59:59.999Z: the last time a four-digit year can write, and so the last open
/// time a generated bar may have (the CSV, the reports and Snowflake all write ISO-8601).
pub const LATEST_MS: i64 = 253_402_300_799_999;

/// The price model.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Model {
    /// Log-normal returns whose volatility switches between calm and turbulent spells.
    Regimes(MarketParams),
    /// The engine's random walk: moves uniform in ±0.4 %, two-decimal prices (the old output).
    RandomWalk,
}

/// A series' shape: how many bars, from when, how far apart, from which price, with which seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Generate {
    pub bars: u64,
    pub seed: u64,
    pub start_ms: i64,
    pub interval_ms: i64,
    pub start_price: Price,
}

impl Generate {
    /// Checks that every bar's open time is representable: from 1970 up to [`LATEST_MS`]. A long
    /// interval times many bars would otherwise run off the end of the calendar (or of `i64`).
    pub fn check(&self) -> Result<(), String> {
        self.check_model(Model::RandomWalk)
    }

    /// [`Generate::check`], and the model's settings.
    pub fn check_model(&self, model: Model) -> Result<(), String> {
        if self.bars == 0 {
            return Err("bars must be at least 1".into());
        }
        if self.interval_ms <= 0 {
            return Err("the interval must be positive".into());
        }
        if let Model::Regimes(params) = &model {
            params.check(self.start_price)?;
        }
        let last = i64::try_from(self.bars - 1)
            .ok()
            .and_then(|n| n.checked_mul(self.interval_ms))
            .and_then(|span| span.checked_add(self.start_ms));
        match last {
            Some(last) if (0..=LATEST_MS).contains(&self.start_ms) && last <= LATEST_MS => Ok(()),
            _ => Err(format!(
                "{} bars of {} ms from {} run past the year 9999; use fewer bars or a shorter interval",
                self.bars,
                self.interval_ms,
                Timestamp::from_millis(self.start_ms.clamp(0, LATEST_MS)).to_iso8601()
            )),
        }
    }

    /// The random walk's bars.
    pub fn candles(&self) -> impl Iterator<Item = Candle> + use<> {
        RandomWalk::new(
            Symbol::new("BTCUSDT"),
            self.start_price,
            Timestamp::from_millis(self.start_ms),
            self.interval_ms,
            self.seed,
        )
        .take(self.bars as usize)
    }

    /// The bars of `model`.
    pub fn candles_of(&self, model: Model) -> Box<dyn Iterator<Item = Candle>> {
        let (symbol, start) = (Symbol::new("BTCUSDT"), Timestamp::from_millis(self.start_ms));
        let n = self.bars as usize;
        match model {
            Model::RandomWalk => Box::new(
                RandomWalk::new(symbol, self.start_price, start, self.interval_ms, self.seed).take(n),
            ),
            Model::Regimes(params) => Box::new(
                Market::new(symbol, self.start_price, start, self.interval_ms, self.seed, params).take(n),
            ),
        }
    }

    /// Writes the random walk's CSV; `progress` is called now and then with the bars written.
    pub fn write_csv(&self, out: &mut impl Write, progress: impl FnMut(u64)) -> std::io::Result<()> {
        self.write_csv_of(Model::RandomWalk, out, progress)
    }

    /// Writes the CSV of `model`'s bars; `progress` is called now and then with the bars written.
    pub fn write_csv_of(
        &self,
        model: Model,
        out: &mut impl Write,
        mut progress: impl FnMut(u64),
    ) -> std::io::Result<()> {
        writeln!(out, "timestamp,open,high,low,close,volume")?;
        let mut line = String::with_capacity(96);
        for (i, c) in self.candles_of(model).enumerate() {
            line.clear();
            use std::fmt::Write as _;
            let _ = writeln!(
                line,
                "{},{},{},{},{},{}",
                iso_seconds(c.open_time),
                c.open,
                c.high,
                c.low,
                c.close,
                c.volume
            );
            out.write_all(line.as_bytes())?;
            if i % 65_536 == 0 {
                progress(i as u64);
            }
        }
        progress(self.bars);
        Ok(())
    }
}

/// `1m` → 60,000 ms: a positive whole number followed by s, m, h or d.
pub fn parse_interval(text: &str) -> Option<i64> {
    let t = text.trim();
    let unit = match t.chars().last()? {
        's' => 1_000,
        'm' => 60_000,
        'h' => 3_600_000,
        'd' => 86_400_000,
        _ => return None,
    };
    let n: i64 = t[..t.len() - 1].parse().ok().filter(|n| *n > 0)?;
    n.checked_mul(unit)
}

/// `2024-01-01T00:00:00Z`: ISO-8601 without the milliseconds when they are zero.
fn iso_seconds(t: Timestamp) -> String {
    let s = t.to_iso8601();
    match s.strip_suffix(".000Z") {
        Some(head) => format!("{head}Z"),
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_that_would_run_past_the_calendar_are_refused() {
        let g = |bars, interval_ms| Generate {
            bars,
            seed: 1,
            start_ms: DEFAULT_START_MS,
            interval_ms,
            start_price: Price::new_checked(mirai_core::Decimal::from(100)).unwrap(),
        };
        assert!(g(2_000_000, 86_400_000).check().is_ok());
        assert!(g(2_000_000, 9_999_999 * 86_400_000).check().unwrap_err().contains("year 9999"));
        assert!(g(u64::MAX, 60_000).check().is_err());
        assert!(g(0, 60_000).check().is_err());
        let last = (LATEST_MS - DEFAULT_START_MS) / 60_000;
        assert!(g(last as u64 + 1, 60_000).check().is_ok());
        assert!(g(last as u64 + 2, 60_000).check().is_err());
    }
    use crate::data::Bars;
    use rust_decimal_macros::dec;

    #[test]
    fn intervals() {
        assert_eq!(parse_interval("1m"), Some(60_000));
        assert_eq!(parse_interval("4h"), Some(14_400_000));
        assert_eq!(parse_interval("1d"), Some(86_400_000));
        for bad in ["0m", "m", "5x", "-1m", ""] {
            assert_eq!(parse_interval(bad), None, "{bad}");
        }
    }

    fn write(g: &Generate, model: Model) -> Vec<u8> {
        let mut out = Vec::new();
        g.write_csv_of(model, &mut out, |_| {}).unwrap();
        out
    }

    fn generate(seed: u64) -> Generate {
        Generate {
            bars: 500,
            seed,
            start_ms: DEFAULT_START_MS,
            interval_ms: 60_000,
            start_price: Price::new(dec!(100)),
        }
    }

    #[test]
    fn the_file_reads_back_as_the_same_bars_and_the_same_seed_gives_the_same_bytes() {
        let regimes = Model::Regimes(MarketParams::for_price(Price::new(dec!(100))));
        for model in [regimes, Model::RandomWalk] {
            let g = generate(7);
            assert!(g.check_model(model).is_ok());
            let bytes = write(&g, model);
            assert_eq!(bytes, write(&g, model));
            assert_ne!(bytes, write(&Generate { seed: 8, ..g }, model));
            let head = b"timestamp,open,high,low,close,volume\n2024-01-01T00:00:00Z,100,";
            assert!(bytes.starts_with(head), "{model:?}");
            let bars = Bars::read(bytes.as_slice()).unwrap();
            let symbol = Symbol::new("BTCUSDT");
            let back: Vec<Candle> = bars.candles(symbol, 0..bars.len()).collect();
            let direct: Vec<Candle> = g.candles_of(model).collect();
            assert_eq!(back.len(), 500);
            for (a, b) in back.iter().zip(&direct) {
                assert_eq!((a.open_time, a.close_time), (b.open_time, b.close_time));
                assert_eq!(
                    (a.open, a.high, a.low, a.close, a.volume),
                    (b.open, b.high, b.low, b.close, b.volume)
                );
            }
        }
    }

    #[test]
    fn the_random_walk_writes_what_it_always_wrote() {
        // The first bars of `gen-bars --bars 1000000 --seed 42` as the benchmarks' file has them
        // (docs/benchmarks.md; its SHA-256 begins 4709522f).
        let g = Generate { bars: 3, ..generate(42) };
        let text = String::from_utf8(write(&g, Model::RandomWalk)).unwrap();
        let mut plain = Vec::new();
        g.write_csv(&mut plain, |_| {}).unwrap();
        assert_eq!(plain, text.as_bytes(), "write_csv is the random walk's");
        assert_eq!(
            text,
            "timestamp,open,high,low,close,volume\n\
             2024-01-01T00:00:00Z,100,100.11,99.98,100.06,56.764\n\
             2024-01-01T00:01:00Z,100.06,100.15,99.84,99.91,76.908\n\
             2024-01-01T00:02:00Z,99.91,100.25,99.89,100.15,40.646\n"
        );
    }

    #[test]
    fn bad_model_settings_are_refused() {
        let params = MarketParams { vol: 20.0, ..MarketParams::for_price(Price::new(dec!(100))) };
        let e = generate(1).check_model(Model::Regimes(params)).unwrap_err();
        assert!(e.contains("vol 20"), "{e}");
    }
}
