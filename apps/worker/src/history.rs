//! The ledger's history as the web tier's read views: the P&L series (`GET /api/pnl`), the
//! round trips (`GET /api/round-trips`) and every decision with its outcome (`GET
//! /api/decisions`), each computed by `mirai_reports` as the analysts' views define them, then
//! filtered and paged here. The backend reads the store; these functions only shape what it read.

use mirai_core::{Amount, PnlPoint};
use mirai_reports::{DecisionOutcome, RoundTrip};
use mirai_store_local::PnlSnapshot;
use mirai_web::{
    BackendError, DecisionView, DecisionsPage, DecisionsQuery, MAX_PNL_POINTS, PnlPointView, PnlQuery,
    PnlStep, PnlView, RoundTripView, RoundTripsPage, RoundTripsQuery, newest_first_page, pnl_step_too_fine,
};
use rust_decimal::Decimal;

/// The same value without trailing zeros (and never `-0`), as the views write money.
fn normal(d: Decimal) -> Decimal {
    if d.is_zero() { Decimal::ZERO } else { d.normalize() }
}

fn money(d: Decimal) -> Amount {
    Amount::new(normal(d))
}

/// The series of `snapshots` (the window's, oldest first): one point per step, and the equity's
/// max drawdown over every snapshot. A step that would give more than [`MAX_PNL_POINTS`] between
/// the first and the last snapshot is refused naming the smallest that fits; without a step, that
/// smallest one is used.
pub fn pnl_view(query: &PnlQuery, snapshots: &[PnlSnapshot]) -> Result<PnlView, BackendError> {
    let points: Vec<PnlPoint> = snapshots
        .iter()
        .map(|s| PnlPoint {
            ts: s.ts,
            equity: s.equity,
            cash: s.cash,
            realised: s.realised,
            unrealised: s.unrealised,
        })
        .collect();
    let steps = |step: PnlStep| match (points.first(), points.last()) {
        (Some(first), Some(last)) => mirai_reports::steps_between(first.ts, last.ts, step.millis()),
        _ => 0,
    };
    let smallest = PnlStep::LADDER.into_iter().find(|s| steps(*s) <= MAX_PNL_POINTS);
    let step = match (query.step, smallest) {
        (Some(step), _) if steps(step) <= MAX_PNL_POINTS => step,
        (None, Some(smallest)) => smallest,
        (given, _) => {
            let step = given.unwrap_or(PnlStep::LADDER[PnlStep::LADDER.len() - 1]);
            return Err(pnl_step_too_fine(step, steps(step), smallest));
        }
    };
    let drawdown = mirai_reports::max_drawdown(&points);
    Ok(PnlView {
        from: query.from,
        to: query.to,
        step,
        points: mirai_reports::downsample(&points, step.millis())
            .into_iter()
            .map(|p| PnlPointView {
                ts: p.ts,
                equity: money(p.equity.get()),
                cash: money(p.cash.get()),
                realised_pnl: money(p.realised.get()),
                unrealised_pnl: money(p.unrealised.get()),
            })
            .collect(),
        max_drawdown: Amount::new(drawdown.amount),
        max_drawdown_ratio: drawdown.ratio,
    })
}

fn round_trip_view(t: RoundTrip) -> RoundTripView {
    RoundTripView {
        symbol: t.symbol,
        trip_no: t.trip_no,
        entry_time: t.entry_time,
        exit_time: t.exit_time,
        qty: normal(t.qty),
        entry_price: t.entry_price(),
        exit_price: t.exit_price(),
        entry_notional: money(t.entry_notional),
        exit_notional: money(t.exit_notional),
        fees: money(t.fees),
        pnl: money(t.pnl),
        return_fraction: t.return_fraction(),
        duration_ms: t.duration_ms(),
        opening_decision_id: t.opening_decision,
        closing_decision_id: t.closing_decision,
    }
}

/// The page of `trips` the query asks for: its symbol, its window on the exit, newest exit first.
pub fn round_trips_page(query: &RoundTripsQuery, trips: Vec<RoundTrip>) -> RoundTripsPage {
    let matching: Vec<RoundTripView> = trips
        .into_iter()
        .filter(|t| {
            query.symbol.is_none_or(|s| t.symbol == s)
                && query.from.is_none_or(|f| t.exit_time >= f)
                && query.to.is_none_or(|to| t.exit_time < to)
        })
        .map(round_trip_view)
        .collect();
    let key = |t: &RoundTripView| RoundTripsQuery::key(t.exit_time, t.symbol, t.trip_no);
    let (round_trips, next) = newest_first_page(matching, key, query.cursor.as_ref(), query.limit);
    RoundTripsPage { round_trips, next }
}

fn decision_view(d: DecisionOutcome) -> DecisionView {
    DecisionView {
        decision_id: d.decision_id,
        ts: d.ts,
        symbol: d.symbol,
        strategy: d.strategy,
        action: d.action,
        confidence: d.confidence,
        advisor_kind: d.advisor.kind().to_owned(),
        model: d.advisor.model().map(str::to_owned),
        fallback_reason: d.advisor.fallback_reason().map(str::to_owned),
        outcome: d.outcome.name(),
        refused_by: d.refused_by,
        refusal_reason: d.refusal_reason,
        proposal_status: d.proposal_status,
        decided_by: d.decided_by,
        orders: d.orders,
        fills: d.fills,
        filled_qty: normal(d.filled_qty),
        notional: money(d.notional),
        fees: money(d.fees),
        trip_pnl: d.trip_pnl.map(money),
    }
}

/// The page of `outcomes` the query asks for: its kind and symbol, newest first.
pub fn decisions_page(query: &DecisionsQuery, outcomes: Vec<DecisionOutcome>) -> DecisionsPage {
    let matching: Vec<DecisionView> = outcomes
        .into_iter()
        .filter(|d| query.symbol.is_none_or(|s| d.symbol == s))
        .map(decision_view)
        .filter(|d| query.kind.is_none_or(|k| k.matches(d)))
        .collect();
    let key = |d: &DecisionView| DecisionsQuery::key(d.ts, &d.decision_id);
    let (decisions, next) = newest_first_page(matching, key, query.cursor.as_ref(), query.limit);
    DecisionsPage { decisions, next }
}

#[cfg(test)]
mod tests {
    use mirai_core::{Symbol, Timestamp};
    use rust_decimal_macros::dec;

    use super::*;

    fn snapshot(ms: i64, equity: Decimal) -> PnlSnapshot {
        let a = Amount::new;
        PnlSnapshot {
            ts: Timestamp::from_millis(ms),
            equity: a(equity),
            cash: a(dec!(1.50)),
            realised: a(dec!(0)),
            unrealised: a(equity - dec!(1.5)),
        }
    }

    fn step(s: &str) -> Option<PnlStep> {
        PnlStep::parse(s)
    }

    #[test]
    fn the_series_keeps_each_steps_last_snapshot_and_refuses_a_step_too_fine() {
        const MINUTE: i64 = 60_000;
        // A snapshot a minute for a week: 10,080 of them.
        let week: Vec<PnlSnapshot> =
            (0..7 * 1_440).map(|i| snapshot(i * MINUTE, Decimal::from(10_000 + i % 60))).collect();
        let q = |s: &str| PnlQuery { from: None, to: None, step: step(s) };
        let v = pnl_view(&q("1h"), &week).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(v.points.len(), 7 * 24);
        let last = v.points.last().unwrap_or_else(|| panic!("points"));
        assert_eq!(
            (last.ts.millis(), last.equity),
            (week[week.len() - 1].ts.millis(), Amount::new(dec!(10059)))
        );
        assert_eq!(last.cash.to_string(), "1.5", "without trailing zeros");
        // From 10059 back to 10000 each hour: 59 of 10059.
        assert_eq!(v.max_drawdown, Amount::new(dec!(59)));
        assert_eq!(v.max_drawdown_ratio, Some(dec!(0.0059)));

        // 1m over a week is 10,080 points: refused, naming the smallest that fits (5m: 2,016).
        let e = pnl_view(&q("1m"), &week).err();
        assert_eq!(
            e,
            Some(BackendError::InvalidField {
                field: "step".into(),
                message: "1m is too fine for the window: 10080 points, at most 5000; the smallest step allowed is 5m"
                    .into()
            })
        );
        // Without a step: that smallest one.
        let v = pnl_view(&PnlQuery::default(), &week).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((v.step, v.points.len()), (PnlStep::LADDER[5], 2_016));
        // Nothing recorded: no points, whatever the step.
        let v = pnl_view(&q("1s"), &[]).unwrap_or_else(|e| panic!("{e}"));
        assert!(v.points.is_empty());
        assert_eq!((v.max_drawdown, v.max_drawdown_ratio), (Amount::ZERO, None));
    }

    fn trip(symbol: &str, trip_no: u64, exit: i64) -> RoundTrip {
        RoundTrip {
            symbol: Symbol::new(symbol),
            trip_no,
            entry_time: Timestamp::from_millis(exit - 1_500),
            exit_time: Timestamp::from_millis(exit),
            qty: dec!(0.00100000),
            entry_notional: dec!(60.000),
            exit_notional: dec!(61.5),
            fees: dec!(0.1215),
            pnl: dec!(1.3785),
            opening_decision: None,
            closing_decision: None,
        }
    }

    #[test]
    fn round_trips_are_filtered_and_paged_newest_exit_first() {
        let trips = || {
            vec![
                trip("BTCUSDT", 1, 10),
                trip("ETHUSDT", 1, 30),
                trip("BTCUSDT", 2, 20),
                trip("BTCUSDT", 3, 30),
            ]
        };
        let q = RoundTripsQuery { limit: 3, ..RoundTripsQuery::default() };
        let page = round_trips_page(&q, trips());
        let got: Vec<(&str, u64)> = page.round_trips.iter().map(|t| (t.symbol.as_str(), t.trip_no)).collect();
        assert_eq!(got, [("ETHUSDT", 1), ("BTCUSDT", 3), ("BTCUSDT", 2)]);
        let v = &page.round_trips[0];
        assert_eq!((v.qty, v.entry_price, v.exit_price), (dec!(0.001), Some(dec!(60000)), Some(dec!(61500))));
        assert_eq!((v.return_fraction, v.duration_ms), (Some(dec!(0.022975)), 1_500));
        assert_eq!(v.entry_notional.to_string(), "60");
        let rest = round_trips_page(&RoundTripsQuery { cursor: page.next, ..q.clone() }, trips());
        assert_eq!(rest.round_trips.iter().map(|t| t.trip_no).collect::<Vec<_>>(), [1]);
        assert_eq!(rest.next, None);

        let q = RoundTripsQuery {
            symbol: Some(Symbol::new("BTCUSDT")),
            from: Some(Timestamp::from_millis(20)),
            to: Some(Timestamp::from_millis(30)),
            ..RoundTripsQuery::default()
        };
        let page = round_trips_page(&q, trips());
        assert_eq!(page.round_trips.iter().map(|t| t.trip_no).collect::<Vec<_>>(), [2], "`to` excluded");
    }
}
