//! The analysts' views (schema migration 4) against the same reports computed from the ledger's
//! records by `mirai-reports`: written to fakesnow as the worker ships them, read back through
//! `SnowflakeStore::report`, equal cell for cell — round trips (one still open), P&L per day and
//! symbol with marks from candles, every kind of decision outcome, the model's usage, refusals.

use mirai_core::{
    AdviceSource, AnalyticsRecord, CallUsage, CandleRecord, CandleSource, ClientOrderId, Confidence,
    Decision, DecisionId, Fill, FillLedger, FillRecord, OrderKind, OrderRecord, OrderRequest, OrderStatus,
    Position, Price, ProposalRecord, ProposalStatus, Qty, RiskEventRecord, Side, Symbol, TripMark,
};
use mirai_reports::{Filter, Inputs, OrderLink, ProposalLink, Report};

use crate::helpers::{dec, decision, fill, fresh_store, ts};

const DAY: i64 = 86_400_000;
/// 2026-01-01T00:00:00Z
const D1: i64 = 1_767_225_600_000;
const H: i64 = 3_600_000;

struct Run {
    records: Vec<AnalyticsRecord>,
    inputs: Inputs,
}

impl Run {
    fn new() -> Self {
        Self { records: Vec::new(), inputs: Inputs::default() }
    }

    fn decide(&mut self, d: Decision) -> DecisionId {
        self.records.push(AnalyticsRecord::Decision(d.clone()));
        let id = d.id.clone();
        self.inputs.decisions.push(d);
        id
    }

    /// A decision on `symbol` at `at`, advised by `advisor`.
    fn decision(
        &mut self,
        symbol: &str,
        at: i64,
        action: mirai_core::Action,
        advisor: AdviceSource,
    ) -> DecisionId {
        let mut d = decision(at, "why");
        d.symbol = Symbol::new(symbol);
        d.id = DecisionId::new("sma-cross", d.symbol, ts(at));
        d.action = action;
        d.advisor = advisor;
        self.decide(d)
    }

    fn order(
        &mut self,
        cid: &str,
        decision: &DecisionId,
        symbol: &str,
        side: Side,
        status: OrderStatus,
        at: i64,
    ) {
        let request = OrderRequest {
            client_order_id: ClientOrderId::new_checked(cid).unwrap_or_else(|e| panic!("{e}")),
            decision_id: decision.clone(),
            symbol: Symbol::new(symbol),
            side,
            kind: OrderKind::Market,
            qty: Qty::new(dec("1")),
            reference_price: Price::new(dec("100")),
            created_at: ts(at),
        };
        self.inputs.orders.push(OrderLink {
            client_order_id: request.client_order_id.clone(),
            decision_id: decision.clone(),
            status,
        });
        self.records.push(AnalyticsRecord::Order(OrderRecord {
            request,
            status,
            exchange_order_id: Some(1),
            filled_qty: Qty::ZERO,
            updated_at: ts(at),
        }));
    }

    /// A fill booked by the ledger's rule, with its order (`c-<trade>`) and that order's decision.
    fn fill(&mut self, positions: &mut Vec<Position>, f: Fill, decision: &DecisionId) {
        self.order(
            f.client_order_id.as_str(),
            decision,
            f.symbol.as_str(),
            f.side,
            OrderStatus::Filled,
            f.ts.millis(),
        );
        let i = match positions.iter().position(|p| p.symbol == f.symbol) {
            Some(i) => i,
            None => {
                positions.push(Position::flat(f.symbol));
                positions.len() - 1
            }
        };
        let realised = positions[i].apply(&f).unwrap_or_else(|e| panic!("{e}"));
        let ledger = FillLedger {
            seq: self.inputs.fills.len() as u64 + 1,
            realised_pnl: realised,
            position_qty: positions[i].qty,
            position_cost: positions[i].cost,
            trip: TripMark::by_position(&f, positions[i].qty),
        };
        let record = FillRecord { fill: f, ledger: Some(ledger) };
        self.records.push(AnalyticsRecord::Fill(record.clone()));
        self.inputs.fills.push(record);
    }

    fn refusal(&mut self, id: &str, at: i64, decision: &DecisionId, symbol: &str, gate: &str, reason: &str) {
        let e = RiskEventRecord {
            id: id.into(),
            ts: ts(at),
            decision_id: Some(decision.clone()),
            symbol: Symbol::new(symbol),
            gate: gate.into(),
            reason: reason.into(),
        };
        self.records.push(AnalyticsRecord::RiskEvent(e.clone()));
        self.inputs.risk_events.push(e);
    }

    fn candle(&mut self, symbol: &str, interval: &str, close_time: i64, close: &str) {
        let c = CandleRecord {
            symbol: Symbol::new(symbol),
            interval: interval.into(),
            open_time: ts(close_time + 1 - if interval == "1h" { H } else { 60_000 }),
            close_time: ts(close_time),
            open: Price::new(dec(close)),
            high: Price::new(dec(close)),
            low: Price::new(dec(close)),
            close: Price::new(dec(close)),
            volume: Qty::new(dec("5")),
            source: CandleSource::Replay,
        };
        self.records.push(AnalyticsRecord::Candle(c.clone()));
        self.inputs.candles.push(c);
    }
}

fn scenario() -> Run {
    use mirai_core::Action::{Buy, Hold, Sell};
    let mut run = Run::new();
    let mut positions = Vec::new();
    let usage = |tokens_in, latency_ms, cost: &str| {
        Some(CallUsage { tokens_in, tokens_out: 80, cost_usd: dec(cost), latency_ms })
    };
    let model = |u| AdviceSource::model("gpt-4o-mini".into(), "ab".repeat(32), false, u);
    let fallback = |reason: &str, u| AdviceSource::fallback("gpt-4o-mini".into(), reason.into(), None, u);

    // BTCUSDT: two buys, a partial sell the next day, the rest the day after (a loss overall?),
    // then a new trip left open.
    let d = run.decision("BTCUSDT", D1 + 10 * H, Buy, model(usage(900, 1_200, "0.000195")));
    run.fill(&mut positions, fill("BTCUSDT", "1", Side::Buy, "2", "100", "0.2", D1 + 10 * H), &d);
    let d = run.decision("BTCUSDT", D1 + 11 * H, Buy, AdviceSource::Rules);
    run.fill(&mut positions, fill("BTCUSDT", "2", Side::Buy, "1", "130.25", "0.13025", D1 + 11 * H), &d);
    let d = run.decision(
        "BTCUSDT",
        D1 + DAY + 10 * H,
        Sell,
        fallback("no answer within 8000 ms", usage(0, 8_001, "0")),
    );
    run.fill(
        &mut positions,
        fill("BTCUSDT", "3", Side::Sell, "1.5", "150.5", "0.22575", D1 + DAY + 10 * H),
        &d,
    );
    let d = run.decision("BTCUSDT", D1 + 2 * DAY + 10 * H, Sell, model(usage(1_000, 900, "0.00021")));
    run.fill(
        &mut positions,
        fill("BTCUSDT", "4", Side::Sell, "1.5", "90.1", "0.13515", D1 + 2 * DAY + 10 * H),
        &d,
    );
    let d = run.decision("BTCUSDT", D1 + 2 * DAY + 12 * H, Buy, AdviceSource::Rules);
    run.fill(
        &mut positions,
        fill("BTCUSDT", "5", Side::Buy, "0.3333", "95.37", "0.0317868", D1 + 2 * DAY + 12 * H),
        &d,
    );
    // ETHUSDT: one winning trip over two days.
    let d = run.decision("ETHUSDT", D1 + DAY + 9 * H, Buy, AdviceSource::Rules);
    run.fill(
        &mut positions,
        fill("ETHUSDT", "e1", Side::Buy, "3.1415", "10.123456", "0.0318", D1 + DAY + 9 * H),
        &d,
    );
    let d = run.decision("ETHUSDT", D1 + 3 * DAY + 9 * H, Sell, AdviceSource::Rules);
    run.fill(
        &mut positions,
        fill("ETHUSDT", "e2", Side::Sell, "3.1415", "11", "0.0345565", D1 + 3 * DAY + 9 * H),
        &d,
    );

    // Decisions that did not trade, each for its own reason.
    let refused = run.decision("BTCUSDT", D1 + DAY + 11 * H, Buy, AdviceSource::Rules);
    run.refusal("10", D1 + DAY + 11 * H, &refused, "BTCUSDT", "max_position", "position would exceed 20 %");
    run.refusal("9", D1 + DAY + 11 * H, &refused, "BTCUSDT", "max_daily_loss", "lost 3 % today");
    let rejected = run.decision("ETHUSDT", D1 + DAY + 12 * H, Buy, fallback("budget spent", None));
    run.order("c-rejected", &rejected, "ETHUSDT", Side::Buy, OrderStatus::Rejected, D1 + DAY + 12 * H);
    run.refusal("11", D1 + DAY + 12 * H, &rejected, "ETHUSDT", "exchange", "-2010 insufficient balance");
    let proposed = run.decision("BTCUSDT", D1 + 2 * DAY + 13 * H, Buy, model(usage(950, 1_100, "0.0002")));
    let p = ProposalRecord {
        id: ClientOrderId::new_checked("c-proposed").unwrap_or_else(|e| panic!("{e}")),
        decision_id: proposed.clone(),
        symbol: Symbol::new("BTCUSDT"),
        side: Side::Buy,
        qty: Qty::new(dec("0.1")),
        confidence: Confidence::new_checked(dec("0.7")).unwrap_or_else(|e| panic!("{e}")),
        status: ProposalStatus::Rejected,
        created_at: ts(D1 + 2 * DAY + 13 * H),
        expires_at: ts(D1 + 2 * DAY + 14 * H),
        decided_by: Some("alice".into()),
        decided_at: Some(ts(D1 + 2 * DAY + 13 * H + 60_000)),
        reason: Some("not now".into()),
    };
    run.records.push(AnalyticsRecord::Proposal(p));
    run.inputs.proposals.push(ProposalLink {
        id: "c-proposed".into(),
        decision_id: proposed,
        status: "REJECTED".into(),
        decided_by: Some("alice".into()),
    });
    run.decision("ETHUSDT", D1 + 2 * DAY + 9 * H, Hold, AdviceSource::Rules);
    let unfilled = run.decision("ETHUSDT", D1 + 2 * DAY + 10 * H, Buy, AdviceSource::Rules);
    run.order("c-unfilled", &unfilled, "ETHUSDT", Side::Buy, OrderStatus::Expired, D1 + 2 * DAY + 10 * H);

    // Each day's last candles: the hour and the minute closing at the same instant (the view
    // takes the hour's, "1h" < "1m"), and a day with a holding and no fill.
    for (day, btc, eth) in [(0, "120.5", "10"), (1, "140", "10.5"), (2, "97.123", "10.8"), (3, "99", "11.2")]
    {
        let close = D1 + (day + 1) * DAY - 1;
        run.candle("BTCUSDT", "1h", close, btc);
        run.candle("BTCUSDT", "1m", close, "1");
        run.candle("ETHUSDT", "1h", close, eth);
        run.candle("ETHUSDT", "1h", close - H, "7");
    }
    run
}

#[tokio::test]
async fn every_view_equals_the_report_computed_from_the_ledger() {
    let store = fresh_store("views").await;
    let run = scenario();
    store.write(&run.records).await.unwrap_or_else(|e| panic!("{e}"));
    let filters = [
        Filter::default(),
        Filter { symbol: Some(Symbol::new("BTCUSDT")), ..Filter::default() },
        Filter { from: Some(ts(D1 + DAY)), to: Some(ts(D1 + 3 * DAY)), symbol: None },
    ];
    for report in Report::ALL {
        for filter in &filters {
            let filter = Filter { symbol: filter.symbol.filter(|_| report.has_symbol()), ..*filter };
            let local = mirai_reports::compute(report, &run.inputs, &filter);
            let view =
                store.report(report, &filter).await.unwrap_or_else(|e| panic!("{}: {e}", report.view()));
            assert_eq!(view, local, "{} with {filter:?}", report.view());
        }
    }
    // What the scenario must show, so the comparison above compares something.
    let all = |r| mirai_reports::compute(r, &run.inputs, &Filter::default());
    let trips = all(Report::RoundTrips);
    assert_eq!(trips.rows.len(), 2, "BTCUSDT's first trip and ETHUSDT's; the third is open: {trips:?}");
    let outcomes: Vec<String> =
        all(Report::DecisionOutcomes).rows.iter().map(|r| r[9].clone().unwrap_or_default()).collect();
    for outcome in ["executed", "refused", "rejected_by_exchange", "proposal_rejected", "hold", "not_filled"]
    {
        assert!(outcomes.iter().any(|o| o == outcome), "{outcome} in {outcomes:?}");
    }
    assert_eq!(all(Report::ModelUsage).rows.len(), 3, "three days the model was asked");
    assert_eq!(all(Report::RiskRefusalsByGate).rows.len(), 3);
}
