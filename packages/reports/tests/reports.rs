//! The reports from the ledger's records: round trips as the engine marks them (dust included),
//! the accounting they must keep (every closed trip's P&L is the ledger's), and the daily P&L.

use mirai_core::{
    Amount, ClientOrderId, DecisionId, Fill, FillLedger, FillRecord, OrderStatus, Position, Price, Qty, Side,
    Symbol, Timestamp, TradeId, TripMark,
};
use mirai_reports::{Filter, Inputs, OrderLink, Report, round_trips};
use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

const DAY: i64 = 86_400_000;

fn fill(n: usize, side: Side, qty: Decimal, price: Decimal, fee: Decimal, at: i64) -> Fill {
    Fill {
        trade_id: TradeId::new(n.to_string()),
        client_order_id: ClientOrderId::new_checked(&format!("c-{n}")).unwrap_or_else(|e| panic!("{e}")),
        symbol: Symbol::new("BTCUSDT"),
        side,
        qty: Qty::new(qty),
        price: Price::new(price),
        fee: Amount::new(fee),
        ts: Timestamp::from_millis(at),
    }
}

/// Books `fills` by the ledger's rule, each marked by `mark` (or by the position alone), with an
/// order and a decision per fill.
fn book(fills: Vec<Fill>, mark: impl Fn(usize, &Fill, &Position) -> TripMark) -> (Inputs, Position) {
    let mut inputs = Inputs::default();
    let mut p = Position::flat(Symbol::new("BTCUSDT"));
    for (i, f) in fills.into_iter().enumerate() {
        let realised = p.apply(&f).unwrap_or_else(|e| panic!("{e}"));
        let trip = mark(i, &f, &p);
        inputs.orders.push(OrderLink {
            client_order_id: f.client_order_id.clone(),
            decision_id: DecisionId::from_stored(format!("d-{i}")),
            status: OrderStatus::Filled,
        });
        let ledger = FillLedger {
            seq: i as u64 + 1,
            realised_pnl: realised,
            position_qty: p.qty,
            position_cost: p.cost,
            trip,
        };
        inputs.fills.push(FillRecord { fill: f, ledger: Some(ledger) });
    }
    (inputs, p)
}

#[test]
fn dust_left_by_a_sell_does_not_keep_a_trip_open_when_the_engine_closed_it() {
    // Binance took the buyer's commission in the coin: 1.001 bought, 1.000 sellable.
    let fills = vec![
        fill(1, Side::Buy, dec!(1.001), dec!(100), dec!(0.1), 1_000),
        fill(2, Side::Sell, dec!(1), dec!(110), dec!(0.11), 2_000),
        fill(3, Side::Buy, dec!(1), dec!(105), dec!(0.105), 3_000),
        fill(4, Side::Sell, dec!(1), dec!(100), dec!(0.1), 4_000),
    ];
    let marks = [TripMark::Opens, TripMark::Closes, TripMark::Opens, TripMark::Closes];
    let (inputs, position) = book(fills, |i, _, _| marks[i]);
    let trips = round_trips(&inputs);
    assert_eq!(trips.len(), 2);
    // Trip 1: 110 - 100 × (1 / 1.001) released - fees 0.1 + 0.11.
    let released = (dec!(100.1) * dec!(1) / dec!(1.001)).round_dp(12);
    assert_eq!(trips.iter().find(|t| t.trip_no == 1).unwrap().pnl, dec!(110) - released - dec!(0.21));
    assert_eq!(trips.iter().map(|t| t.pnl).sum::<Decimal>(), position.realised_pnl.get());
    assert!(position.qty.get() > Decimal::ZERO, "the dust is still held: {:?}", position.qty);
    let opened: Vec<_> = trips.iter().map(|t| t.opening_decision.clone().unwrap()).collect();
    assert!(opened.contains(&DecisionId::from_stored("d-0".into())), "{opened:?}");
}

#[test]
fn the_daily_report_values_the_holding_at_the_days_last_close() {
    let fills = vec![
        fill(1, Side::Buy, dec!(2), dec!(100), dec!(0.2), 10 * 3_600_000),
        fill(2, Side::Sell, dec!(0.5), dec!(120), dec!(0.06), DAY + 3_600_000),
    ];
    let (mut inputs, _) = book(fills, |_, f, p| TripMark::by_position(f, p.qty));
    for (day, close) in [(0, dec!(110)), (1, dec!(90)), (2, dec!(95.5))] {
        inputs.candles.push(mirai_core::CandleRecord {
            symbol: Symbol::new("BTCUSDT"),
            interval: "1d".into(),
            open_time: Timestamp::from_millis(day * DAY),
            close_time: Timestamp::from_millis((day + 1) * DAY - 1),
            open: Price::new(close),
            high: Price::new(close),
            low: Price::new(close),
            close: Price::new(close),
            volume: Qty::new(dec!(1)),
            source: mirai_core::CandleSource::Replay,
        });
    }
    let t = mirai_reports::compute(Report::PnlByDaySymbol, &inputs, &Filter::default());
    let cells: Vec<Vec<&str>> =
        t.rows.iter().map(|r| r.iter().map(|c| c.as_deref().unwrap_or("NULL")).collect()).collect();
    // Day 0: bought 2 at 100: realised -0.2 (the fee), worth 220 against 200.
    // Day 1: sold 0.5 at 120: 60 - 50 released (a quarter of 200) - 0.06 = 9.94; 1.5 held cost 150,
    // worth 135.
    // Day 2: no fill, 1.5 held worth 143.25 against 150.
    assert_eq!(
        cells,
        [
            ["1970-01-01", "BTCUSDT", "-0.2", "20", "0.2", "1", "0", "0", "NULL", "2", "110"],
            ["1970-01-02", "BTCUSDT", "9.94", "-15", "0.06", "1", "0", "0", "NULL", "1.5", "90"],
            ["1970-01-03", "BTCUSDT", "0", "-6.75", "0", "0", "0", "0", "NULL", "1.5", "95.5"],
        ]
    );
}

proptest! {
    /// Whatever is traded, the closed trips' P&L plus what the fills of the open trip realised is
    /// the ledger's realised P&L, and every closed trip's quantity was both bought and sold.
    #[test]
    fn trips_account_for_every_realised_unit(steps in prop::collection::vec((any::<bool>(), 1u32..5_000, 1u32..100_000, 0u32..200), 1..60)) {
        let mut held = Decimal::ZERO;
        let mut fills = Vec::new();
        for (i, (buy, q, p, fee)) in steps.into_iter().enumerate() {
            let price = Decimal::new(i64::from(p), 2);
            let fee = Decimal::new(i64::from(fee), 3);
            let q = Decimal::new(i64::from(q), 3);
            if buy || held.is_zero() {
                held += q;
                fills.push(fill(i, Side::Buy, q, price, fee, i as i64 * 60_000));
            } else {
                // Half the time everything, so trips close.
                let q = if q > held || i % 2 == 0 { held } else { q };
                held -= q;
                fills.push(fill(i, Side::Sell, q, price, fee, i as i64 * 60_000));
            }
        }
        let (inputs, position) = book(fills, |_, f, p| TripMark::by_position(f, p.qty));
        let trips = round_trips(&inputs);
        let closed: Decimal = trips.iter().map(|t| t.pnl).sum();
        let last_open = inputs.fills.iter().rposition(|r| r.ledger.is_some_and(|l| l.trip == TripMark::Opens));
        let still_open: Decimal = match (last_open, position.qty.is_zero()) {
            (Some(i), false) => inputs.fills[i..].iter().map(|r| r.ledger.unwrap().realised_pnl.get()).sum(),
            _ => Decimal::ZERO,
        };
        prop_assert_eq!(closed + still_open, position.realised_pnl.get());
        for t in &trips {
            let sold = t.exit_notional;
            prop_assert!(t.qty > Decimal::ZERO && sold >= Decimal::ZERO);
            prop_assert_eq!(t.pnl, t.exit_notional - t.entry_notional - t.fees);
        }
    }
}

fn decision(n: usize, action: mirai_core::Action, at: i64) -> mirai_core::Decision {
    mirai_core::Decision {
        id: DecisionId::from_stored(format!("d-{n}")),
        ts: Timestamp::from_millis(at),
        symbol: Symbol::new("BTCUSDT"),
        strategy: "sma-cross".into(),
        action,
        size_fraction: dec!(0.1),
        price: Price::new(dec!(100)),
        stop_loss: None,
        take_profit: None,
        confidence: mirai_core::Confidence::clamped(dec!(0.8)),
        rationale: "because".into(),
        citations: Vec::new(),
        advisor: mirai_core::AdviceSource::Rules,
    }
}

#[test]
fn decision_outcomes_are_typed_and_the_table_writes_the_same_values() {
    use mirai_core::{Action, AdviceSource, FallbackSource, RiskEventRecord};
    use mirai_reports::{Advisor, Outcome, decision_outcomes};

    // d-0 bought (filled) and d-1 sold it: one closed trip, opened by d-0.
    let fills = vec![
        fill(0, Side::Buy, dec!(1), dec!(100), dec!(0.1), 1_000),
        fill(1, Side::Sell, dec!(1), dec!(110), dec!(0.11), 2_000),
    ];
    let (mut inputs, _) = book(fills, |_, f, p| TripMark::by_position(f, p.qty));
    inputs.decisions = vec![decision(0, Action::Buy, 1_000), decision(1, Action::Sell, 2_000)];
    // d-2: refused twice; the first refusal (by time) is the one shown. The rules decided, after
    // the model's answer could not be used.
    let mut refused = decision(2, Action::Buy, 3_000);
    refused.advisor = AdviceSource::Fallback(Box::new(FallbackSource {
        model: "gpt-x".into(),
        reason: "no answer within 8000 ms".into(),
        prompt_hash: None,
        usage: None,
    }));
    inputs.decisions.push(refused);
    for (id, at, gate) in [("9", 3_002, "max_trades_per_day"), ("8", 3_001, "max_position")] {
        inputs.risk_events.push(RiskEventRecord {
            id: id.into(),
            ts: Timestamp::from_millis(at),
            decision_id: Some(DecisionId::from_stored("d-2".into())),
            symbol: Symbol::new("BTCUSDT"),
            gate: gate.into(),
            reason: format!("{gate} says no"),
        });
    }
    // d-3: held for a person; d-4: a hold.
    inputs.decisions.push(decision(3, Action::Buy, 4_000));
    inputs.proposals.push(mirai_reports::ProposalLink {
        id: "mi-p-3".into(),
        decision_id: DecisionId::from_stored("d-3".into()),
        status: "PENDING".into(),
        decided_by: None,
    });
    inputs.decisions.push(decision(4, Action::Hold, 5_000));

    let outcomes = decision_outcomes(&inputs);
    let got: Vec<(&str, Outcome)> =
        outcomes.iter().map(|o| (o.decision_id.as_str(), o.outcome.clone())).collect();
    assert_eq!(
        got,
        [
            ("d-0", Outcome::Executed),
            ("d-1", Outcome::Executed),
            ("d-2", Outcome::Refused),
            ("d-3", Outcome::Proposal("pending".into())),
            ("d-4", Outcome::Hold),
        ]
    );
    let (bought, refused) = (&outcomes[0], &outcomes[2]);
    assert_eq!((bought.orders, bought.fills, bought.filled_qty, bought.notional), (1, 1, dec!(1), dec!(100)));
    // 110 - 100 - 0.1 - 0.11.
    assert_eq!(bought.trip_pnl, Some(dec!(9.79)));
    assert_eq!(outcomes[1].trip_pnl, None, "it closed the trip, it did not open one");
    assert_eq!(refused.refused_by.as_deref(), Some("max_position"));
    assert_eq!(refused.refusal_reason.as_deref(), Some("max_position says no"));
    assert_eq!(
        refused.advisor,
        Advisor::Fallback { model: "gpt-x".into(), reason: "no answer within 8000 ms".into() }
    );
    assert_eq!(outcomes[3].outcome.name(), "proposal_pending");

    // The report's rows are the same values, written as cells.
    let table = mirai_reports::compute(Report::DecisionOutcomes, &inputs, &Filter::default());
    let cell = |row: usize, column: &str| {
        let i = Report::DecisionOutcomes.columns().iter().position(|c| c.name == column).unwrap();
        table.rows[row][i].clone()
    };
    assert_eq!(table.rows.len(), outcomes.len());
    for (i, o) in outcomes.iter().enumerate() {
        assert_eq!(cell(i, "DECISION_ID").as_deref(), Some(o.decision_id.as_str()));
        assert_eq!(cell(i, "OUTCOME"), Some(o.outcome.name()));
        assert_eq!(cell(i, "REFUSED_BY"), o.refused_by);
        assert_eq!(cell(i, "ADVISOR_KIND").as_deref(), Some(o.advisor.kind()));
        assert_eq!(cell(i, "FALLBACK_REASON").as_deref(), o.advisor.fallback_reason());
        assert_eq!(cell(i, "TRIP_PNL"), o.trip_pnl.map(|p| p.normalize().to_string()));
    }
}

#[test]
fn a_trips_prices_return_and_duration_are_the_reports() {
    let fills = vec![
        fill(0, Side::Buy, dec!(3), dec!(100), dec!(0.3), 1_000),
        fill(1, Side::Sell, dec!(3), dec!(110), dec!(0.33), 61_500),
    ];
    let (inputs, _) = book(fills, |_, f, p| TripMark::by_position(f, p.qty));
    let trip = &round_trips(&inputs)[0];
    assert_eq!((trip.entry_price(), trip.exit_price()), (Some(dec!(100)), Some(dec!(110))));
    // (330 - 300 - 0.63) / 300 = 0.0979.
    assert_eq!(trip.return_fraction(), Some(dec!(0.0979)));
    assert_eq!(trip.duration_ms(), 60_500);
    let table = mirai_reports::compute(Report::RoundTrips, &inputs, &Filter::default());
    let cells: Vec<&str> = table.rows[0].iter().map(|c| c.as_deref().unwrap_or("NULL")).collect();
    assert_eq!(cells[5..7], ["100", "110"]);
    assert_eq!(cells[11..13], ["0.0979", "60.5"]);
}
