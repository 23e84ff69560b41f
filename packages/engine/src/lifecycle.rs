//! The order lifecycle after submission, one for backtest, paper and live: what a venue reports
//! of an order (its fills and its status), or a fill that arrives on its own, is booked into the
//! engine's portfolio and into the caller's [`Ledger`]; an order that left the book frees its
//! symbol to decide again.
//!
//! One policy for a fill the portfolio refuses (a sale of more than is held, a fill in an unknown
//! symbol): the ledger and the venue no longer agree, so trading halts — the kill switch, which
//! only a person clears — the rest of the report is still booked, and the caller is told which
//! fill it was.

use mirai_core::{Advisor, Clock, ExecutionReport, Fill, Position, PositionError, TripMark};
use thiserror::Error;

use crate::Engine;

/// Where the caller keeps what the engine books: the live ledger in the local store, a
/// backtest's book of round trips.
pub trait Ledger {
    type Error;

    /// Whether `fill` was booked before. A fill may be reported twice (in the answer to the
    /// order and again on the venue's stream), and only the first is booked.
    fn contains(&mut self, _fill: &Fill) -> Result<bool, Self::Error> {
        Ok(false)
    }

    /// Records a fill the portfolio took, with the position it left and where it stands in the
    /// symbol's round trip.
    fn record_fill(&mut self, fill: &Fill, position: &Position, trip: TripMark) -> Result<(), Self::Error>;

    /// Records the order's state as the report gives it (after its fills).
    fn record_report(&mut self, _report: &ExecutionReport) -> Result<(), Self::Error> {
        Ok(())
    }
}

#[derive(Debug, Error)]
pub enum BookingError<E> {
    /// The portfolio refused this fill; trading is halted.
    #[error("fill {} of order {} does not fit the ledger ({error}); trading halted", .fill.trade_id, .fill.client_order_id)]
    FillRefused { fill: Box<Fill>, error: PositionError },
    /// The ledger could not record what the engine booked.
    #[error("ledger: {0}")]
    Ledger(E),
}

impl<A: Advisor, C: Clock> Engine<A, C> {
    /// Books a venue's report on one of this engine's orders: each fill not booked before, then
    /// the order's status; a closed order frees its symbol. A refused fill halts trading and is
    /// returned after the rest of the report is booked.
    pub fn on_report<L: Ledger>(
        &mut self,
        report: &ExecutionReport,
        ledger: &mut L,
    ) -> Result<(), BookingError<L::Error>> {
        let mut refused = None;
        for fill in &report.fills {
            match self.on_reported_fill(fill, ledger) {
                Err(e @ BookingError::FillRefused { .. }) => refused = refused.or(Some(e)),
                other => other?,
            }
        }
        ledger.record_report(report).map_err(BookingError::Ledger)?;
        if !report.status.is_open() {
            self.on_order_closed(&report.client_order_id);
        }
        refused.map_or(Ok(()), Err)
    }

    /// Books one fill of one of this engine's orders, reported on its own (a resting order filled
    /// later, a fill on the venue's stream), unless it was booked before.
    pub fn on_reported_fill<L: Ledger>(
        &mut self,
        fill: &Fill,
        ledger: &mut L,
    ) -> Result<(), BookingError<L::Error>> {
        if ledger.contains(fill).map_err(BookingError::Ledger)? {
            return Ok(());
        }
        let trip = match self.on_fill_marked(fill) {
            Ok((_, trip)) => trip,
            Err(error) => {
                self.halt();
                return Err(BookingError::FillRefused { fill: Box::new(fill.clone()), error });
            }
        };
        let flat;
        let position = match self.portfolio().position(fill.symbol) {
            Some(p) => p,
            None => {
                flat = Position::flat(fill.symbol);
                &flat
            }
        };
        ledger.record_fill(fill, position, trip).map_err(BookingError::Ledger)
    }
}

#[cfg(test)]
mod tests;
