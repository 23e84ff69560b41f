//! The columns a shared sweep reads (`shared::Plan`), built from the series on every core: the
//! closes (and opens) as integer mantissas at the series' finest scale, and the closes as the
//! runner's `f64`. Building them is the one serial step between loading a series and sweeping
//! it, so each bar costs a few integer operations on the decimal's own words (no `i128`, no
//! power computed per bar), and the bars are split across the threads.

use std::ops::Range;

use mirai_core::Price;
use mirai_core::perf::POW10_U64;
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
        // One pass over the rows (88 bytes a bar): each close and open as its own mantissa and
        // scale, each close as `f64`, and the finest scale; then the mantissas are brought to
        // that scale where they are (9 bytes a bar read). The opens' columns are never written
        // without opens, so their pages are never touched, and they are dropped.
        let (mut closes, mut closes_f64, mut opens) = (vec![0u64; n + 1], vec![0f64; n], vec![0i64; n]);
        let (mut close_scales, mut open_scales) = (vec![0u8; n], vec![0u8; n]);
        let scale = closes[1..]
            .par_chunks_mut(CHUNK)
            .zip(closes_f64.par_chunks_mut(CHUNK))
            .zip(opens.par_chunks_mut(CHUNK))
            .zip(close_scales.par_chunks_mut(CHUNK))
            .zip(open_scales.par_chunks_mut(CHUNK))
            .enumerate()
            .map(|(k, ((((m, f), o), cs), os))| {
                let first = range.start + k * CHUNK;
                let mut scale = 0;
                for j in 0..m.len() {
                    let c = bars.close(first + j);
                    if c.get().is_sign_negative() || c.get().is_zero() {
                        return None;
                    }
                    (m[j], cs[j]) = own(c);
                    f[j] = price_to_f64(c);
                    scale = scale.max(cs[j]);
                    if with_opens {
                        let (om, s) = own(bars.open(first + j));
                        // The bits, until the second pass reads them back.
                        (o[j], os[j]) = (om as i64, s);
                        scale = scale.max(s);
                    }
                }
                Some(scale)
            })
            .try_reduce(|| 0, |a, b| Some(a.max(b)))?;
        let scale = u32::from(scale);
        let bad_open = closes[1..]
            .par_chunks_mut(CHUNK)
            .zip(opens.par_chunks_mut(CHUNK))
            .zip(close_scales.par_chunks(CHUNK))
            .zip(open_scales.par_chunks(CHUNK))
            .map(|(((m, o), cs), os)| {
                let mut bad_open = false;
                for j in 0..m.len() {
                    m[j] = rescale((m[j], cs[j]), scale).unwrap_or(TOO_LARGE);
                    if with_opens {
                        let open = rescale((o[j] as u64, os[j]), scale).and_then(|m| i64::try_from(m).ok());
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

/// `p` (never negative) as its own mantissa, [`TOO_LARGE`] where that does not fit a `u64`,
/// and its own scale (at most 28).
#[inline]
fn own(p: Price) -> (u64, u8) {
    let u = p.get().unpack();
    let m = if u.hi != 0 { TOO_LARGE } else { (u64::from(u.mid) << 32) | u64::from(u.lo) };
    (m, u.scale as u8)
}

/// A mantissa at its own scale ([`own`]) brought to `scale` (not below it), if it fits a `u64`:
/// times a power of ten from the table. [`TOO_LARGE`] stays too large (as a real `u64::MAX`
/// would: at its own scale it is `TOO_LARGE` itself, any finer it overflows).
#[inline]
fn rescale((m, own_scale): (u64, u8), scale: u32) -> Option<u64> {
    if m == TOO_LARGE {
        return None;
    }
    if m == 0 {
        return Some(0);
    }
    m.checked_mul(*POW10_U64.get(scale.checked_sub(u32::from(own_scale))? as usize)?)
}

/// `p` as a mantissa at `scale`, as the columns hold it.
#[cfg(test)]
fn at_scale(p: Price, scale: u32) -> Option<u64> {
    rescale(own(p), scale)
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use mirai_core::Decimal;

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
        // The largest `u64` is held as too large, which it is for any window's bound.
        assert_eq!(at_scale(price("18446744073709551615"), 0).unwrap_or(TOO_LARGE), TOO_LARGE);
        assert_eq!(at_scale(price("18446744073709551614"), 0), Some(u64::MAX - 1));
    }
}
