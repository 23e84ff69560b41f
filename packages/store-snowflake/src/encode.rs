//! How each analytics record becomes a row of literals for its table, and how one batch is
//! reduced to at most one row per key (a MERGE may not see the same key twice).

use std::collections::HashMap;

use mirai_core::{
    AdviceSource, AnalyticsRecord, AuditRecord, BacktestRunRecord, CandleRecord, Decision, FillRecord,
    OrderKind, OrderRecord, OrderStatus, PnlPoint, ProposalRecord, ProposalStatus, RiskEventRecord,
    Timestamp,
};

use crate::literal::{
    Literal, LiteralError, decimal, integer, opt_decimal, opt_integer, opt_text, text, timestamp,
};
use crate::tables::{self, Table};

/// The rows of one batch, grouped by table, one per key, in first-seen order.
#[derive(Debug, Default)]
pub(crate) struct Rows {
    tables: Vec<TableRows>,
}

#[derive(Debug)]
struct TableRows {
    table: &'static Table,
    rows: Vec<Vec<Literal>>,
    /// Key -> index in `rows`.
    keys: HashMap<String, usize>,
}

impl Rows {
    pub fn into_tables(self) -> impl Iterator<Item = (&'static Table, Vec<Vec<Literal>>)> {
        self.tables.into_iter().map(|t| (t.table, t.rows))
    }

    /// Adds `row` under `key`, replacing an earlier row with the same key: later records in a
    /// batch are later states (the outbox ships in the order things happened).
    fn put(&mut self, table: &'static Table, key: String, row: Vec<Literal>) {
        let i = match self.tables.iter().position(|t| std::ptr::eq(t.table, table)) {
            Some(i) => i,
            None => {
                self.tables.push(TableRows { table, rows: Vec::new(), keys: HashMap::new() });
                self.tables.len() - 1
            }
        };
        let t = &mut self.tables[i];
        match t.keys.get(&key) {
            Some(&at) => t.rows[at] = row,
            None => {
                t.keys.insert(key, t.rows.len());
                t.rows.push(row);
            }
        }
    }
}

/// A record that cannot be written, with its position in the batch.
#[derive(Debug, thiserror::Error)]
#[error("record {index} ({what}): {source}")]
pub(crate) struct EncodeError {
    pub index: usize,
    pub what: String,
    #[source]
    pub source: LiteralError,
}

pub(crate) fn encode(records: &[AnalyticsRecord]) -> Result<Rows, EncodeError> {
    let mut rows = Rows::default();
    let mut latest_orders: HashMap<&str, &OrderRecord> = HashMap::new();
    let mut latest_proposals: HashMap<&str, &ProposalRecord> = HashMap::new();
    let mut days: Vec<Day> = Vec::new();
    for (index, r) in records.iter().enumerate() {
        let fail = |source| EncodeError { index, what: describe(r), source };
        match r {
            AnalyticsRecord::Order(o) => {
                let id = o.request.client_order_id.as_str();
                if latest_orders.get(id).is_none_or(|prev| !moved_back(prev, o)) {
                    latest_orders.insert(id, o);
                }
            }
            AnalyticsRecord::Fill(f) => rows.put(
                &tables::FILLS,
                format!("{}/{}", f.fill.symbol, f.fill.trade_id),
                fill(f).map_err(fail)?,
            ),
            AnalyticsRecord::Decision(d) => {
                rows.put(&tables::DECISIONS, d.id.as_str().to_owned(), decision(d).map_err(fail)?)
            }
            AnalyticsRecord::Pnl(p) => {
                rows.put(&tables::PNL_INTRADAY, p.ts.millis().to_string(), pnl(p).map_err(fail)?);
                let day = p.ts.utc_day();
                match days.iter_mut().find(|d| d.day == day) {
                    Some(d) => d.add(p),
                    None => days.push(Day::new(day, p)),
                }
            }
            AnalyticsRecord::RiskEvent(e) => {
                rows.put(&tables::RISK_EVENTS, e.id.clone(), risk_event(e).map_err(fail)?)
            }
            AnalyticsRecord::Audit(a) => {
                rows.put(&tables::AUDIT_LOG, a.seq.to_string(), audit(a).map_err(fail)?)
            }
            AnalyticsRecord::BacktestRun(b) => {
                rows.put(&tables::BACKTEST_RUNS, b.id.clone(), backtest(b).map_err(fail)?)
            }
            AnalyticsRecord::Candle(c) => rows.put(
                &tables::CANDLES,
                format!("{}/{}/{}", c.symbol, c.interval, c.open_time.millis()),
                candle(c).map_err(fail)?,
            ),
            AnalyticsRecord::Proposal(p) => {
                let id = p.id.as_str();
                if latest_proposals.get(id).is_none_or(|prev| !proposal_moved_back(prev, p)) {
                    latest_proposals.insert(id, p);
                }
            }
        }
    }
    for (index, r) in records.iter().enumerate() {
        if let AnalyticsRecord::Order(o) = r
            && latest_orders.get(o.request.client_order_id.as_str()).is_some_and(|l| std::ptr::eq(*l, o))
        {
            let row = order(o).map_err(|source| EncodeError { index, what: describe(r), source })?;
            rows.put(&tables::ORDERS, o.request.client_order_id.as_str().to_owned(), row);
        }
        if let AnalyticsRecord::Proposal(p) = r
            && latest_proposals.get(p.id.as_str()).is_some_and(|l| std::ptr::eq(*l, p))
        {
            let row = proposal(p).map_err(|source| EncodeError { index, what: describe(r), source })?;
            rows.put(&tables::PROPOSALS, p.id.as_str().to_owned(), row);
        }
    }
    for d in &days {
        let row = d.row().map_err(|source| EncodeError {
            index: 0,
            what: format!("P&L of day {}", d.day),
            source,
        })?;
        rows.put(&tables::PNL_DAILY, d.day.to_string(), row);
    }
    Ok(rows)
}

fn describe(r: &AnalyticsRecord) -> String {
    match r {
        AnalyticsRecord::Order(o) => format!("order {}", o.request.client_order_id),
        AnalyticsRecord::Fill(f) => format!("fill {}/{}", f.fill.symbol, f.fill.trade_id),
        AnalyticsRecord::Decision(d) => format!("decision {}", d.id),
        AnalyticsRecord::Pnl(p) => format!("P&L at {}", p.ts),
        AnalyticsRecord::RiskEvent(e) => format!("risk event {}", e.id),
        AnalyticsRecord::Audit(a) => format!("audit entry {}", a.seq),
        AnalyticsRecord::BacktestRun(b) => format!("backtest run {}", b.id),
        AnalyticsRecord::Candle(c) => format!("candle {} {} at {}", c.symbol, c.interval, c.open_time),
        AnalyticsRecord::Proposal(p) => format!("proposal {}", p.id),
    }
}

fn status_rank(s: OrderStatus) -> u8 {
    match s {
        OrderStatus::New => 0,
        OrderStatus::PartiallyFilled => 1,
        _ => 2,
    }
}

/// True when `next` is an older state than `prev` (the same rule the MERGE applies).
fn moved_back(prev: &OrderRecord, next: &OrderRecord) -> bool {
    (next.updated_at, status_rank(next.status), next.filled_qty)
        < (prev.updated_at, status_rank(prev.status), prev.filled_qty)
}

/// PENDING, then APPROVED, then the final states (the rule of `tables::PROPOSALS`).
fn proposal_rank(s: ProposalStatus) -> u8 {
    match s {
        ProposalStatus::Pending => 0,
        ProposalStatus::Approved => 1,
        ProposalStatus::Rejected
        | ProposalStatus::Expired
        | ProposalStatus::Executed
        | ProposalStatus::Failed => 2,
    }
}

/// True when `next` is an older state than `prev` (the same rule the MERGE applies; `None`, not
/// decided yet, sorts first).
fn proposal_moved_back(prev: &ProposalRecord, next: &ProposalRecord) -> bool {
    (proposal_rank(next.status), next.decided_at) < (proposal_rank(prev.status), prev.decided_at)
}

fn fill(r: &FillRecord) -> Result<Vec<Literal>, LiteralError> {
    let f = &r.fill;
    let ledger = r.ledger.as_ref();
    Ok(vec![
        text(f.symbol.as_str())?,
        text(f.trade_id.as_str())?,
        text(f.client_order_id.as_str())?,
        text(f.side.as_str())?,
        decimal(f.qty.get())?,
        decimal(f.price.get())?,
        decimal(f.notional().get())?,
        decimal(f.fee.get())?,
        timestamp(f.ts)?,
        opt_integer(ledger.map(|l| l.seq)),
        opt_decimal(ledger.map(|l| l.realised_pnl.get()))?,
        opt_decimal(ledger.map(|l| l.position_qty.get()))?,
        opt_decimal(ledger.map(|l| l.position_cost.get()))?,
        opt_text(ledger.and_then(|l| l.trip.as_str()))?,
    ])
}

fn order(o: &OrderRecord) -> Result<Vec<Literal>, LiteralError> {
    let r = &o.request;
    let (kind, limit, tif) = match r.kind {
        OrderKind::Market => ("MARKET", None, None),
        OrderKind::Limit { price, time_in_force } => {
            // The serde spelling of the core type ("GTC", "IOC", "FOK").
            let tif = serde_json::to_value(time_in_force).ok().and_then(|v| v.as_str().map(str::to_owned));
            ("LIMIT", Some(price.get()), tif)
        }
    };
    Ok(vec![
        text(r.client_order_id.as_str())?,
        text(r.decision_id.as_str())?,
        text(r.symbol.as_str())?,
        text(r.side.as_str())?,
        text(kind)?,
        opt_decimal(limit)?,
        opt_text(tif.as_deref())?,
        decimal(r.qty.get())?,
        decimal(r.reference_price.get())?,
        timestamp(r.created_at)?,
        text(o.status.as_str())?,
        opt_integer(o.exchange_order_id),
        decimal(o.filled_qty.get())?,
        timestamp(o.updated_at)?,
    ])
}

fn decision(d: &Decision) -> Result<Vec<Literal>, LiteralError> {
    // Serialising plain strings cannot fail; an empty array is the honest fallback regardless.
    let citations = serde_json::to_string(&d.citations).unwrap_or_else(|_| "[]".into());
    let advisor = serde_json::to_string(&d.advisor).unwrap_or_else(|_| r#"{"kind":"rules"}"#.into());
    let (kind, model, fallback_reason) = match &d.advisor {
        AdviceSource::Rules => ("rules", None, None),
        AdviceSource::Model(m) => ("model", Some(m.model.as_str()), None),
        AdviceSource::Fallback(f) => ("fallback", Some(f.model.as_str()), Some(f.reason.as_str())),
    };
    let usage = d.advisor.usage();
    Ok(vec![
        text(d.id.as_str())?,
        timestamp(d.ts)?,
        text(d.symbol.as_str())?,
        text(&d.strategy)?,
        text(d.action.as_str())?,
        decimal(d.size_fraction)?,
        decimal(d.price.get())?,
        opt_decimal(d.stop_loss.map(|p| p.get()))?,
        opt_decimal(d.take_profit.map(|p| p.get()))?,
        decimal(d.confidence.get())?,
        text(&d.rationale)?,
        text(&citations)?,
        text(&advisor)?,
        text(kind)?,
        opt_text(model)?,
        opt_text(fallback_reason)?,
        opt_integer(usage.map(|u| u64::from(u.tokens_in))),
        opt_integer(usage.map(|u| u64::from(u.tokens_out))),
        opt_decimal(usage.map(|u| u.cost_usd))?,
        opt_integer(usage.map(|u| u.latency_ms)),
    ])
}

fn proposal(p: &ProposalRecord) -> Result<Vec<Literal>, LiteralError> {
    Ok(vec![
        text(p.id.as_str())?,
        text(p.decision_id.as_str())?,
        text(p.symbol.as_str())?,
        text(p.side.as_str())?,
        decimal(p.qty.get())?,
        decimal(p.confidence.get())?,
        text(p.status.as_str())?,
        timestamp(p.created_at)?,
        timestamp(p.expires_at)?,
        opt_text(p.decided_by.as_deref())?,
        p.decided_at.map_or(Ok(Literal::null()), timestamp)?,
        opt_text(p.reason.as_deref())?,
    ])
}

fn pnl(p: &PnlPoint) -> Result<Vec<Literal>, LiteralError> {
    Ok(vec![
        timestamp(p.ts)?,
        decimal(p.equity.get())?,
        decimal(p.cash.get())?,
        decimal(p.realised.get())?,
        decimal(p.unrealised.get())?,
    ])
}

fn risk_event(e: &RiskEventRecord) -> Result<Vec<Literal>, LiteralError> {
    Ok(vec![
        text(&e.id)?,
        timestamp(e.ts)?,
        opt_text(e.decision_id.as_ref().map(|d| d.as_str()))?,
        text(e.symbol.as_str())?,
        text(&e.gate)?,
        text(&e.reason)?,
    ])
}

fn audit(a: &AuditRecord) -> Result<Vec<Literal>, LiteralError> {
    Ok(vec![
        integer(a.seq),
        timestamp(a.ts)?,
        text(&a.kind)?,
        text(&a.actor)?,
        text(&a.payload_json)?,
        text(&a.prev_hash)?,
        text(&a.hash)?,
    ])
}

fn backtest(b: &BacktestRunRecord) -> Result<Vec<Literal>, LiteralError> {
    Ok(vec![
        text(&b.id)?,
        timestamp(b.created_at)?,
        text(&b.strategy)?,
        text(&b.params_json)?,
        text(&b.data_source)?,
        text(&b.metrics_json)?,
    ])
}

fn candle(c: &CandleRecord) -> Result<Vec<Literal>, LiteralError> {
    Ok(vec![
        text(c.symbol.as_str())?,
        text(&c.interval)?,
        timestamp(c.open_time)?,
        timestamp(c.close_time)?,
        decimal(c.open.get())?,
        decimal(c.high.get())?,
        decimal(c.low.get())?,
        decimal(c.close.get())?,
        decimal(c.volume.get())?,
        text(c.source.as_str())?,
    ])
}

/// The batch's snapshots of one UTC day.
struct Day {
    day: i64,
    open: PnlPoint,
    close: PnlPoint,
    high: mirai_core::Amount,
    low: mirai_core::Amount,
}

impl Day {
    fn new(day: i64, p: &PnlPoint) -> Self {
        Self { day, open: *p, close: *p, high: p.equity, low: p.equity }
    }

    /// Ties on time go to the later record, as in `PNL_INTRADAY`.
    fn add(&mut self, p: &PnlPoint) {
        if p.ts < self.open.ts {
            self.open = *p;
        }
        if p.ts >= self.close.ts {
            self.close = *p;
        }
        self.high = self.high.max(p.equity);
        self.low = self.low.min(p.equity);
    }

    fn row(&self) -> Result<Vec<Literal>, LiteralError> {
        let day_start = Timestamp::from_millis(self.day * mirai_core::time::MS_PER_DAY);
        let date = &day_start.to_iso8601()[..10];
        Ok(vec![
            text(date)?,
            timestamp(self.open.ts)?,
            decimal(self.open.equity.get())?,
            decimal(self.open.realised.get())?,
            timestamp(self.close.ts)?,
            decimal(self.close.equity.get())?,
            decimal(self.close.cash.get())?,
            decimal(self.close.realised.get())?,
            decimal(self.close.unrealised.get())?,
            decimal(self.high.get())?,
            decimal(self.low.get())?,
        ])
    }
}
