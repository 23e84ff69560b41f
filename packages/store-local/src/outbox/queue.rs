//! The queue's operations: enabling topics, taking the oldest entries, acknowledging, retrying,
//! parking what can never be shipped, and measuring the backlog.

use mirai_core::{AnalyticsRecord, Timestamp};
use rusqlite::{TransactionBehavior, params};
use serde::Serialize;

use super::OutboxTopic;
use super::resolve;
use crate::codec::{int_u64, opt_text, opt_u64, text, timestamp};
use crate::{LocalStore, Result, rows};

/// The wall clock in SQL, as the triggers stamp `queued_at`.
const NOW_MS: &str = "CAST(unixepoch('subsec') * 1000 AS INTEGER)";

/// One queued record, resolved from its row as that row is now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxEntry {
    pub seq: u64,
    pub topic: OutboxTopic,
    pub record: AnalyticsRecord,
    pub queued_at: Timestamp,
    /// Failed shipping attempts so far.
    pub attempts: u32,
}

/// How far behind a topic is.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct OutboxBacklog {
    /// Entries waiting to be shipped.
    pub pending: u64,
    /// Entries set aside because their destination refused them; see `last_error`.
    pub parked: u64,
    /// When the oldest waiting entry was queued (wall clock).
    pub oldest_queued_at: Option<Timestamp>,
    /// Failed attempts on the oldest waiting entry.
    pub oldest_attempts: u32,
    /// The oldest waiting entry's last error, else the latest parked entry's.
    pub last_error: Option<String>,
}

impl LocalStore {
    /// Sets the topics whose records are queued from now on (all others stop being queued;
    /// what is already queued stays). The worker calls it at start with the sinks it runs.
    pub fn enable_outbox(&self, topics: &[OutboxTopic]) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute("DELETE FROM outbox_topics", [])?;
        for t in topics {
            tx.execute("INSERT OR IGNORE INTO outbox_topics (topic) VALUES (?1)", [t.as_str()])?;
        }
        tx.commit()?;
        Ok(())
    }

    pub fn outbox_topics(&self) -> Result<Vec<OutboxTopic>> {
        rows::all(&self.conn(), "SELECT topic FROM outbox_topics ORDER BY topic", [], |row| {
            crate::codec::parse(row, 0, |s| OutboxTopic::parse(s).ok_or("not an outbox topic"))
        })
    }

    /// Queues a record the store keeps nowhere else (a backtest run) for every enabled topic
    /// that takes it; returns how many entries were queued. Records written through the
    /// store's other methods are queued by the store itself.
    pub fn enqueue(&self, record: &AnalyticsRecord) -> Result<usize> {
        let payload = serde_json::to_string(record)?;
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let topics: Vec<OutboxTopic> = rows::all(&tx, "SELECT topic FROM outbox_topics", [], |row| {
            crate::codec::parse(row, 0, |s| OutboxTopic::parse(s).ok_or("not an outbox topic"))
        })?;
        let mut queued = 0;
        for t in topics.into_iter().filter(|t| t.accepts(record)) {
            queued += tx.execute(
                &format!("INSERT INTO outbox (topic, source, payload, queued_at) VALUES (?1, 'inline', ?2, {NOW_MS})"),
                params![t.as_str(), payload],
            )?;
        }
        tx.commit()?;
        Ok(queued)
    }

    /// Up to `limit` of the oldest waiting entries of `topic`, oldest first. An entry that no
    /// longer resolves to a record (its row is gone or does not decode) is parked on the spot
    /// with the reason, so it cannot block the queue.
    pub fn outbox_next(&self, topic: OutboxTopic, limit: usize) -> Result<Vec<OutboxEntry>> {
        let conn = self.conn();
        let raw = rows::all(
            &conn,
            "SELECT seq, source, source_seq, payload, queued_at, attempts FROM outbox \
             WHERE topic = ?1 AND parked = 0 ORDER BY seq LIMIT ?2",
            params![topic.as_str(), rows::limit(limit)],
            |row| {
                Ok((
                    opt_u64(row, 0)?.unwrap_or(0),
                    text(row, 1)?,
                    opt_u64(row, 2)?,
                    opt_text(row, 3)?,
                    timestamp(row, 4)?,
                    opt_u64(row, 5)?.unwrap_or(0),
                ))
            },
        )?;
        let mut out = Vec::with_capacity(raw.len());
        for (seq, source, source_seq, payload, queued_at, attempts) in raw {
            match resolve::record(&conn, &source, source_seq, payload.as_deref()) {
                Ok(record) => out.push(OutboxEntry {
                    seq,
                    topic,
                    record,
                    queued_at,
                    attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
                }),
                Err(e) => {
                    tracing::error!(seq, %source, error = %e, "outbox entry does not resolve; parked");
                    park(&conn, &[seq], &format!("does not resolve to a record: {e}"))?;
                }
            }
        }
        Ok(out)
    }

    /// Removes entries their destination has confirmed.
    pub fn outbox_ack(&self, seqs: &[u64]) -> Result<usize> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let mut n = 0;
        for &seq in seqs {
            n += tx
                .prepare_cached("DELETE FROM outbox WHERE seq = ?1")?
                .execute([int_u64("outbox seq", seq)?])?;
        }
        tx.commit()?;
        Ok(n)
    }

    /// Records a failed attempt; the entries stay first in line.
    pub fn outbox_retry_later(&self, seqs: &[u64], error: &str) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        for &seq in seqs {
            tx.prepare_cached("UPDATE outbox SET attempts = attempts + 1, last_error = ?2 WHERE seq = ?1")?
                .execute(params![int_u64("outbox seq", seq)?, error])?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Sets entries aside: their destination refused them and will refuse them again. They
    /// stay in the table, counted in the backlog, until [`LocalStore::outbox_unpark`].
    pub fn outbox_park(&self, seqs: &[u64], error: &str) -> Result<()> {
        park(&self.conn(), seqs, error)
    }

    /// Puts every parked entry of `topic` back in line (after a fix); returns how many.
    pub fn outbox_unpark(&self, topic: OutboxTopic) -> Result<u64> {
        let n = self.conn().execute(
            "UPDATE outbox SET parked = 0, attempts = 0 WHERE topic = ?1 AND parked = 1",
            [topic.as_str()],
        )?;
        Ok(n as u64)
    }

    pub fn outbox_backlog(&self, topic: OutboxTopic) -> Result<OutboxBacklog> {
        let conn = self.conn();
        let counts = rows::first(
            &conn,
            "SELECT COALESCE(SUM(parked = 0), 0), COALESCE(SUM(parked = 1), 0) FROM outbox WHERE topic = ?1",
            [topic.as_str()],
            |row| Ok((opt_u64(row, 0)?.unwrap_or(0), opt_u64(row, 1)?.unwrap_or(0))),
        )?
        .unwrap_or((0, 0));
        let oldest = rows::first(
            &conn,
            "SELECT queued_at, attempts, last_error FROM outbox WHERE topic = ?1 AND parked = 0 \
             ORDER BY seq LIMIT 1",
            [topic.as_str()],
            |row| Ok((timestamp(row, 0)?, opt_u64(row, 1)?.unwrap_or(0), opt_text(row, 2)?)),
        )?;
        let parked_error = if oldest.as_ref().is_some_and(|o| o.2.is_some()) {
            None
        } else {
            rows::first(
                &conn,
                "SELECT last_error FROM outbox WHERE topic = ?1 AND parked = 1 ORDER BY seq DESC LIMIT 1",
                [topic.as_str()],
                |row| opt_text(row, 0),
            )?
            .flatten()
        };
        Ok(OutboxBacklog {
            pending: counts.0,
            parked: counts.1,
            oldest_queued_at: oldest.as_ref().map(|o| o.0),
            oldest_attempts: oldest.as_ref().map_or(0, |o| u32::try_from(o.1).unwrap_or(u32::MAX)),
            last_error: oldest.and_then(|o| o.2).or(parked_error),
        })
    }
}

fn park(conn: &rusqlite::Connection, seqs: &[u64], error: &str) -> Result<()> {
    for &seq in seqs {
        conn.prepare_cached(
            "UPDATE outbox SET parked = 1, attempts = attempts + 1, last_error = ?2 WHERE seq = ?1",
        )?
        .execute(params![int_u64("outbox seq", seq)?, error])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use mirai_core::{
        Amount, BacktestRunRecord, Decision, Fill, OrderKind, OrderRequest, OrderStatus, Position, Price,
        Qty, Side, TradeId,
    };
    use rust_decimal_macros::dec;

    use super::*;
    use crate::PnlSnapshot;

    fn decision(ms: i64) -> Decision {
        mirai_core::stubs::decision(ms)
    }

    fn order(d: &Decision) -> OrderRequest {
        OrderRequest {
            client_order_id: mirai_core::ClientOrderId::for_decision(&d.id, Side::Buy),
            decision_id: d.id.clone(),
            symbol: d.symbol,
            side: Side::Buy,
            kind: OrderKind::Market,
            qty: Qty::new(dec!(1)),
            reference_price: d.price,
            created_at: d.ts,
        }
    }

    fn fill(o: &OrderRequest, trade: &str) -> Fill {
        Fill {
            trade_id: TradeId::new(trade),
            client_order_id: o.client_order_id.clone(),
            symbol: o.symbol,
            side: Side::Buy,
            qty: Qty::new(dec!(1)),
            price: Price::new(dec!(100.5)),
            fee: Amount::new(dec!(0.1005)),
            ts: o.created_at,
        }
    }

    /// One of everything the trader writes, as it writes it.
    fn trade(store: &LocalStore, ms: i64) -> (Decision, OrderRequest, Fill) {
        let d = decision(ms);
        store.insert_decision(&d).unwrap();
        let o = order(&d);
        store.insert_order(&o, OrderStatus::New).unwrap();
        let f = fill(&o, &format!("paper-{ms}"));
        let mut p = Position::flat(f.symbol);
        p.apply(&f).unwrap();
        store.record_fill(&f, &p).unwrap();
        store
            .update_order(&o.client_order_id, OrderStatus::Filled, Some(7), Qty::new(dec!(1)), d.ts)
            .unwrap();
        store
            .insert_risk_event(d.ts, Some(&d.id), d.symbol, "max_trades_per_day", "50 trades today")
            .unwrap();
        let snap = PnlSnapshot {
            ts: d.ts,
            equity: Amount::new(dec!(10000)),
            cash: Amount::new(dec!(9899.3995)),
            realised: Amount::new(dec!(-0.1005)),
            unrealised: Amount::ZERO,
        };
        store.insert_pnl_snapshot(&snap).unwrap();
        store.append_audit(d.ts, "fill", "exchange", &serde_json::json!({"trade_id": f.trade_id})).unwrap();
        (d, o, f)
    }

    fn kinds(entries: &[OutboxEntry]) -> Vec<&'static str> {
        entries
            .iter()
            .map(|e| match &e.record {
                AnalyticsRecord::Decision(_) => "decision",
                AnalyticsRecord::Order(_) => "order",
                AnalyticsRecord::Fill(_) => "fill",
                AnalyticsRecord::RiskEvent(_) => "risk",
                AnalyticsRecord::Pnl(_) => "pnl",
                AnalyticsRecord::Audit(_) => "audit",
                AnalyticsRecord::BacktestRun(_) => "backtest",
                AnalyticsRecord::Candle(_) => "candle",
                AnalyticsRecord::Proposal(_) => "proposal",
            })
            .collect()
    }

    #[test]
    fn nothing_is_queued_until_a_topic_is_enabled() {
        let store = LocalStore::open_in_memory().unwrap();
        trade(&store, 1_000);
        assert!(store.outbox_next(OutboxTopic::Analytics, 100).unwrap().is_empty());
        assert_eq!(store.outbox_backlog(OutboxTopic::Analytics).unwrap(), OutboxBacklog::default());
    }

    #[test]
    fn every_write_is_queued_in_order_and_resolves_to_its_record() {
        let store = LocalStore::open_in_memory().unwrap();
        store.enable_outbox(&[OutboxTopic::Analytics, OutboxTopic::Rationales]).unwrap();
        assert_eq!(store.outbox_topics().unwrap(), OutboxTopic::ALL.to_vec());
        let (d, o, f) = trade(&store, 1_000);

        let a = store.outbox_next(OutboxTopic::Analytics, 100).unwrap();
        assert_eq!(kinds(&a), ["decision", "order", "fill", "order", "risk", "pnl", "audit"]);
        assert_eq!(a[0].record, AnalyticsRecord::Decision(d.clone()));
        // The fill carries the ledger's state after it: a buy realises minus its fee.
        let AnalyticsRecord::Fill(shipped) = &a[2].record else { panic!("{:?}", a[2].record) };
        assert_eq!(shipped.fill, f);
        let ledger = shipped.ledger.expect("the ledger after the fill");
        assert_eq!(
            (ledger.realised_pnl, ledger.position_qty, ledger.position_cost),
            (Amount::new(dec!(-0.1005)), Qty::new(dec!(1)), Amount::new(dec!(100.5)))
        );
        // Both order entries resolve to the row as it is now: its latest state.
        for e in [&a[1], &a[3]] {
            let AnalyticsRecord::Order(rec) = &e.record else { panic!("not an order") };
            assert_eq!((&rec.request, rec.status, rec.exchange_order_id), (&o, OrderStatus::Filled, Some(7)));
        }
        let AnalyticsRecord::RiskEvent(r) = &a[4].record else { panic!("not a risk event") };
        assert_eq!((r.id.as_str(), r.gate.as_str()), ("1", "max_trades_per_day"));
        let AnalyticsRecord::Audit(au) = &a[6].record else { panic!("not an audit entry") };
        assert_eq!(au.payload_json, r#"{"trade_id":"paper-1000"}"#);
        assert_eq!(au.hash, store.audit(1).unwrap()[0].hash);
        assert!(a.windows(2).all(|w| w[0].seq < w[1].seq));

        // The rationales topic takes decisions only.
        let r = store.outbox_next(OutboxTopic::Rationales, 100).unwrap();
        assert_eq!(kinds(&r), ["decision"]);

        // A replayed decision or re-delivered fill is not stored again, so not queued again.
        assert!(!store.insert_decision(&d).unwrap());
        assert_eq!(store.outbox_backlog(OutboxTopic::Analytics).unwrap().pending, 7);
    }

    #[test]
    fn ack_retry_park_and_unpark() {
        let store = LocalStore::open_in_memory().unwrap();
        store.enable_outbox(&[OutboxTopic::Analytics]).unwrap();
        trade(&store, 1_000);
        let a = store.outbox_next(OutboxTopic::Analytics, 3).unwrap();
        assert_eq!(a.len(), 3);
        store.outbox_retry_later(&[a[0].seq], "snowflake down").unwrap();
        let again = store.outbox_next(OutboxTopic::Analytics, 1).unwrap();
        assert_eq!((again[0].seq, again[0].attempts), (a[0].seq, 1));
        let b = store.outbox_backlog(OutboxTopic::Analytics).unwrap();
        assert_eq!((b.pending, b.oldest_attempts, b.last_error.as_deref()), (7, 1, Some("snowflake down")));
        assert!(b.oldest_queued_at.is_some());

        assert_eq!(store.outbox_ack(&[a[0].seq, a[1].seq]).unwrap(), 2);
        store.outbox_park(&[a[2].seq], "refused: bad value").unwrap();
        let b = store.outbox_backlog(OutboxTopic::Analytics).unwrap();
        assert_eq!((b.pending, b.parked, b.last_error.as_deref()), (4, 1, Some("refused: bad value")));
        assert!(store.outbox_next(OutboxTopic::Analytics, 100).unwrap().iter().all(|e| e.seq != a[2].seq));
        assert_eq!(store.outbox_unpark(OutboxTopic::Analytics).unwrap(), 1);
        assert_eq!(store.outbox_next(OutboxTopic::Analytics, 1).unwrap()[0].seq, a[2].seq);
    }

    #[test]
    fn inline_records_backfill_and_broken_entries() {
        let store = LocalStore::open_in_memory().unwrap();
        trade(&store, 1_000);
        store.enable_outbox(&[OutboxTopic::Rationales]).unwrap();
        let run = AnalyticsRecord::BacktestRun(BacktestRunRecord {
            id: "bt-1".into(),
            created_at: Timestamp::from_millis(5),
            strategy: "sma".into(),
            params_json: "{}".into(),
            data_source: "replay".into(),
            metrics_json: "{}".into(),
        });
        // Rationales do not take backtest runs.
        assert_eq!(store.enqueue(&run).unwrap(), 0);
        store.enable_outbox(&[OutboxTopic::Analytics]).unwrap();
        assert_eq!(store.enqueue(&run).unwrap(), 1);
        assert_eq!(store.outbox_next(OutboxTopic::Analytics, 10).unwrap()[0].record, run);

        // History written before the outbox was enabled.
        assert_eq!(store.outbox_backfill(OutboxTopic::Analytics).unwrap(), 6);
        assert_eq!(store.outbox_backlog(OutboxTopic::Analytics).unwrap().pending, 7);

        // An entry whose row is gone is parked on read instead of blocking the queue.
        store
            .conn()
            .execute("INSERT INTO outbox (topic, source, source_seq, queued_at) VALUES ('analytics', 'fills', 999, 0)", [])
            .unwrap();
        let all = store.outbox_next(OutboxTopic::Analytics, 100).unwrap();
        assert_eq!(all.len(), 7);
        let b = store.outbox_backlog(OutboxTopic::Analytics).unwrap();
        assert_eq!(b.parked, 1);
    }

    #[test]
    fn the_queue_survives_a_restart() {
        let dir = std::env::temp_dir().join(format!("mirai-outbox-reopen-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        {
            let store = LocalStore::open(&dir).unwrap();
            store.enable_outbox(&[OutboxTopic::Analytics]).unwrap();
            trade(&store, 1_000);
        }
        let store = LocalStore::open(&dir).unwrap();
        assert_eq!(store.outbox_backlog(OutboxTopic::Analytics).unwrap().pending, 7);
        assert_eq!(store.outbox_topics().unwrap(), [OutboxTopic::Analytics]);
        drop(store);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
