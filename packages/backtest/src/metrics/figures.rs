//! `TradeFigures`: what the statistics read of each closed round trip (its P&L, return and
//! duration as `f64`), gathered as trades close, so that a caller who wants only the statistics
//! (a sweep) need not keep the trades themselves.

use mirai_core::{Amount, Timestamp};

use crate::float::decimal_to_f64;
use crate::run::Trade;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct TradeFigures {
    /// Net P&L of each trade.
    pub pnl: Vec<f64>,
    /// Each trade's `return_frac`.
    pub returns: Vec<f64>,
    /// Exit time less entry time, in milliseconds.
    pub durations: Vec<f64>,
}

impl TradeFigures {
    /// One more closed trade, converted as the statistics convert a `Trade`'s fields.
    #[inline]
    pub fn push(&mut self, pnl: Amount, return_frac: f64, entry: Timestamp, exit: Timestamp) {
        self.pnl.push(decimal_to_f64(pnl.get()));
        self.returns.push(return_frac);
        self.durations.push(exit.since(entry) as f64);
    }

    /// The figures of `trades`, converted as [`TradeFigures::push`] converts them.
    pub fn of(trades: &[Trade]) -> Self {
        Self {
            pnl: trades.iter().map(|t| decimal_to_f64(t.pnl.get())).collect(),
            returns: trades.iter().map(|t| t.return_frac).collect(),
            durations: trades.iter().map(|t| t.exit_time.since(t.entry_time) as f64).collect(),
        }
    }

    /// Closed trades.
    pub fn len(&self) -> usize {
        self.pnl.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pnl.is_empty()
    }
}
