//! `Budget`: what one backtest request may use — bars, memory and wall time — so that no request
//! can take the worker (and with it the trading loop) down. Bars and memory are checked before
//! anything is allocated, from the request alone; time is checked as the run goes.
//!
//! Memory is bounded, not metered: Rust aborts the whole process when an allocation fails, so a
//! budget enforced by failing allocations would be the very crash it is meant to prevent. Instead
//! [`memory_bound`] gives an upper bound on what a run of a given size allocates, and a property
//! test (`tests/backtest_memory.rs`) runs real requests under an allocator capped at the budget.

use std::time::Duration;

/// The most bars one request may run; also the web tier's own limit on generated series.
pub use mirai_web::MAX_GENERATED_BARS as MAX_BARS;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    /// `BACKTEST_MAX_BARS`: bars one request may run (1 to [`MAX_BARS`]).
    pub max_bars: u64,
    /// `BACKTEST_MEMORY_MB`: the most one run may allocate, by [`memory_bound`].
    pub memory_bytes: u64,
    /// `BACKTEST_TIMEOUT_SECS`: a run still going after this fails ("ran out of time").
    pub time: Duration,
}

impl Default for Budget {
    /// Two million bars (well under a second of work in a release build), 512 MB (the bound of
    /// the busiest two-million-bar run of daily bars is 388 MB), two minutes.
    fn default() -> Self {
        Self { max_bars: u64::from(MAX_BARS), memory_bytes: 512 << 20, time: Duration::from_secs(120) }
    }
}

/// Heap a run allocates whatever its size: the engine, the paper exchange, the metrics' fixed
/// rings, the result's JSON (at most 500 trades and a few thousand curve points). Measured: 61 KB.
const FIXED_BYTES: u64 = 4 << 20;
/// Heap per bar, at most: what grows is the list of closed trades (at most one per two bars,
/// with a vector's spare capacity and a reallocation's two copies) and then its statistics.
const BYTES_PER_BAR: u64 = 128;
/// Heap per calendar day the series touches: one entry of the daily series, with spare capacity.
const BYTES_PER_DAY: u64 = 64;
/// Heap per bar of the strategy's window, as `StrategySpec::state_window` counts it (an SMA keeps
/// its window as `i64`s, twice when the two averages cannot share one; Bollinger bands keep their
/// closes; Donchian's channels count one and a half bars each).
const BYTES_PER_WINDOW_BAR: u64 = 16;

// Measured peaks of the busiest runs (sma-cross 1/2, fractional, on close; a counting allocator,
// debug build): 150,000 one-minute bars 13.3 MB (bound 23.2 MB); 150,000 daily bars 21.8 MB
// (32.8 MB); 1,000,000 daily bars 92.7 MB (196 MB); 2,000,000 minute bars 56.2 MB (260 MB);
// 2,000,000 daily bars 134 MB (388 MB). `tests/backtest_memory.rs` runs such runs under an
// allocator capped at the bound.

/// An upper bound on the heap a run of `bars` bars over `days` calendar days, with a strategy
/// window of `window` bars, allocates at its peak.
pub fn memory_bound(bars: u64, days: u64, window: usize) -> u64 {
    FIXED_BYTES
        .saturating_add(bars.saturating_mul(BYTES_PER_BAR))
        .saturating_add(days.min(bars).saturating_mul(BYTES_PER_DAY))
        .saturating_add((window as u64).saturating_mul(BYTES_PER_WINDOW_BAR))
}

/// Bytes as megabytes (2²⁰), to a tenth, for messages.
pub(super) fn megabytes(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / f64::from(1 << 20))
}
