//! `StoreLedger`: the engine's [`Ledger`] over the local store, for the trading task. Each fill the
//! engine books is journaled with the position it left and its audit entry (one transaction),
//! each report's order status after it; the (symbol, trade id) pairs already booked are
//! remembered (loaded from the store on first use) so a fill reported twice is booked once.

use std::collections::HashSet;

use mirai_core::{ExecutionReport, Fill, FillSource, Position, Symbol, Timestamp, TradeId, TripMark};
use mirai_engine::Ledger;
use mirai_store_local::{LocalStore, StoreError};

/// The trades already booked, loaded from the store on first use.
#[derive(Debug, Default)]
pub struct BookedTrades(Option<HashSet<(Symbol, TradeId)>>);

impl BookedTrades {
    fn get(&mut self, store: &LocalStore) -> Result<&mut HashSet<(Symbol, TradeId)>, StoreError> {
        if self.0.is_none() {
            self.0 = Some(store.all_fills()?.into_iter().map(|f| (f.symbol, f.trade_id)).collect());
        }
        Ok(self.0.get_or_insert_with(HashSet::new))
    }
}

/// One step's view of the ledger: the store, what is booked, and the time of the step.
#[derive(Debug)]
pub struct StoreLedger<'a> {
    store: &'a LocalStore,
    booked: &'a mut BookedTrades,
    now: Timestamp,
}

impl<'a> StoreLedger<'a> {
    pub fn new(store: &'a LocalStore, booked: &'a mut BookedTrades, now: Timestamp) -> Self {
        Self { store, booked, now }
    }
}

impl Ledger for StoreLedger<'_> {
    type Error = StoreError;

    fn contains(&mut self, fill: &Fill) -> Result<bool, StoreError> {
        let seen = self.booked.get(self.store)?.contains(&(fill.symbol, fill.trade_id.clone()));
        if seen {
            tracing::debug!(trade = %fill.trade_id.as_str(), "fill already booked");
        }
        Ok(seen)
    }

    fn record_fill(&mut self, fill: &Fill, position: &Position, trip: TripMark) -> Result<(), StoreError> {
        self.store.journal_fill(fill, position, Some(trip), FillSource::Exchange)?;
        self.booked.get(self.store)?.insert((fill.symbol, fill.trade_id.clone()));
        Ok(())
    }

    fn record_report(&mut self, report: &ExecutionReport) -> Result<(), StoreError> {
        self.store.update_order(
            &report.client_order_id,
            report.status,
            Some(report.exchange_order_id),
            report.filled_qty,
            self.now,
        )
    }
}
