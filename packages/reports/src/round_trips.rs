//! Round trips: from flat to flat on one symbol, as the engine marks them on each fill (the buy
//! that makes the position hold a sellable lot opens one; the sell that leaves less than a lot
//! closes it). The P&L is the sum of
//! what the trip's fills realised by the ledger's rule, so it equals the ledger to the last digit.

use std::collections::HashMap;

use mirai_core::{ClientOrderId, DecisionId, Side, Symbol, Timestamp, TripMark};
use rust_decimal::{Decimal, RoundingStrategy};

use crate::cell::{int, number, time};
use crate::inputs::Inputs;

/// One closed trade.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoundTrip {
    pub symbol: Symbol,
    /// 1 for the symbol's first trip, counting every opening fill the ledger booked.
    pub trip_no: u64,
    pub entry_time: Timestamp,
    pub exit_time: Timestamp,
    /// Bought (and so sold) over the trip.
    pub qty: Decimal,
    pub entry_notional: Decimal,
    pub exit_notional: Decimal,
    pub fees: Decimal,
    /// Net of every fee.
    pub pnl: Decimal,
    pub opening_decision: Option<DecisionId>,
    pub closing_decision: Option<DecisionId>,
}

/// The places `ENTRY_PRICE`, `EXIT_PRICE` and `RETURN` are rounded to, half away from zero.
pub const TRIP_PLACES: u32 = 8;

impl RoundTrip {
    /// `ENTRY_PRICE`: the buys' volume-weighted average price, rounded to [`TRIP_PLACES`];
    /// `None` for a trip that bought nothing.
    pub fn entry_price(&self) -> Option<Decimal> {
        ratio(self.entry_notional, self.qty)
    }

    /// `EXIT_PRICE`: the sells' volume-weighted average price, rounded to [`TRIP_PLACES`].
    pub fn exit_price(&self) -> Option<Decimal> {
        ratio(self.exit_notional, self.qty)
    }

    /// `RETURN`: `pnl / entry_notional`, a fraction, rounded to [`TRIP_PLACES`].
    pub fn return_fraction(&self) -> Option<Decimal> {
        ratio(self.pnl, self.entry_notional)
    }

    /// Milliseconds from entry to exit (`DURATION_S` is this over 1000).
    pub fn duration_ms(&self) -> i64 {
        self.exit_time.since(self.entry_time)
    }
}

/// Every closed round trip. Each fill belongs to the trip its symbol's latest opening fill
/// started (fills before the first opening belong to none); a trip is closed once one of its
/// fills closed it. Fills booked before the ledger kept its state (no `ledger`) are left out, as
/// the view leaves them out.
pub fn round_trips(inputs: &Inputs) -> Vec<RoundTrip> {
    let decision_of: HashMap<&ClientOrderId, &DecisionId> =
        inputs.orders.iter().map(|o| (&o.client_order_id, &o.decision_id)).collect();
    let mut numbers: HashMap<Symbol, u64> = HashMap::new();
    let mut trips: HashMap<(Symbol, u64), (RoundTrip, bool)> = HashMap::new();
    for record in &inputs.fills {
        let Some(ledger) = record.ledger else { continue };
        let f = &record.fill;
        let n = numbers.entry(f.symbol).or_insert(0);
        if ledger.trip == TripMark::Opens {
            *n += 1;
        }
        if *n == 0 {
            continue;
        }
        let decision = decision_of.get(&f.client_order_id).map(|d| (*d).clone());
        let (t, closed) = trips.entry((f.symbol, *n)).or_insert_with(|| {
            let trip = RoundTrip {
                symbol: f.symbol,
                trip_no: *n,
                entry_time: f.ts,
                exit_time: f.ts,
                qty: Decimal::ZERO,
                entry_notional: Decimal::ZERO,
                exit_notional: Decimal::ZERO,
                fees: Decimal::ZERO,
                pnl: Decimal::ZERO,
                opening_decision: None,
                closing_decision: None,
            };
            (trip, false)
        });
        t.entry_time = t.entry_time.min(f.ts);
        t.exit_time = t.exit_time.max(f.ts);
        match f.side {
            Side::Buy => {
                t.qty += f.qty.get();
                t.entry_notional += f.notional().get();
            }
            Side::Sell => t.exit_notional += f.notional().get(),
        }
        t.fees += f.fee.get();
        t.pnl += ledger.realised_pnl.get();
        // The view keeps the greatest id, as text, where several fills mark the same end.
        let keep = |slot: &mut Option<DecisionId>| {
            if let Some(d) = &decision
                && slot.as_ref().is_none_or(|s| s.as_str() < d.as_str())
            {
                *slot = Some(d.clone());
            }
        };
        match ledger.trip {
            TripMark::Opens => keep(&mut t.opening_decision),
            TripMark::Closes => {
                keep(&mut t.closing_decision);
                *closed = true;
            }
            TripMark::Within => {}
        }
    }
    trips.into_values().filter(|(_, closed)| *closed).map(|(t, _)| t).collect()
}

pub(crate) fn rows(inputs: &Inputs) -> Vec<Vec<Option<String>>> {
    let mut trips = round_trips(inputs);
    trips.sort_by(|a, b| {
        (a.exit_time, a.symbol.as_str(), a.trip_no).cmp(&(b.exit_time, b.symbol.as_str(), b.trip_no))
    });
    trips.iter().map(row).collect()
}

/// `a / b` rounded to [`TRIP_PLACES`] half away from zero, without trailing zeros; `None` when `b`
/// is zero.
fn ratio(a: Decimal, b: Decimal) -> Option<Decimal> {
    a.checked_div(b).map(|r| {
        let r = r.round_dp_with_strategy(TRIP_PLACES, RoundingStrategy::MidpointAwayFromZero);
        if r.is_zero() { Decimal::ZERO } else { r.normalize() }
    })
}

fn row(t: &RoundTrip) -> Vec<Option<String>> {
    vec![
        Some(t.symbol.to_string()),
        Some(int(t.trip_no)),
        Some(time(t.entry_time)),
        Some(time(t.exit_time)),
        Some(number(t.qty)),
        t.entry_price().map(number),
        t.exit_price().map(number),
        Some(number(t.entry_notional)),
        Some(number(t.exit_notional)),
        Some(number(t.fees)),
        Some(number(t.pnl)),
        t.return_fraction().map(number),
        Some(number(Decimal::from(t.duration_ms()) / Decimal::ONE_THOUSAND)),
        t.opening_decision.as_ref().map(|d| d.as_str().to_owned()),
        t.closing_decision.as_ref().map(|d| d.as_str().to_owned()),
    ]
}
