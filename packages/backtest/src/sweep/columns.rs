//! The columns a shared sweep reads (`shared::Plan`), built from the series on every core: the
//! closes (and opens) as integer mantissas at the series' finest scale, and the closes as the
//! runner's `f64`. Building them is the one serial step between loading a series and sweeping
//! it, so each bar costs a few integer operations on the decimal's own words (no `i128`, no
//! power computed per bar), and the bars are split across the threads.

use std::ops::Range;

use mirai_core::perf::POW10_U64;
use mirai_core::{Decimal, Price};
use rayon::prelude::*;

use crate::data::Bars;
use crate::float::price_to_f64;

/// Bars a thread takes at a time: large enough that the split costs nothing, small enough that
/// two threads share a series of a few hundred thousand bars.
const CHUNK: usize = 1 << 15;

/// A mantissa that is no mantissa: a close not representable at the scale (see [`Columns::of`]).
const TOO_LARGE: u64 = u64::MAX;

/// Each bar's close (and open, when asked for) at one scale, and each close as `f64`.
#[derive(Debug)]
pub(super) struct Columns {
    /// The finest scale of the closes (and opens) in the range.
    pub scale: u32,
    /// A zero, then each close's mantissa at `scale` ([`TOO_LARGE`] where it does not fit a
    /// `u64`): the caller turns it into the closes' prefix sums in place.
    pub closes: Vec<u64>,
    /// Each close as [`price_to_f64`] gives it.
    pub closes_f64: Vec<f64>,
    /// Each open's mantissa at `scale` (empty unless asked for).
    pub opens: Vec<i64>,
}

impl Columns {
    /// The columns of `bars[range]`, or `None` where a close is not above zero or an open
    /// (`with_opens`) does not fit an `i64` at the scale. The closes' own bound is the caller's
    /// to check (it depends on the windows): a close that does not even fit a `u64` is
    /// [`TOO_LARGE`], which is above any bound.
    pub(super) fn of(bars: &Bars, range: Range<usize>, with_opens: bool) -> Option<Self> {
        let n = range.len();
        // A chunk of bars at a time per thread (an item per bar cost a third of the whole).
        let scale = (0..n.div_ceil(CHUNK))
            .into_par_iter()
            .map(|k| {
                let mut scale = 0;
                for i in range.start + k * CHUNK..range.start + ((k + 1) * CHUNK).min(n) {
                    let c = bars.close(i).get();
                    if c.is_sign_negative() || c.is_zero() {
                        return None;
                    }
                    scale = scale.max(c.scale());
                    if with_opens {
                        scale = scale.max(bars.open(i).get().scale());
                    }
                }
                Some(scale)
            })
            .try_reduce(|| 0, |a, b| Some(a.max(b)))?;
        // The opens' column is filled in the same pass as the closes' (a row is read once);
        // without them it is never written, so its pages are never touched, and it is dropped.
        let (mut closes, mut closes_f64, mut opens) = (vec![0u64; n + 1], vec![0f64; n], vec![0i64; n]);
        let bad_open = closes[1..]
            .par_chunks_mut(CHUNK)
            .zip(closes_f64.par_chunks_mut(CHUNK))
            .zip(opens.par_chunks_mut(CHUNK))
            .enumerate()
            .map(|(k, ((m, f), o))| {
                let first = range.start + k * CHUNK;
                let mut bad_open = false;
                for (j, (m, f)) in m.iter_mut().zip(f.iter_mut()).enumerate() {
                    let c = bars.close(first + j);
                    *m = at_scale(c, scale).unwrap_or(TOO_LARGE);
                    *f = price_to_f64(c);
                    if with_opens {
                        let open = at_scale(bars.open(first + j), scale).and_then(|m| i64::try_from(m).ok());
                        o[j] = open.unwrap_or(0);
                        bad_open |= open.is_none();
                    }
                }
                bad_open
            })
            .reduce(|| false, |a, b| a || b);
        if bad_open {
            return None;
        }
        if !with_opens {
            opens = Vec::new();
        }
        Some(Self { scale, closes, closes_f64, opens })
    }
}

/// `p` (never negative) as a mantissa at `scale` (not below its own), if it fits a `u64`: the
/// decimal's low words times a power of ten from the table.
#[inline]
fn at_scale(p: Price, scale: u32) -> Option<u64> {
    let d: Decimal = p.get();
    let u = d.unpack();
    if u.hi != 0 {
        // 2^64 and more: no `u64` holds it.
        return None;
    }
    let m = (u64::from(u.mid) << 32) | u64::from(u.lo);
    if m == 0 {
        return Some(0);
    }
    m.checked_mul(*POW10_U64.get(scale.checked_sub(u.scale)? as usize)?)
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    fn price(s: &str) -> Price {
        Price::new_checked(Decimal::from_str(s).unwrap_or_else(|e| panic!("{e}")))
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn mantissas_at_a_finer_scale_are_the_decimal_times_a_power_of_ten() {
        for (p, scale) in [("100", 0), ("100", 2), ("100.11", 2), ("0.5", 8), ("1", 19), ("0.0", 3)] {
            let want =
                Decimal::from_str(p).unwrap_or_else(|e| panic!("{e}")) * Decimal::from(10u64.pow(scale));
            let got = at_scale(price(p), scale);
            assert_eq!(got.map(Decimal::from), Some(want.normalize()), "{p} at {scale}");
        }
    }

    #[test]
    fn mantissas_that_do_not_fit_are_refused() {
        // Below its own scale, past the table, past a `u64`.
        assert_eq!(at_scale(price("1.25"), 1), None);
        assert_eq!(at_scale(price("7"), 19), None);
        assert_eq!(at_scale(price("1"), 20), None);
        assert_eq!(at_scale(price("20000000000"), 10), None);
        assert_eq!(at_scale(price("18446744073709551616"), 0), None);
        assert_eq!(at_scale(price("18446744073709551615"), 0), Some(u64::MAX));
    }
}
