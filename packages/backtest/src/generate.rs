//! `mirai gen-bars`: writes the engine's deterministic random walk (`mirai_core::synthetic`)
//! as a `timestamp,open,high,low,close,volume` CSV. The same seed gives the same file on every
//! machine, so tests and benchmarks (ours and the peers') run on identical data.

use std::io::Write;

use mirai_core::synthetic::RandomWalk;
use mirai_core::{Candle, Price, Symbol, Timestamp};

/// 2024-01-01T00:00:00Z.
pub const DEFAULT_START_MS: i64 = 1_704_067_200_000;
/// 9999-12-31T23:59:59.999Z: the last time a four-digit year can write, and so the last open
/// time a generated bar may have (the CSV, the reports and Snowflake all write ISO-8601).
pub const LATEST_MS: i64 = 253_402_300_799_999;

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
        if self.bars == 0 {
            return Err("bars must be at least 1".into());
        }
        if self.interval_ms <= 0 {
            return Err("the interval must be positive".into());
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

    pub fn candles(&self) -> impl Iterator<Item = Candle> {
        RandomWalk::new(
            Symbol::new("BTCUSDT"),
            self.start_price,
            Timestamp::from_millis(self.start_ms),
            self.interval_ms,
            self.seed,
        )
        .take(self.bars as usize)
    }

    /// Writes the CSV; `progress` is called now and then with the bars written.
    pub fn write_csv(&self, out: &mut impl Write, mut progress: impl FnMut(u64)) -> std::io::Result<()> {
        writeln!(out, "timestamp,open,high,low,close,volume")?;
        let mut line = String::with_capacity(96);
        for (i, c) in self.candles().enumerate() {
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

    #[test]
    fn the_file_reads_back_as_the_same_bars_and_the_same_seed_gives_the_same_bytes() {
        let g = Generate {
            bars: 500,
            seed: 7,
            start_ms: DEFAULT_START_MS,
            interval_ms: 60_000,
            start_price: Price::new(dec!(100)),
        };
        let write = |g: &Generate| {
            let mut out = Vec::new();
            g.write_csv(&mut out, |_| {}).unwrap();
            out
        };
        let bytes = write(&g);
        assert_eq!(bytes, write(&g));
        assert_ne!(bytes, write(&Generate { seed: 8, ..g }));
        assert!(bytes.starts_with(b"timestamp,open,high,low,close,volume\n2024-01-01T00:00:00Z,100"));
        let bars = Bars::read(bytes.as_slice()).unwrap();
        let symbol = Symbol::new("BTCUSDT");
        let back: Vec<Candle> = bars.candles(symbol, 0..bars.len()).collect();
        let direct: Vec<Candle> = g.candles().collect();
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
