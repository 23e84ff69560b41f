//! The highest and lowest close of each aligned block of a series, built once per sweep and
//! read by every combination's equity tracker. While a long position is held the equity is
//! `cash + qty × close` with `qty > 0`, and that is monotonic in the close even as rounded in
//! `f64` (a product and a sum by fixed positive and finite terms never reverse an order), so a
//! block's highest and lowest equity are the ones at its highest and lowest close, bit for bit:
//! a block that stays below the peak costs two products instead of one a bar.

use rayon::prelude::*;

/// Bars a block.
pub const BLOCK: usize = 8;

/// Each whole block's highest and lowest close; the last, partial block has none.
#[derive(Clone, Debug, Default)]
pub struct CloseExtremes {
    highs: Vec<f64>,
    lows: Vec<f64>,
}

impl CloseExtremes {
    /// The table of `closes`, on every core (a sweep builds it before any combination runs).
    pub fn new(closes: &[f64]) -> Self {
        let (blocks, _) = closes.as_chunks::<BLOCK>();
        let fold = |pick: fn(f64, f64) -> f64| {
            blocks.par_iter().with_min_len(1 << 12).map(move |b| b[1..].iter().fold(b[0], |m, &c| pick(m, c)))
        };
        Self {
            highs: fold(|m, c| if c > m { c } else { m }).collect(),
            lows: fold(|m, c| if c < m { c } else { m }).collect(),
        }
    }

    /// The table seen from bar `first` of its series: what a stretch starting there reads.
    pub fn at(&self, first: usize) -> ExtremesAt<'_> {
        ExtremesAt { table: self, first }
    }
}

/// [`CloseExtremes`] for a stretch whose bar 0 is bar `first` of the table's series.
#[derive(Clone, Copy, Debug)]
pub struct ExtremesAt<'a> {
    table: &'a CloseExtremes,
    first: usize,
}

impl ExtremesAt<'_> {
    /// The same table from `k` bars further on.
    pub(super) fn skip(self, k: usize) -> Self {
        Self { first: self.first + k, ..self }
    }

    /// Bars of the stretch before its first whole block.
    pub(super) fn lead(self) -> usize {
        (BLOCK - self.first % BLOCK) % BLOCK
    }

    /// The highest and lowest close of the block starting at bar `k` of the stretch (`k` past
    /// the lead, in steps of [`BLOCK`]), if the table has it.
    #[inline]
    pub(super) fn block(self, k: usize) -> Option<(f64, f64)> {
        let b = (self.first + k) / BLOCK;
        Some((*self.table.highs.get(b)?, *self.table.lows.get(b)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_hold_their_extremes_and_a_stretch_finds_its_blocks() {
        let closes = [
            5.0, 3.0, 9.0, 4.0, 4.5, 8.0, 2.5, 6.0, // block 0
            7.0, 10.0, 7.5, 1.5, 8.0, 9.0, 7.0, 2.0, // block 1
            99.0, 0.5, 3.0, 4.0, // not a whole block
        ];
        let t = CloseExtremes::new(&closes);
        assert_eq!(t.highs, vec![9.0, 10.0], "two whole blocks of eight; the last four have none");
        assert_eq!(t.lows, vec![2.5, 1.5]);
        let at = t.at(3);
        assert_eq!(at.lead(), 5);
        assert_eq!(at.block(at.lead()), Some((10.0, 1.5)), "bar 8 of the series starts block 1");
        assert_eq!(at.block(at.lead() + BLOCK), None, "no third block");
        assert_eq!(t.at(16).lead(), 0);
        assert_eq!(t.at(16).skip(2).lead(), 6);
    }
}
