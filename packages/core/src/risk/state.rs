//! `RiskState`: what the gates remember between orders — the trading day, its starting equity,
//! trades so far, the losing streak, the cooldown, and whether trading is halted or paused.
//! It is serialisable so the kill switch and the day's counters survive a restart.

use std::collections::BTreeMap;

use crate::{Amount, Symbol, Timestamp};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskState {
    /// UTC day number the counters belong to.
    pub day: i64,
    pub day_start_equity: Amount,
    /// The latest news time seen per symbol (ms), for the news embargo. Absent in states saved
    /// before the embargo existed.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub last_news_ms: BTreeMap<Symbol, i64>,
    pub trades_today: u32,
    pub consecutive_losses: u32,
    pub cooldown_until: Option<Timestamp>,
    /// The kill switch: no new order of any kind until resumed.
    pub halted: bool,
    /// A softer stop: no new orders, but not an emergency.
    pub paused: bool,
}

impl RiskState {
    /// Starts a new trading day when `now` falls on a later UTC day than the counters.
    pub fn roll_day(&mut self, now: Timestamp, equity: Amount) {
        let day = now.utc_day();
        // `is_zero` rather than `== Amount::ZERO`: the same test without a decimal comparison.
        if day != self.day || self.day_start_equity.get().is_zero() {
            self.day = day;
            self.day_start_equity = equity;
            self.trades_today = 0;
        }
    }
}
