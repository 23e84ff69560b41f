//! The in-memory half of the embedded index: every document's direction quantised twice, with
//! the metadata the filters need. A search scans the coarse codes in full, then rescores the
//! best candidates with the fine ones.
//!
//! Why a full scan and not an ANN graph: the filters (symbol, time range, first sight) must be exact, and an
//! ANN graph filtered after the fact misses results when the filter is selective; a scan applies
//! them row by row. The scan is bound by memory bandwidth, so its codes are int8, a quarter of
//! f32's bytes: 100,000 documents of 384 dimensions are 38 MB, scanned in a few milliseconds
//! (docs/benchmarks.md). The int8 order is approximate, so twice the wanted number of candidates
//! (plus a margin) are rescored with int16 codes, whose cosines are within 1e-4 of the exact ones.
//! Both live in process memory: search never waits on the disk (on this machine the kernel evicts
//! idle file pages, and rescoring from the file put 150 ms reads in the tail).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use mirai_core::Symbol;

/// Which rows a search may return.
#[derive(Clone, Copy, Debug)]
pub struct Filter {
    pub symbol: Option<Symbol>,
    /// Inclusive bounds on publication, in milliseconds.
    pub since: i64,
    pub until: i64,
    /// Inclusive bound on first sight, in milliseconds.
    pub seen_until: i64,
}

impl Filter {
    pub fn admits(&self, symbol: Option<Symbol>, published: i64, first_seen: i64) -> bool {
        published >= self.since
            && published <= self.until
            && first_seen <= self.seen_until
            && (self.symbol.is_none() || self.symbol == symbol)
    }
}

/// A unit vector quantised: `component ≈ code * scale`, the largest component at ±`max`.
struct Quantised<T> {
    codes: Vec<T>,
    scale: f32,
}

/// Scales `v` to unit length, then maps its largest component to ±`max`. Callers have refused
/// all-zero and non-finite vectors already.
fn quantise<T>(v: &[f32], max: f64, cast: fn(f64) -> T) -> Quantised<T> {
    let norm = v.iter().map(|x| f64::from(*x) * f64::from(*x)).sum::<f64>().sqrt();
    let max_abs = v.iter().fold(0f64, |m, x| m.max(f64::from(x.abs())));
    let k = max / max_abs;
    let codes = v.iter().map(|x| cast((f64::from(*x) * k).round().clamp(-max, max))).collect();
    Quantised { codes, scale: (max_abs / norm / max) as f32 }
}

fn coarse(v: &[f32]) -> Quantised<i8> {
    quantise(v, 127.0, |x| x as i8)
}

fn fine(v: &[f32]) -> Quantised<i16> {
    quantise(v, 32_767.0, |x| x as i16)
}

#[derive(Debug, Default)]
pub struct Codes {
    dim: usize,
    coarse: Vec<i8>,
    coarse_scales: Vec<f32>,
    fine: Vec<i16>,
    fine_scales: Vec<f32>,
    published: Vec<i64>,
    first_seen: Vec<i64>,
    symbols: Vec<Option<Symbol>>,
    ids: Vec<String>,
    rows: HashMap<String, usize>,
}

impl Codes {
    pub fn new(dim: usize) -> Self {
        Self { dim, ..Self::default() }
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Stores the row as given: the caller passes the `first_seen` the file now holds.
    pub fn upsert(
        &mut self,
        id: &str,
        symbol: Option<Symbol>,
        published: i64,
        first_seen: i64,
        embedding: &[f32],
    ) {
        debug_assert_eq!(embedding.len(), self.dim);
        let (c, f) = (coarse(embedding), fine(embedding));
        let d = self.dim;
        match self.rows.get(id) {
            Some(&row) => {
                self.coarse[row * d..(row + 1) * d].copy_from_slice(&c.codes);
                self.fine[row * d..(row + 1) * d].copy_from_slice(&f.codes);
                self.coarse_scales[row] = c.scale;
                self.fine_scales[row] = f.scale;
                self.published[row] = published;
                self.first_seen[row] = first_seen;
                self.symbols[row] = symbol;
            }
            None => {
                self.rows.insert(id.to_owned(), self.ids.len());
                self.coarse.extend_from_slice(&c.codes);
                self.fine.extend_from_slice(&f.codes);
                self.coarse_scales.push(c.scale);
                self.fine_scales.push(f.scale);
                self.published.push(published);
                self.first_seen.push(first_seen);
                self.symbols.push(symbol);
                self.ids.push(id.to_owned());
            }
        }
    }

    /// Removes a row by moving the last row into its place (order carries no meaning here).
    pub fn remove(&mut self, id: &str) -> bool {
        let Some(row) = self.rows.remove(id) else { return false };
        let (d, last) = (self.dim, self.ids.len() - 1);
        if row != last {
            self.coarse.copy_within(last * d..(last + 1) * d, row * d);
            self.fine.copy_within(last * d..(last + 1) * d, row * d);
            self.rows.insert(self.ids[last].clone(), row);
        }
        self.coarse.truncate(last * d);
        self.fine.truncate(last * d);
        self.coarse_scales.swap_remove(row);
        self.fine_scales.swap_remove(row);
        self.published.swap_remove(row);
        self.first_seen.swap_remove(row);
        self.symbols.swap_remove(row);
        self.ids.swap_remove(row);
        true
    }

    /// Up to `top_k` rows that pass `filter`, best first: `(id, cosine)`. The int8 scan keeps
    /// `candidates` rows; the int16 codes then rank them.
    pub fn search(
        &self,
        query: &[f32],
        filter: &Filter,
        top_k: usize,
        candidates: usize,
    ) -> Vec<(String, f32)> {
        let q = coarse(query);
        let qf = fine(query);
        let mut ranked: Vec<(f32, usize)> = self
            .scan(&q.codes, filter, candidates.max(top_k))
            .into_iter()
            .map(|(_, row)| {
                let codes = &self.fine[row * self.dim..(row + 1) * self.dim];
                let dot: i64 = codes.iter().zip(&qf.codes).map(|(a, b)| i64::from(*a) * i64::from(*b)).sum();
                ((dot as f64 * f64::from(self.fine_scales[row]) * f64::from(qf.scale)) as f32, row)
            })
            .collect();
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| self.ids[a.1].cmp(&self.ids[b.1])));
        ranked.truncate(top_k);
        ranked.into_iter().map(|(score, row)| (self.ids[row].clone(), score)).collect()
    }

    /// The best `n` rows that pass `filter` by the int8 codes, unordered. One thread: the scan
    /// is bound by memory bandwidth, and splitting it across this machine's two cores made it no
    /// faster (measured).
    fn scan(&self, q: &[i8], filter: &Filter, n: usize) -> Vec<(Score, usize)> {
        // A min-heap of the best `n` so far: the root is the one to beat.
        let mut best: BinaryHeap<Reverse<(Score, usize)>> = BinaryHeap::with_capacity(n + 1);
        for (row, code) in self.coarse.chunks_exact(self.dim.max(1)).enumerate() {
            if !filter.admits(self.symbols[row], self.published[row], self.first_seen[row]) {
                continue;
            }
            let score = Score(dot_i8(code, q) as f32 * self.coarse_scales[row]);
            if best.len() < n {
                best.push(Reverse((score, row)));
            } else if best.peek().is_some_and(|Reverse((worst, _))| score > *worst) {
                best.pop();
                best.push(Reverse((score, row)));
            }
        }
        best.into_iter().map(|Reverse(x)| x).collect()
    }
}

/// An f32 with a total order, for the heap.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Score(f32);

impl Eq for Score {}

impl PartialOrd for Score {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Score {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// Sixteen independent accumulators so the compiler vectorises the loop (a single running sum
/// is a dependency chain it must keep in order). Never inlined: inlined into the scan next to
/// the heap, it was left unvectorised and the scan ran four times slower (measured).
#[inline(never)]
fn dot_i8(a: &[i8], b: &[i8]) -> i32 {
    let mut acc = [0i32; 16];
    let (ca, cb) = (a.chunks_exact(16), b.chunks_exact(16));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for i in 0..16 {
            acc[i] += i32::from(x[i]) * i32::from(y[i]);
        }
    }
    let tail: i32 = ra.iter().zip(rb).map(|(x, y)| i32::from(*x) * i32::from(*y)).sum();
    acc.iter().sum::<i32>() + tail
}

/// Exact cosine similarity in f64, for checking the codes.
#[cfg(test)]
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let (mut dot, mut na, mut nb) = (0f64, 0f64, 0f64);
    for (x, y) in a.iter().zip(b) {
        let (x, y) = (f64::from(*x), f64::from(*y));
        dot += x * y;
        na += x * x;
        nb += y * y;
    }
    (dot / (na.sqrt() * nb.sqrt())) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: Filter = Filter { symbol: None, since: i64::MIN, until: i64::MAX, seen_until: i64::MAX };

    #[test]
    fn codes_keep_the_direction_and_fine_codes_the_cosine() {
        let v = [3.0f32, -4.0, 0.0, 1.0];
        let c = coarse(&v);
        assert_eq!(c.codes[1], -127);
        let back: Vec<f32> = c.codes.iter().map(|x| f32::from(*x) * c.scale).collect();
        assert!(cosine(&v, &back) > 0.9999);
        let mut idx = Codes::new(4);
        idx.upsert("a", None, 0, 0, &[0.3, -0.2, 0.9, 0.1]);
        let q = [0.5f32, 0.5, 0.5, -0.1];
        let got = idx.search(&q, &ALL, 1, 1);
        assert!((got[0].1 - cosine(&q, &[0.3, -0.2, 0.9, 0.1])).abs() < 1e-4, "{got:?}");
    }

    #[test]
    fn remove_moves_the_last_row_and_keeps_lookups_right() {
        let mut c = Codes::new(2);
        c.upsert("a", None, 1, 1, &[1.0, 0.0]);
        c.upsert("b", None, 2, 2, &[0.0, 1.0]);
        c.upsert("c", None, 3, 3, &[1.0, 1.0]);
        assert!(c.remove("a"));
        assert!(!c.remove("a"));
        assert_eq!(c.len(), 2);
        let ids = |r: Vec<(String, f32)>| r.into_iter().map(|(id, _)| id).collect::<Vec<_>>();
        assert_eq!(ids(c.search(&[1.0, 1.0], &ALL, 1, 1)), ["c"]);
        assert_eq!(ids(c.search(&[0.0, 1.0], &ALL, 1, 1)), ["b"]);
        // "c" moved into "a"'s row: its first sight must have moved with it.
        let seen_by_2 = Filter { seen_until: 2, ..ALL };
        assert_eq!(ids(c.search(&[1.0, 1.0], &seen_by_2, 2, 2)), ["b"]);
        c.upsert("c", None, 3, 3, &[-1.0, 0.0]);
        assert_eq!(ids(c.search(&[-1.0, 0.0], &ALL, 2, 2)), ["c", "b"]);
    }

    #[test]
    fn dot_handles_lengths_that_are_not_multiples_of_sixteen() {
        let a: Vec<i8> = (0..37).map(|i| (i % 7) as i8 - 3).collect();
        let b: Vec<i8> = (0..37).map(|i| (i % 5) as i8 - 2).collect();
        let slow: i32 = a.iter().zip(&b).map(|(x, y)| i32::from(*x) * i32::from(*y)).sum();
        assert_eq!(dot_i8(&a, &b), slow);
    }
}
