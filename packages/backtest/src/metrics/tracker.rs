//! `EquityTracker`: everything the statistics need from the equity curve, gathered bar by bar in
//! constant memory (a handful of numbers, one entry per calendar day, and a thinned curve for
//! charts), so a million-bar backtest keeps no per-bar array. Equity here is `f64`: it feeds
//! statistics only; the money figures come from the exact books.

use serde::Serialize;

use super::extremes::{BLOCK, ExtremesAt};
use crate::data::time::MS_PER_DAY;

/// One calendar day (UTC) with bars: its last equity and how many bars it had.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Day {
    pub day: i64,
    pub equity: f64,
    pub bars: u32,
}

/// A point of the thinned curve kept for charts.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct CurvePoint {
    pub time: i64,
    pub equity: f64,
    /// Drawdown from the running peak, as a fraction (0.1 = 10 % below).
    pub drawdown: f64,
}

/// Chart points kept at most; the curve thins itself by half when it fills.
const CURVE_POINTS: usize = 2_048;
/// Bars of a holding stretch looked at together ([`EquityTracker::held`]).
const HELD: usize = 8;
/// Timestamps kept to find the data's period, as backtesting.py does with the last 100.
pub const RECENT: usize = 100;
/// The ring that keeps them: the next power of two.
const RING: usize = RECENT.next_power_of_two();

#[derive(Clone, Debug)]
pub struct EquityTracker {
    bars: u64,
    exposed: u64,
    first: f64,
    first_time: i64,
    peak: f64,
    /// The lowest equity / running peak seen: 1 - max drawdown.
    min_ratio: f64,
    /// The last bar at its running peak (drawdown exactly zero), its time, and the lowest equity
    /// since (infinite while there is none): one open drawdown period. Keeping the lowest equity
    /// rather than the lowest equity / peak saves a division a bar, and gives the same ratio:
    /// the peak is constant through a period and division by it is monotonic, so
    /// min(e / peak) = min(e) / peak exactly, rounding included.
    zero_bar: u64,
    zero_time: i64,
    period_low: f64,
    periods: u64,
    sum_period_dd: f64,
    sum_period_ms: f64,
    max_period_ms: i64,
    day_end: i64,
    /// Finished days; the current one is `today` (a plain field: no vector access per bar).
    days: Vec<Day>,
    today: Day,
    /// The last bar times, at `bars % RING` (a power of two: a mask, no bounds check, no branch).
    recent: [i64; RING],
    curve: Vec<CurvePoint>,
    stride: u64,
    countdown: u64,
}

impl Default for EquityTracker {
    fn default() -> Self {
        Self {
            bars: 0,
            exposed: 0,
            first: f64::NAN,
            first_time: 0,
            peak: f64::NEG_INFINITY,
            min_ratio: 1.0,
            zero_bar: 0,
            zero_time: 0,
            period_low: f64::INFINITY,
            periods: 0,
            sum_period_dd: 0.0,
            sum_period_ms: 0.0,
            max_period_ms: 0,
            day_end: i64::MIN,
            days: Vec::new(),
            today: Day { day: 0, equity: f64::NAN, bars: 0 },
            recent: [0; RING],
            curve: Vec::with_capacity(CURVE_POINTS),
            stride: 1,
            countdown: 1,
        }
    }
}

impl EquityTracker {
    /// Records the equity at the end of a bar that opened at `time`; `exposed` when a position
    /// was held at any moment of the bar. (Always inlined: the runner's per-bar loop is where it
    /// belongs, and the compiler left it out of line once `push_run` grew.)
    #[inline(always)]
    pub fn push(&mut self, time: i64, equity: f64, exposed: bool) {
        self.drawdown(time, equity);
        if time >= self.day_end {
            self.new_day(time, equity);
        }
        self.today.equity = equity;
        self.today.bars += 1;
        self.recent[self.bars as usize & (RING - 1)] = time;
        self.countdown -= 1;
        if self.countdown == 0 {
            self.sample(time, equity);
        }
        self.exposed += u64::from(exposed);
        self.bars += 1;
    }

    /// The drawdown bookkeeping of bar `self.bars`.
    #[inline(always)]
    fn drawdown(&mut self, time: i64, equity: f64) {
        // backtesting.py's drawdown periods run between bars at the running peak (drawdown
        // exactly zero) that are more than one bar apart. (Below the peak, equity / peak never
        // rounds up to 1: the gap is at least one ulp of the peak, more than 2^-53 of it, and
        // 1 - 2^-53 is a double. So the comparison says what the ratio would.)
        if equity >= self.peak {
            if self.period_low < f64::INFINITY {
                self.end_dip(time);
            } else if self.bars > self.zero_bar + 1 {
                self.close_period(time, 1.0);
            }
            // At or above the peak: the new peak (a plain store, not a NaN-aware `max`).
            self.peak = equity;
            self.zero_bar = self.bars;
            self.zero_time = time;
        } else {
            // Below the peak, so not NaN: a plain comparison.
            if equity < self.period_low {
                self.period_low = equity;
            }
        }
    }

    /// As [`EquityTracker::push`] for each bar of a stretch over which the position does not
    /// change: bar `k` opened at `times[k]`, and its equity is `cash + qty × closes[k]` when
    /// `holding`, else `cash` (the runner's own formula, so the same doubles, bit for bit). The
    /// state afterwards is what pushing the bars one by one leaves, but only the drawdown is
    /// followed bar by bar, and only while holding: a flat stretch costs its days and chart
    /// samples. Returns the stretch's last bar whose equity rose strictly above every earlier
    /// one, if any (where the runner keeps its exact peak). `extremes`, where given, are those of
    /// the closes' blocks from the stretch's first bar on (a sweep's shared table).
    pub fn push_run(
        &mut self,
        times: &[i64],
        closes: &[f64],
        (cash, qty): (f64, f64),
        holding: bool,
        exposed: bool,
        extremes: Option<ExtremesAt<'_>>,
    ) -> Option<usize> {
        let n = times.len().min(closes.len());
        let equity = |k: usize| if holding { cash + qty * closes[k] } else { cash };
        // Bar `k` of the stretch is bar `base + k` of the test.
        let base = self.bars;
        let mut new_max = None;
        let mut k = 0;
        while k < n {
            // The next bar that needs the whole of `push`: the chart's next sample, or the first
            // bar of a new day.
            let mut stop = n.min(k + (self.countdown as usize).saturating_sub(1));
            if stop > k && times[stop - 1] >= self.day_end {
                stop = k + times[k..stop].partition_point(|&t| t < self.day_end);
            }
            if stop > k {
                if holding {
                    let held = (&times[k..stop], &closes[k..stop], (cash, qty));
                    if let Some(j) = self.held(base + k as u64, held, extremes.map(|x| x.skip(k))) {
                        new_max = Some(k + j);
                    }
                } else {
                    // The same equity on every bar: the first bar decides; the others change
                    // nothing but which bar was last at the peak, if the first one was.
                    if cash > self.peak {
                        new_max = Some(k);
                    }
                    self.bars = base + k as u64;
                    self.drawdown(times[k], cash);
                    if stop - k > 1 && cash >= self.peak {
                        self.zero_bar = base + (stop - 1) as u64;
                        self.zero_time = times[stop - 1];
                    }
                }
                let plain = (stop - k) as u64;
                self.bars = base + stop as u64;
                self.today.equity = equity(stop - 1);
                self.today.bars += plain as u32;
                self.countdown -= plain;
                self.exposed += if exposed { plain } else { 0 };
            }
            if stop == n {
                break;
            }
            let e = equity(stop);
            if e > self.peak {
                new_max = Some(stop);
            }
            self.push(times[stop], e, exposed);
            k = stop + 1;
        }
        // The ring of recent times: only the last `RECENT` are ever read, so only the stretch's
        // last `RECENT` bars matter; copied in at most two pieces (the ring wraps), as a stretch
        // ends at every order and a bar-by-bar loop here cost more than the stretch's drawdown.
        let from = n.saturating_sub(RECENT);
        let mut at = (base as usize + from) & (RING - 1);
        let mut rest = &times[from..n];
        while !rest.is_empty() {
            let take = rest.len().min(RING - at);
            self.recent[at..at + take].copy_from_slice(&rest[..take]);
            rest = &rest[take..];
            at = 0;
        }
        new_max
    }

    /// The drawdown bookkeeping of a holding stretch's bars (bar `k` is bar `first + k` of the
    /// test, its equity `cash + qty × closes[k]`), nothing else; returns the last bar whose
    /// equity rose strictly above every earlier one, if any. A block of bars at a time: where
    /// none of them reaches the peak (the usual case), all they can change is the period's
    /// lowest equity, which is their lowest (a minimum is exact in any order); the others are
    /// taken one by one. The blocks' extremes come from `extremes` where given (whole aligned
    /// blocks of [`BLOCK`]), else from the bars' equities, [`HELD`] at a time in long stretches.
    #[inline]
    fn held(
        &mut self,
        first: u64,
        (times, closes, (cash, qty)): (&[i64], &[f64], (f64, f64)),
        extremes: Option<ExtremesAt<'_>>,
    ) -> Option<usize> {
        let mut new_max = None;
        let mut one_by_one = |t: &mut Self, k: usize, time: i64, close: f64| {
            let e = cash + qty * close;
            if e >= t.peak {
                if e > t.peak {
                    new_max = Some(k);
                }
                t.bars = first + k as u64;
                t.drawdown(time, e);
            } else if e < t.period_low {
                t.period_low = e;
            }
        };
        let n = closes.len();
        // The equity follows the close only for a long position ([`CloseExtremes`]).
        if let Some(x) = extremes.filter(|_| qty > 0.0 && qty.is_finite() && cash.is_finite()) {
            let mut k = x.lead().min(n);
            for j in 0..k {
                one_by_one(self, j, times[j], closes[j]);
            }
            while k + BLOCK <= n {
                let Some((high, low)) = x.block(k) else { break };
                if cash + qty * high < self.peak {
                    let low = cash + qty * low;
                    if low < self.period_low {
                        self.period_low = low;
                    }
                } else {
                    for j in k..k + BLOCK {
                        one_by_one(self, j, times[j], closes[j]);
                    }
                }
                k += BLOCK;
            }
            for j in k..n {
                one_by_one(self, j, times[j], closes[j]);
            }
            return new_max;
        }
        // Short stretches (a fast average crossing every few bars) one by one: the chunks' own
        // work would cost more than it saves there.
        let chunks = if closes.len() >= 4 * HELD { closes.as_chunks::<HELD>().0 } else { &[] };
        let mut k = 0;
        for chunk in chunks {
            let e = chunk.map(|close| cash + qty * close);
            let (mut high, mut low) = (e[0], e[0]);
            for &x in &e[1..] {
                high = if x > high { x } else { high };
                low = if x < low { x } else { low };
            }
            if high < self.peak {
                if low < self.period_low {
                    self.period_low = low;
                }
            } else {
                for (j, &close) in chunk.iter().enumerate() {
                    one_by_one(self, k + j, times[k + j], close);
                }
            }
            k += HELD;
        }
        for (j, &close) in closes[k..].iter().enumerate() {
            one_by_one(self, k + j, times[k + j], close);
        }
        new_max
    }

    /// The lowest equity / peak of the open drawdown period (1 when there was no dip).
    fn period_ratio(&self) -> f64 {
        if self.period_low < f64::INFINITY { self.period_low / self.peak } else { 1.0 }
    }

    /// The bar is back at the peak after a dip: the dip counts towards the maximum drawdown, and
    /// ends a drawdown period if it lasted more than one bar.
    #[cold]
    fn end_dip(&mut self, time: i64) {
        let ratio = self.period_ratio();
        self.min_ratio = self.min_ratio.min(ratio);
        if self.bars > self.zero_bar + 1 {
            self.close_period(time, ratio);
        }
        self.period_low = f64::INFINITY;
    }

    #[cold]
    fn close_period(&mut self, time: i64, min_ratio: f64) {
        let ms = time - self.zero_time;
        self.periods += 1;
        self.sum_period_dd += 1.0 - min_ratio;
        self.sum_period_ms += ms as f64;
        self.max_period_ms = self.max_period_ms.max(ms);
    }

    /// The bar at `time` starts a calendar day: the previous one (if any) is done. The first bar
    /// always starts one, so the first equity and time are recorded here, off the per-bar path.
    #[cold]
    fn new_day(&mut self, time: i64, equity: f64) {
        if self.bars == 0 {
            self.first = equity;
            self.first_time = time;
        }
        if self.today.bars > 0 {
            self.days.push(self.today);
        }
        let day = time.div_euclid(MS_PER_DAY);
        self.day_end = (day + 1) * MS_PER_DAY;
        self.today = Day { day, equity: f64::NAN, bars: 0 };
    }

    #[cold]
    fn sample(&mut self, time: i64, equity: f64) {
        let ratio = if equity >= self.peak { 1.0 } else { equity / self.peak };
        self.curve.push(CurvePoint { time, equity, drawdown: 1.0 - ratio });
        if self.curve.len() == CURVE_POINTS {
            let kept: Vec<CurvePoint> = self.curve.iter().copied().step_by(2).collect();
            self.curve = kept;
            self.stride *= 2;
        }
        self.countdown = self.stride;
    }

    /// Closes the drawdown still open at the last bar (backtesting.py counts the last bar as a
    /// period end) and returns the summary.
    pub fn finish(mut self) -> TrackerSummary {
        // The last bar's equity and time are today's last and the ring's newest (kept there
        // anyway, so not stored twice per bar).
        let last = if self.bars > 0 { self.today.equity } else { f64::NAN };
        let last_time = if self.bars > 0 { self.recent[(self.bars as usize - 1) & (RING - 1)] } else { 0 };
        if self.today.bars > 0 {
            self.days.push(self.today);
        }
        let last_bar = self.bars.saturating_sub(1);
        let open_ratio = self.period_ratio();
        self.min_ratio = self.min_ratio.min(open_ratio);
        if self.bars > 0 && self.zero_bar != last_bar && last_bar > self.zero_bar + 1 {
            let t = last_time;
            self.close_period(t, open_ratio);
        }
        if self.curve.last().is_none_or(|p| p.time != last_time) && self.bars > 0 {
            let dd = if self.peak > 0.0 { 1.0 - last / self.peak } else { 0.0 };
            self.curve.push(CurvePoint { time: last_time, equity: last, drawdown: dd.max(0.0) });
        }
        let n = self.bars.min(RECENT as u64) as usize;
        // Bars `bars - n .. bars`, oldest first.
        let first = self.bars as usize - n;
        let recent: Vec<i64> = (first..first + n).map(|b| self.recent[b & (RING - 1)]).collect();
        TrackerSummary {
            bars: self.bars,
            exposed: self.exposed,
            first: self.first,
            first_time: self.first_time,
            last,
            peak: self.peak,
            max_drawdown: 1.0 - self.min_ratio,
            drawdown_periods: self.periods,
            avg_drawdown: self.sum_period_dd / self.periods as f64,
            avg_drawdown_ms: self.sum_period_ms / self.periods as f64,
            max_drawdown_ms: if self.periods > 0 { self.max_period_ms as f64 } else { f64::NAN },
            days: self.days,
            recent,
            curve: self.curve,
        }
    }
}

/// What [`EquityTracker`] learnt, for the statistics.
#[derive(Clone, Debug)]
pub struct TrackerSummary {
    pub bars: u64,
    pub exposed: u64,
    pub first: f64,
    /// The first bar's time.
    pub first_time: i64,
    pub last: f64,
    pub peak: f64,
    pub max_drawdown: f64,
    pub drawdown_periods: u64,
    /// NaN when there was no drawdown period.
    pub avg_drawdown: f64,
    pub avg_drawdown_ms: f64,
    pub max_drawdown_ms: f64,
    pub days: Vec<Day>,
    /// The last (up to 100) bar times, oldest first.
    pub recent: Vec<i64>,
    pub curve: Vec<CurvePoint>,
}

#[cfg(test)]
mod tests;
