//! The search at the heart of a shared sweep: the first bar of a stretch where an `sma-cross`
//! combination's fast average crosses its slow one in the wanted direction. Every combination
//! runs it over nearly every bar, so it is most of a sweep's time after the orders.
//!
//! With the sums' column held as `f64` too (where that is exact, [`exact_in_f64`]) the search
//! first asks of eight bars at a time whether any may hold a cross, with vector instructions;
//! the exact `i64` sums find the bar in the chunks that may, and do everything where `f64`
//! would not be exact.

/// The most a sum or product of the search may reach for `f64` to hold it exactly: 2^53.
const EXACT: u64 = 1 << 53;

/// Bars looked at together by the `f64` test. A chunk that may hold a cross is searched again
/// bar by bar, so a short one wastes less where crosses are frequent: 8 costs 1.5 % fewer
/// instructions than 16 on the 100 grid and 5 % fewer on the 10,000 grid's busiest pairs (4:
/// 3 % more on the 100 grid).
const CHUNK: usize = 8;

/// Bars a search takes one at a time before it goes by chunks: a cross that comes within a few
/// bars costs no chunk. (48 until refused buys were passed over inside the search; with fewer
/// searches started, 16 costs fewer instructions on both benchmark grids.)
const HEAD: usize = 16;

/// Whether the search may run on the sums as `f64`: every prefix sum (`total`, the last and
/// largest, as the closes are positive) and every product of a window's sum and a period
/// (below `largest close × longest²`) are integers below 2^53, so each is held exactly and the
/// difference of two products, the one thing whose sign is read, is the integer one.
pub(super) fn exact_in_f64(total: u64, largest: u64, longest: usize) -> bool {
    let longest = longest as u128;
    u128::from(total) < u128::from(EXACT) && u128::from(largest) * longest * longest < u128::from(EXACT)
}

/// One combination's search: its windows and which way the wanted cross goes.
#[derive(Clone, Copy, Debug)]
pub(super) struct Search {
    pub fast: usize,
    pub slow: usize,
    /// True for a buy (fast rising above slow), false for a sell.
    pub up: bool,
    /// The bar before the first searched one was on the far side (a cross may come at once).
    pub armed: bool,
}

impl Search {
    /// The first bar `k` in `first..stop` where `fast mean − slow mean` is on the wanted side of
    /// zero after a bar on the other side, or `stop`. Bar `k`'s windows end at `sums[k + 1]`;
    /// `first ≥ slow − 1`, so every window is full. `sums_f`, where given, is `sums` as `f64`
    /// ([`exact_in_f64`] holds).
    #[cfg(test)]
    pub(super) fn find(self, sums: &[i64], sums_f: Option<&[f64]>, first: usize, stop: usize) -> usize {
        self.find_where(sums, sums_f, (first, stop), &mut Every).0
    }

    /// As [`Search::find`], taking only a cross at a bar `accept` takes: the others are passed
    /// over (the search goes on unarmed after each, as after any cross) and counted. A sweep
    /// passes over the buys a drained account would be refused this way, a million-bar search
    /// at a time instead of one search per refusal.
    #[inline(always)]
    pub(super) fn find_where(
        self,
        sums: &[i64],
        sums_f: Option<&[f64]>,
        (first, stop): (usize, usize),
        accept: &mut impl Accept,
    ) -> (usize, u64) {
        let mut passed = 0;
        // The first bars a bar at a time, in line: a cross that comes soon (a fast average
        // crossing every few bars, or the next cross after a refused buy, most of a large grid's
        // searches) costs no chunk, where a chunk holding a cross costs its test and its bars.
        let head = first.saturating_add(HEAD).min(stop);
        let armed = match self.find_i64(sums, first, head, accept, &mut passed) {
            (Some(found), _) => return (found, passed),
            (None, armed) => armed,
        };
        let rest = Self { armed, ..self };
        let found = match sums_f {
            Some(sums_f) if stop - head >= CHUNK => {
                rest.find_chunked(sums, sums_f, (head, stop), accept, &mut passed)
            }
            _ => rest.find_i64(sums, head, stop, accept, &mut passed).0.unwrap_or(stop),
        };
        (found, passed)
    }

    /// [`Search::find_where`] a chunk at a time.
    #[inline(never)]
    fn find_chunked(
        self,
        sums: &[i64],
        sums_f: &[f64],
        (first, stop): (usize, usize),
        accept: &mut impl Accept,
        passed: &mut u64,
    ) -> usize {
        let mut search = self;
        let mut k = first;
        while k + CHUNK <= stop {
            // Most chunks hold no cross (one comes in hundreds of bars): those only say whether
            // their last bar leaves the search armed. The others are searched a bar at a time,
            // on the differences the test worked out.
            let (found, armed) = match search.chunk(sums_f, k) {
                Some(Ok(armed)) => (None, armed),
                Some(Err(d)) => search.scan(&d, k, accept, passed),
                None => search.find_i64(sums, k, k + CHUNK, accept, passed),
            };
            if let Some(found) = found {
                return found;
            }
            search.armed = armed;
            k += CHUNK;
        }
        search.find_i64(sums, k, stop, accept, passed).0.unwrap_or(stop)
    }

    /// Bars `k..k + CHUNK`: whether the last one leaves the search armed, where no wanted cross
    /// can be among them, else (`Err`) each bar's difference, for [`Search::scan`]; `None`
    /// past the column's end. One pass with no branch, which the compiler turns into vector
    /// instructions (two lanes even on the oldest x86-64): each bar's difference, oriented so
    /// the far side is negative, its sign bit ANDed and ORed over the chunk. A chunk wholly on
    /// the far side only arms the search; one wholly off it, entered unarmed, leaves it
    /// unarmed; any other (a cross, or the differences changing side) is searched exactly.
    /// Exact: every sum, difference and product here is an integer below 2^53
    /// ([`exact_in_f64`]), so each difference is the integer search's, and a zero comes out as
    /// +0.0 (a difference of equal numbers), off the far side as it should be.
    #[inline]
    fn chunk(self, sums: &[f64], k: usize) -> Option<Result<bool, [f64; CHUNK]>> {
        if self.up { self.chunk_toward::<true>(sums, k) } else { self.chunk_toward::<false>(sums, k) }
    }

    /// [`Search::chunk`] for one direction. A constant rather than a pair of signed factors: with
    /// the factors, the compiler pairs each bar's two products in one register instead of two
    /// bars' like products, and the vector code is twice as long.
    #[inline(always)]
    fn chunk_toward<const UP: bool>(self, sums: &[f64], k: usize) -> Option<Result<bool, [f64; CHUNK]>> {
        let (f, s) = (self.fast as f64, self.slow as f64);
        let top: &[f64; CHUNK] = sums.get(k + 1..)?.first_chunk()?;
        let fast_from: &[f64; CHUNK] = sums.get(k + 1 - self.fast..)?.first_chunk()?;
        let slow_from: &[f64; CHUNK] = sums.get(k + 1 - self.slow..)?.first_chunk()?;
        let mut d = [0f64; CHUNK];
        let (mut all, mut any) = (u64::MAX, 0u64);
        for j in 0..CHUNK {
            // fast_sum × slow and slow_sum × fast; up, the first minus the second is below zero
            // before the cross.
            let (x, y) = ((top[j] - fast_from[j]) * s, (top[j] - slow_from[j]) * f);
            d[j] = if UP { x - y } else { y - x };
            all &= d[j].to_bits();
            any |= d[j].to_bits();
        }
        Some(if all >> 63 == 1 {
            Ok(true)
        } else if any >> 63 == 0 && !self.armed {
            Ok(false)
        } else {
            Err(d)
        })
    }

    /// [`Search::find_i64`] over a chunk's differences ([`Search::chunk`]), bar `k` the first:
    /// the same comparisons on the same integers, held in `f64`, without working them out again.
    #[inline(always)]
    fn scan(
        self,
        d: &[f64; CHUNK],
        k: usize,
        accept: &mut impl Accept,
        passed: &mut u64,
    ) -> (Option<usize>, bool) {
        let mut armed = self.armed;
        for (j, &d) in d.iter().enumerate() {
            if armed && d > 0.0 {
                if accept.accept(k + j) {
                    return (Some(k + j), false);
                }
                *passed += 1;
            }
            armed = d < 0.0;
        }
        (None, armed)
    }

    /// The search a bar at a time on the exact integer sums (wrapping: each window's sum is
    /// exact, see `Plan::new`): the bar found, if any, and whether the last bar left the search
    /// armed; crosses `accept` does not take are added to `passed`.
    #[inline(always)]
    fn find_i64(
        self,
        sums: &[i64],
        first: usize,
        stop: usize,
        accept: &mut impl Accept,
        passed: &mut u64,
    ) -> (Option<usize>, bool) {
        if first >= stop {
            return (None, self.armed);
        }
        let top = &sums[first + 1..stop + 1];
        let fast_from = &sums[first + 1 - self.fast..stop + 1 - self.fast];
        let slow_from = &sums[first + 1 - self.slow..stop + 1 - self.slow];
        let (f, s) = (self.fast as i64, self.slow as i64);
        let dir = if self.up { 1 } else { -1 };
        let mut armed = self.armed;
        for (k, ((&t, &a), &b)) in top.iter().zip(fast_from).zip(slow_from).enumerate() {
            // Both products are positive (the closes are) and fit, so their difference does.
            let d = (t.wrapping_sub(a) * s - t.wrapping_sub(b) * f) * dir;
            if armed && d > 0 {
                if accept.accept(first + k) {
                    return (Some(first + k), false);
                }
                *passed += 1;
            }
            armed = d < 0;
        }
        (None, armed)
    }
}

/// Which crosses a search takes ([`Search::find_where`]).
pub(super) trait Accept {
    /// Whether the cross on bar `k` ends the search.
    fn accept(&mut self, k: usize) -> bool;
}

/// Every cross: [`Search::find`].
pub(super) struct Every;

impl Accept for Every {
    #[inline(always)]
    fn accept(&mut self, _: usize) -> bool {
        true
    }
}

/// A cross at a bar whose price (`prices(k)`, a mantissa) is below `low`: the others are buys a
/// drained account is refused (see `shared`).
pub(super) struct PricedBelow<F> {
    pub prices: F,
    pub low: i64,
}

impl<F: Fn(usize) -> i64> Accept for PricedBelow<F> {
    #[inline(always)]
    fn accept(&mut self, k: usize) -> bool {
        (self.prices)(k) < self.low
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Prefix sums of `closes`, as the plan keeps them.
    fn sums(closes: &[i64]) -> Vec<i64> {
        std::iter::once(0)
            .chain(closes.iter().scan(0i64, |s, c| {
                *s += c;
                Some(*s)
            }))
            .collect()
    }

    proptest! {
        /// The `f64` search finds the bar the integer one finds, from any start, either way,
        /// armed or not, on closes that tie often (equal means are no cross).
        #[test]
        fn both_searches_find_the_same_bar(
            closes in proptest::collection::vec(1i64..6, 40..300),
            fast in 1usize..8,
            extra in 1usize..12,
            start in 0usize..200,
            up: bool,
            armed: bool,
        ) {
            let slow = fast + extra;
            let sums = sums(&closes);
            let sums_f: Vec<f64> = sums.iter().map(|&s| s as f64).collect();
            let stop = closes.len();
            let first = (slow - 1 + start).min(stop);
            let search = Search { fast, slow, up, armed };
            prop_assert_eq!(
                search.find(&sums, Some(&sums_f), first, stop),
                search.find_i64(&sums, first, stop, &mut Every, &mut 0).0.unwrap_or(stop)
            );
        }
    }

    proptest! {
        /// The same on trending closes, where whole chunks lie on one side and the vector test
        /// decides most of them.
        #[test]
        fn both_searches_agree_on_trends(
            legs in proptest::collection::vec((5usize..80, -3i64..=3), 2..12),
            fast in 1usize..10,
            extra in 1usize..30,
            up: bool,
            armed: bool,
        ) {
            let mut price = 10_000i64;
            let mut closes = Vec::new();
            for (n, step) in legs {
                for i in 0..n {
                    // A wobble of one around the leg's trend.
                    price += step + (i % 3) as i64 - 1;
                    closes.push(price.max(1));
                }
            }
            let slow = fast + extra;
            prop_assume!(closes.len() > slow);
            let sums = sums(&closes);
            let sums_f: Vec<f64> = sums.iter().map(|&s| s as f64).collect();
            let search = Search { fast, slow, up, armed };
            let (first, stop) = (slow - 1, closes.len());
            prop_assert_eq!(
                search.find(&sums, Some(&sums_f), first, stop),
                search.find_i64(&sums, first, stop, &mut Every, &mut 0).0.unwrap_or(stop)
            );
        }
    }

    #[test]
    fn a_cross_is_found_in_a_chunk_at_a_chunks_edge_and_in_the_tail() {
        // Falling closes (fast(2) below slow(4) on every bar), then a jump at `at`: the one cross.
        // From bar 3: the head to bar 19, chunks from there (19, 27, 35, … 99, 107), the tail
        // from 115.
        assert_eq!((HEAD, CHUNK), (16, 8));
        for at in [12usize, 18, 19, 20, 34, 35, 50, 51, 52, 66, 67, 70, 98, 99, 114, 115, 118] {
            let closes: Vec<i64> = (0..120).map(|i| if i < at { 200 - i as i64 } else { 1_000 }).collect();
            let sums = sums(&closes);
            let sums_f: Vec<f64> = sums.iter().map(|&s| s as f64).collect();
            let search = Search { fast: 2, slow: 4, up: true, armed: false };
            let found = search.find(&sums, Some(&sums_f), 3, closes.len());
            assert_eq!(found, at, "rising at {at}");
            assert_eq!(
                found,
                search.find_i64(&sums, 3, closes.len(), &mut Every, &mut 0).0.unwrap_or(closes.len())
            );
        }
    }

    #[test]
    fn f64_only_where_exact() {
        assert!(exact_in_f64(1 << 52, 1_000_000, 100));
        assert!(!exact_in_f64(1 << 53, 1, 2), "a prefix sum past 2^53");
        assert!(!exact_in_f64(1_000, 1 << 40, 1 << 7), "a product past 2^53");
        assert!(exact_in_f64(1_000, (1 << 39) - 1, 1 << 7));
    }
}
