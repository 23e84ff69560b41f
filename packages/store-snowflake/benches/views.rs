//! The analysts' views (schema migration 4) on a month of one-minute data: 86,400 candles of two
//! symbols and a deterministic trading history on them (a few thousand round trips, every kind of
//! decision outcome, the model's usage, refusals by several gates, proposals), with each fill's
//! ledger state booked by the ledger's own rule. All of it is written to a fresh fakesnow
//! database (a server of its own on 127.0.0.1) through `SnowflakeStore::write` in the shipper's
//! batches, then each view is read through `SnowflakeStore::report` and timed against
//! `mirai_reports::compute` on the same records; the two tables must be equal, cell for cell.
//!
//! Run with `cargo bench -p mirai-store-snowflake --features fakesnow --bench views`; figures go
//! to docs/benchmarks.md.

use std::time::{Duration, Instant};

use mirai_core::{
    Action, AdviceSource, Amount, AnalyticsRecord, CallUsage, CandleRecord, CandleSource, Citation,
    ClientOrderId, Confidence, Decimal, Decision, DecisionId, Fill, FillLedger, FillRecord, OrderKind,
    OrderRecord, OrderRequest, OrderStatus, Position, Price, ProposalRecord, ProposalStatus, Qty,
    RiskEventRecord, Side, Symbol, Timestamp, TradeId, TripMark,
};
use mirai_reports::{Filter, Inputs, OrderLink, ProposalLink, Report, Table};
use mirai_store_snowflake::fakesnow_compat;
use mirai_testkit::Service;
use rust_decimal::RoundingStrategy;

/// 2026-01-01T00:00:00Z
const START: i64 = 1_767_225_600_000;
const MINUTE: i64 = 60_000;
const DAYS: i64 = 30;
const MINUTES: i64 = DAYS * 1_440;
/// Records per `write`: the worker's shipper delivers the outbox in batches of
/// `mirai_outbox::ShipperConfig::default().batch_size`, which is 500.
const BATCH: usize = 500;
/// Each query and each local computation is timed this many times.
const RUNS: usize = 3;
const STRATEGY: &str = "sma-cross";

/// xorshift64*: the same walk on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in `-span..=span`.
    fn step(&mut self, span: i64) -> i64 {
        (self.next() % (2 * span as u64 + 1)) as i64 - span
    }
}

/// What one symbol trades like: its price walk (in cents) and its schedule, in minutes.
struct Market {
    symbol: Symbol,
    /// The close of the latest candle, in cents.
    cents: i64,
    /// Largest move of one minute, in cents.
    span: i64,
    /// An entry every `every` minutes, at `offset` into the cycle; the exit `hold` minutes later.
    every: i64,
    offset: i64,
    hold: i64,
    /// Quantity bought: `base + (n % 5) * tick`, at `qty_dp` decimal places.
    base: i64,
    tick: i64,
    qty_dp: u32,
    position: Position,
    /// Entry slots seen so far (the trading rule's counter).
    slots: u64,
    /// The round trip being held: how many fills to split its exit into.
    exit_parts: Option<u32>,
}

/// The records as the worker ships them, and the same records as the reports read them.
struct History {
    records: Vec<AnalyticsRecord>,
    inputs: Inputs,
    /// Decisions taken so far (the advisor's counter).
    decisions: u64,
    risk_events: u64,
    exchange_ids: u64,
}

fn ts(ms: i64) -> Timestamp {
    Timestamp::from_millis(ms)
}

fn cents(c: i64) -> Decimal {
    Decimal::new(c, 2)
}

impl History {
    fn new() -> Self {
        Self { records: Vec::new(), inputs: Inputs::default(), decisions: 0, risk_events: 0, exchange_ids: 0 }
    }

    fn candle(&mut self, symbol: Symbol, open_ms: i64, rng: &mut Rng, open: i64, close: i64) {
        let high = open.max(close) + (rng.next() % 500) as i64;
        let low = open.min(close) - (rng.next() % 500) as i64;
        let c = CandleRecord {
            symbol,
            interval: "1m".into(),
            open_time: ts(open_ms),
            close_time: ts(open_ms + MINUTE - 1),
            open: Price::new(cents(open)),
            high: Price::new(cents(high)),
            low: Price::new(cents(low)),
            close: Price::new(cents(close)),
            volume: Qty::new(Decimal::new(1_000_000 + (rng.next() % 900_000_000) as i64, 6)),
            source: CandleSource::Replay,
        };
        self.records.push(AnalyticsRecord::Candle(c.clone()));
        self.inputs.candles.push(c);
    }

    /// Who advised the next decision: mostly the rules, a third the model (a few with no call
    /// made, the answer replayed), one in ten a fallback to the rules (timed out, or no budget).
    fn advisor(&self) -> AdviceSource {
        let j = self.decisions;
        let usage = || {
            let tokens_in = 700 + (j % 600) as u32;
            let tokens_out = 40 + (j % 90) as u32;
            // USD 0.15 per million tokens in, 0.60 out.
            let cost = Decimal::new(i64::from(tokens_in) * 15 + i64::from(tokens_out) * 60, 8);
            Some(CallUsage { tokens_in, tokens_out, cost_usd: cost, latency_ms: 400 + (j * 37) % 2_500 })
        };
        let model = if j.is_multiple_of(7) { "gpt-4o" } else { "gpt-4o-mini" };
        match j % 10 {
            0 | 3 | 6 => {
                let used = if j.is_multiple_of(50) { None } else { usage() };
                AdviceSource::model(model.into(), format!("{:064x}", j), false, used)
            }
            4 if j % 20 == 4 => AdviceSource::fallback(
                model.into(),
                "no answer within 8000 ms".into(),
                Some(format!("{:064x}", j)),
                Some(CallUsage { tokens_in: 0, tokens_out: 0, cost_usd: Decimal::ZERO, latency_ms: 8_001 }),
            ),
            4 => AdviceSource::fallback(model.into(), "daily budget spent".into(), None, None),
            _ => AdviceSource::Rules,
        }
    }

    fn decide(&mut self, symbol: Symbol, at: i64, action: Action, price: Decimal) -> DecisionId {
        let id = DecisionId::new(STRATEGY, symbol, ts(at));
        let d = Decision {
            id: id.clone(),
            ts: ts(at),
            symbol,
            strategy: STRATEGY.into(),
            action,
            size_fraction: Decimal::new(1, 1),
            price: Price::new(price),
            stop_loss: (action == Action::Buy).then(|| Price::new(price * Decimal::new(97, 2))),
            take_profit: None,
            confidence: Confidence::from_scaled(5_000 + self.decisions % 5_000, 4).expect("below 1"),
            rationale: format!("SMA(5) against SMA(20) at {price}: {}", action.as_str()),
            citations: vec![Citation::titled("SMA(5) crossed SMA(20)", None)],
            advisor: self.advisor(),
        };
        self.decisions += 1;
        self.records.push(AnalyticsRecord::Decision(d.clone()));
        self.inputs.decisions.push(d);
        id
    }

    #[allow(clippy::too_many_arguments)]
    fn order(
        &mut self,
        decision: &DecisionId,
        symbol: Symbol,
        side: Side,
        qty: Decimal,
        price: Decimal,
        at: i64,
        status: OrderStatus,
        filled: Decimal,
    ) -> ClientOrderId {
        let cid = ClientOrderId::for_decision(decision, side);
        self.exchange_ids += 1;
        self.inputs.orders.push(OrderLink {
            client_order_id: cid.clone(),
            decision_id: decision.clone(),
            status,
        });
        self.records.push(AnalyticsRecord::Order(OrderRecord {
            request: OrderRequest {
                client_order_id: cid.clone(),
                decision_id: decision.clone(),
                symbol,
                side,
                kind: OrderKind::Market,
                qty: Qty::new(qty),
                reference_price: Price::new(price),
                created_at: ts(at),
            },
            status,
            exchange_order_id: (status != OrderStatus::Rejected).then_some(self.exchange_ids),
            filled_qty: Qty::new(filled),
            updated_at: ts(at + 400),
        }));
        cid
    }

    /// A fill of `cid`, booked by the ledger's rule on `position`.
    fn fill(
        &mut self,
        position: &mut Position,
        cid: &ClientOrderId,
        side: Side,
        qty: Decimal,
        price: Decimal,
        at: i64,
    ) {
        let seq = self.inputs.fills.len() as u64 + 1;
        let notional = qty * price;
        let f = Fill {
            trade_id: TradeId::new(format!("sim-{seq}")),
            client_order_id: cid.clone(),
            symbol: position.symbol,
            side,
            qty: Qty::new(qty),
            price: Price::new(price),
            // 0.1 %, to the satoshi-like 8 places the venue charges in.
            fee: Amount::new(
                (notional / Decimal::ONE_THOUSAND)
                    .round_dp_with_strategy(8, RoundingStrategy::MidpointAwayFromZero),
            ),
            ts: ts(at),
        };
        let realised = position.apply(&f).expect("the rule never oversells");
        let ledger = FillLedger {
            seq,
            realised_pnl: realised,
            position_qty: position.qty,
            position_cost: position.cost,
            trip: TripMark::by_position(&f, position.qty),
        };
        let record = FillRecord { fill: f, ledger: Some(ledger) };
        self.records.push(AnalyticsRecord::Fill(record.clone()));
        self.inputs.fills.push(record);
    }

    fn refusal(&mut self, decision: &DecisionId, symbol: Symbol, at: i64, gate: &str, reason: String) {
        self.risk_events += 1;
        let e = RiskEventRecord {
            id: self.risk_events.to_string(),
            ts: ts(at),
            decision_id: Some(decision.clone()),
            symbol,
            gate: gate.into(),
            reason,
        };
        self.records.push(AnalyticsRecord::RiskEvent(e.clone()));
        self.inputs.risk_events.push(e);
    }

    fn proposal(&mut self, decision: &DecisionId, symbol: Symbol, qty: Decimal, at: i64, n: u64) {
        let id = ClientOrderId::for_decision(decision, Side::Buy);
        let (status, decided_by) = match n % 3 {
            0 => (ProposalStatus::Rejected, Some("alice".to_owned())),
            1 => (ProposalStatus::Expired, None),
            _ => (ProposalStatus::Pending, None),
        };
        let decided_at = decided_by.as_ref().map(|_| ts(at + 90_000));
        self.inputs.proposals.push(ProposalLink {
            id: id.as_str().to_owned(),
            decision_id: decision.clone(),
            status: status.as_str().to_owned(),
            decided_by: decided_by.clone(),
        });
        self.records.push(AnalyticsRecord::Proposal(ProposalRecord {
            id,
            decision_id: decision.clone(),
            symbol,
            side: Side::Buy,
            qty: Qty::new(qty),
            confidence: Confidence::from_scaled(7_000, 4).expect("below 1"),
            status,
            created_at: ts(at),
            expires_at: ts(at + 15 * MINUTE),
            decided_by,
            decided_at,
            reason: Some("held for approval".into()),
        }));
    }

    /// The rule's entry slot on `m`: usually a buy that fills (in two parts one time in five),
    /// else refused by a risk gate, rejected by the exchange, held for a person, or left unfilled.
    fn entry(&mut self, m: &mut Market, at: i64, price: Decimal) {
        let n = m.slots;
        m.slots += 1;
        let qty = Decimal::new(m.base + (n % 5) as i64 * m.tick, m.qty_dp);
        let symbol = m.symbol;
        let d = self.decide(symbol, at, Action::Buy, price);
        if n % 13 == 5 {
            let gate = ["max_position", "max_daily_loss", "max_trades_per_day"][(n / 13 % 3) as usize];
            self.refusal(&d, symbol, at, gate, format!("{gate} exceeded at {price}"));
            if n % 26 == 5 {
                self.refusal(&d, symbol, at, "cooldown", "15 min after a loss".into());
            }
        } else if n % 29 == 7 {
            self.order(&d, symbol, Side::Buy, qty, price, at, OrderStatus::Rejected, Decimal::ZERO);
            self.refusal(&d, symbol, at + 300, "exchange", "-2010 insufficient balance".into());
        } else if n % 41 == 11 {
            self.proposal(&d, symbol, qty, at, n / 41);
        } else if n % 37 == 3 {
            self.order(&d, symbol, Side::Buy, qty, price, at, OrderStatus::Expired, Decimal::ZERO);
        } else {
            let cid = self.order(&d, symbol, Side::Buy, qty, price, at, OrderStatus::Filled, qty);
            if n.is_multiple_of(5) {
                let first = (qty * Decimal::new(4, 1)).round_dp(m.qty_dp);
                self.fill(&mut m.position, &cid, Side::Buy, first, price, at + 150);
                self.fill(&mut m.position, &cid, Side::Buy, qty - first, price + cents(1), at + 1_150);
            } else {
                self.fill(&mut m.position, &cid, Side::Buy, qty, price, at + 150);
            }
            m.exit_parts = Some(if n.is_multiple_of(7) { 2 } else { 1 });
        }
    }

    /// Sells the whole holding (in two fills one time in seven).
    fn exit(&mut self, m: &mut Market, at: i64, price: Decimal) {
        let Some(parts) = m.exit_parts.take() else { return };
        let symbol = m.symbol;
        let qty = m.position.qty.get();
        let d = self.decide(symbol, at, Action::Sell, price);
        let cid = self.order(&d, symbol, Side::Sell, qty, price, at, OrderStatus::Filled, qty);
        if parts == 2 {
            let first = (qty / Decimal::TWO).round_dp(m.qty_dp);
            self.fill(&mut m.position, &cid, Side::Sell, first, price, at + 150);
            self.fill(&mut m.position, &cid, Side::Sell, qty - first, price - cents(2), at + 900);
        } else {
            self.fill(&mut m.position, &cid, Side::Sell, qty, price, at + 150);
        }
    }
}

/// A month of candles on BTCUSDT and ETHUSDT and the rule's trading on them, in time order.
fn history() -> History {
    let mut h = History::new();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let market = |symbol, cents, span, every, offset, hold, base, tick, qty_dp| Market {
        symbol: Symbol::new(symbol),
        cents,
        span,
        every,
        offset,
        hold,
        base,
        tick,
        qty_dp,
        position: Position::flat(Symbol::new(symbol)),
        slots: 0,
        exit_parts: None,
    };
    let mut markets = [
        // BTC: an entry every 20 minutes, out 10 minutes later (flat at every midnight).
        market("BTCUSDT", 6_200_000, 2_500, 20, 0, 10, 100, 50, 5),
        // ETH: every 50 minutes, held 35 (some trips span midnight: unrealised P&L at the close).
        market("ETHUSDT", 300_000, 250, 50, 7, 35, 1_000, 250, 4),
    ];
    for minute in 0..MINUTES {
        let open_ms = START + minute * MINUTE;
        // Decisions are taken as the bar closes.
        let at = open_ms + MINUTE;
        for m in &mut markets {
            let open = m.cents;
            m.cents = (open + rng.step(m.span)).max(m.span * 10);
            h.candle(m.symbol, open_ms, &mut rng, open, m.cents);
            let price = cents(m.cents);
            let phase = (minute - m.offset).rem_euclid(m.every);
            if phase == 0 && m.position.qty.is_zero() {
                h.entry(m, at, price);
            } else if phase == m.hold && minute < MINUTES - 60 {
                // No exits in the last hour: one trip per symbol is still open at the end.
                h.exit(m, at, price);
            } else if minute % 60 == 17 {
                h.decide(m.symbol, at, Action::Hold, price);
            }
        }
    }
    h
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{cpu}, {cores} cores")
}

/// Each view counted, in `Report::ALL`'s order (the store runs only `&'static str` queries).
const COUNTS: [&str; 5] = [
    "SELECT TO_VARCHAR(COUNT(*)) FROM ROUND_TRIPS",
    "SELECT TO_VARCHAR(COUNT(*)) FROM PNL_BY_DAY_SYMBOL",
    "SELECT TO_VARCHAR(COUNT(*)) FROM DECISION_OUTCOMES",
    "SELECT TO_VARCHAR(COUNT(*)) FROM MODEL_USAGE",
    "SELECT TO_VARCHAR(COUNT(*)) FROM RISK_REFUSALS_BY_GATE",
];

/// (best, median) of `RUNS` runs of `f`.
async fn timed<F, Fut>(f: F) -> (Duration, Duration)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let t = Instant::now();
        f().await;
        times.push(t.elapsed());
    }
    best_and_median(times)
}

/// (best, median) of `RUNS` timings.
fn best_and_median(mut times: Vec<Duration>) -> (Duration, Duration) {
    times.sort();
    (times[0], times[times.len() / 2])
}

fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1e3;
    if ms < 10.0 { format!("{ms:.2} ms") } else { format!("{ms:.0} ms") }
}

fn counts(records: &[AnalyticsRecord]) -> String {
    let mut by: Vec<(&str, usize)> = Vec::new();
    for r in records {
        let name = match r {
            AnalyticsRecord::Candle(_) => "candles",
            AnalyticsRecord::Fill(_) => "fills",
            AnalyticsRecord::Order(_) => "orders",
            AnalyticsRecord::Decision(_) => "decisions",
            AnalyticsRecord::RiskEvent(_) => "risk events",
            AnalyticsRecord::Proposal(_) => "proposals",
            _ => "other",
        };
        match by.iter_mut().find(|(n, _)| *n == name) {
            Some((_, c)) => *c += 1,
            None => by.push((name, 1)),
        }
    }
    by.iter().map(|(n, c)| format!("{c} {n}")).collect::<Vec<_>>().join(", ")
}

fn main() {
    let started = Instant::now();
    let h = history();
    let generated = started.elapsed();
    let trips = mirai_reports::round_trips(&h.inputs).len();
    println!("machine: {}", machine());
    println!(
        "generated {} records in {} ({}); {trips} closed round trips",
        h.records.len(),
        ms(generated),
        counts(&h.records)
    );

    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let server = Service::start(mirai_testkit::Kind::Fakesnow).unwrap_or_else(|e| panic!("{e}"));
    println!("fakesnow on {}\n", server.url());
    runtime.block_on(async {
        let settings = fakesnow_compat::settings(&server.url(), "BENCH_VIEWS");
        let store = fakesnow_compat::connect(settings).await.unwrap_or_else(|e| panic!("connect: {e}"));

        // fakesnow's floor: a statement that reads nothing (parsed, translated, run, answered).
        let floor = timed(|| async {
            store.query_static("SELECT TO_VARCHAR(1)").await.unwrap_or_else(|e| panic!("SELECT 1: {e}"));
        })
        .await;
        println!("SELECT 1: best {}, median {}\n", ms(floor.0), ms(floor.1));

        let started = Instant::now();
        for batch in h.records.chunks(BATCH) {
            store.write(batch).await.unwrap_or_else(|e| panic!("write: {e}"));
        }
        let secs = started.elapsed().as_secs_f64();
        println!(
            "write: {} records in batches of {BATCH}: {secs:.1} s, {:.0} rows/s\n",
            h.records.len(),
            h.records.len() as f64 / secs
        );

        println!(
            "| view | rows | fakesnow best | fakesnow median | COUNT(*) best | local best | local median |"
        );
        println!("|---|---:|---:|---:|---:|---:|---:|");
        let filter = Filter::default();
        for (report, count_sql) in Report::ALL.into_iter().zip(COUNTS) {
            assert!(count_sql.contains(report.view()), "{count_sql} counts {}", report.view());
            // The view's SQL without sending its rows back: how much of the time is the answer.
            let count = timed(|| async {
                store.query_static(count_sql).await.unwrap_or_else(|e| panic!("{count_sql}: {e}"));
            })
            .await;
            let mut view_times = Vec::new();
            let mut view: Option<Table> = None;
            for _ in 0..RUNS {
                let t = Instant::now();
                let table =
                    store.report(report, &filter).await.unwrap_or_else(|e| panic!("{}: {e}", report.view()));
                view_times.push(t.elapsed());
                view = Some(table);
            }
            let mut local_times = Vec::new();
            let mut local: Option<Table> = None;
            for _ in 0..RUNS {
                let t = Instant::now();
                let table = std::hint::black_box(mirai_reports::compute(report, &h.inputs, &filter));
                local_times.push(t.elapsed());
                local = Some(table);
            }
            let (view, local) = (view.expect("ran"), local.expect("ran"));
            if view != local {
                let first = view.rows.iter().zip(&local.rows).position(|(a, b)| a != b);
                panic!(
                    "{}: the view ({} rows) and the local computation ({} rows) differ; first differing row: \
                     {:?} vs {:?}",
                    report.view(),
                    view.rows.len(),
                    local.rows.len(),
                    first.map(|i| &view.rows[i]),
                    first.map(|i| &local.rows[i]),
                );
            }
            assert!(!view.rows.is_empty(), "{}: no rows, nothing compared", report.view());
            let (vb, vm) = best_and_median(view_times);
            let (lb, lm) = best_and_median(local_times);
            println!(
                "| {} | {} | {} | {} | {} | {} | {} |",
                report.view(),
                view.rows.len(),
                ms(vb),
                ms(vm),
                ms(count.0),
                ms(lb),
                ms(lm)
            );
        }
    });
    println!("\nevery view equal to the local computation, cell for cell");
}
