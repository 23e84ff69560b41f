//! The ledger a backtest books fills into: the engine's `Ledger` port, writing to the round-trip
//! book and the counts instead of a store.

use std::convert::Infallible;

use mirai_core::Timestamp;
use mirai_engine::Ledger;

use crate::run::Counts;
use crate::run::trades::TradeBook;

/// A backtest's ledger: fills go into the round-trip book and the counts.
pub(super) struct BookLedger<'a> {
    book: &'a mut TradeBook,
    counts: &'a mut Counts,
    bar: u64,
    bar_time: Timestamp,
}

impl<'a> BookLedger<'a> {
    pub(super) fn at(book: &'a mut TradeBook, counts: &'a mut Counts, bar: u64, bar_time: Timestamp) -> Self {
        Self { book, counts, bar, bar_time }
    }
}

impl Ledger for BookLedger<'_> {
    type Error = Infallible;

    fn record_fill(
        &mut self,
        fill: &mirai_core::Fill,
        _position: &mirai_core::Position,
        _trip: mirai_core::TripMark,
    ) -> Result<(), Infallible> {
        self.book.on_fill(fill, self.bar, self.bar_time);
        self.counts.fills += 1;
        Ok(())
    }
}
