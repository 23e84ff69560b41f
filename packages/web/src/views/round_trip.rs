//! `RoundTripView`: one closed trade, as the `ROUND_TRIPS` view defines it, for the dashboard's
//! list of trades; paged newest exit first.

use mirai_core::{Amount, Decimal, DecisionId, Symbol, Timestamp};
use serde::{Deserialize, Serialize};

use super::page::PageCursor;

/// `GET /api/round-trips`: the trips that closed in `[from, to)` (on their exit; each bound
/// optional), of `symbol` if given, `limit` (1 to 500) a page, after `cursor`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoundTripsQuery {
    pub symbol: Option<Symbol>,
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    pub limit: u32,
    pub cursor: Option<PageCursor>,
}

impl Default for RoundTripsQuery {
    fn default() -> Self {
        Self { symbol: None, from: None, to: None, limit: super::page::DEFAULT_PAGE_LIMIT, cursor: None }
    }
}

impl RoundTripsQuery {
    /// The query string the route reads back: times as epoch milliseconds.
    pub fn to_query_string(&self) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        if let Some(s) = self.symbol {
            q.append_pair("symbol", s.as_str());
        }
        if let Some(t) = self.from {
            q.append_pair("from", &t.millis().to_string());
        }
        if let Some(t) = self.to {
            q.append_pair("to", &t.millis().to_string());
        }
        q.append_pair("limit", &self.limit.to_string());
        if let Some(c) = &self.cursor {
            q.append_pair("cursor", &c.encode());
        }
        q.finish()
    }

    /// Where a trip sorts in the list (exit time, then symbol and trip number): the key its page's
    /// cursor is made of.
    pub fn key(exit_time: Timestamp, symbol: Symbol, trip_no: u64) -> PageCursor {
        // Zero-padded, so that trip 10 sorts after trip 9 as text.
        PageCursor::new(exit_time, format!("{symbol}.{trip_no:020}"))
    }
}

/// One closed round trip: from the fill that opened a symbol's position to the one that closed
/// it. Money is exact in the quote asset; prices and the return are rounded to 8 places (as
/// the view rounds them); all are decimal strings. Times are milliseconds since the Unix epoch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RoundTripView {
    pub symbol: Symbol,
    /// The trip's number on its symbol: 1, 2, …
    pub trip_no: u64,
    /// The first and the last fill of the trip.
    pub entry_time: Timestamp,
    pub exit_time: Timestamp,
    /// Bought over the trip (and so sold).
    pub qty: Decimal,
    /// Volume-weighted average prices.
    pub entry_price: Option<Decimal>,
    pub exit_price: Option<Decimal>,
    /// Paid for the buys and received for the sells, fees excluded.
    pub entry_notional: Amount,
    pub exit_notional: Amount,
    /// Every fee of the trip.
    pub fees: Amount,
    /// Net of every fee.
    pub pnl: Amount,
    /// `pnl / entry_notional`, a fraction.
    #[serde(rename = "return")]
    pub return_fraction: Option<Decimal>,
    /// From entry to exit, in milliseconds.
    pub duration_ms: i64,
    /// The decisions whose orders opened and closed it.
    pub opening_decision_id: Option<DecisionId>,
    pub closing_decision_id: Option<DecisionId>,
}

/// A page of round trips, newest exit first; `next` asks for the page after it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RoundTripsPage {
    pub round_trips: Vec<RoundTripView>,
    pub next: Option<PageCursor>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_string_carries_every_value_encoded() {
        let q = RoundTripsQuery {
            symbol: Some(Symbol::new("BTCUSDT")),
            from: Some(Timestamp::from_millis(0)),
            to: Some(Timestamp::from_millis(9)),
            limit: 7,
            cursor: Some(PageCursor::new(Timestamp::from_millis(8), "BTCUSDT.1")),
        };
        assert_eq!(q.to_query_string(), "symbol=BTCUSDT&from=0&to=9&limit=7&cursor=8.425443555344542e31");
        assert_eq!(RoundTripsQuery::default().to_query_string(), "limit=100");
    }

    #[test]
    fn keys_sort_trips_by_exit_then_symbol_then_number() {
        let t = Timestamp::from_millis;
        let (btc, eth) = (Symbol::new("BTCUSDT"), Symbol::new("ETHUSDT"));
        let ordered = [
            RoundTripsQuery::key(t(1), eth, 99),
            RoundTripsQuery::key(t(2), btc, 9),
            RoundTripsQuery::key(t(2), btc, 10),
            RoundTripsQuery::key(t(2), eth, 1),
        ];
        assert!(ordered.windows(2).all(|w| w[0] < w[1]), "{ordered:?}");
    }
}
