//! Proposals: risk-approved orders held for a person's approval. Every change of status is a
//! compare-and-set (`WHERE status IN (...)`) in one transaction with its audit entry, so two
//! people approving at once, or an approval racing the expiry, can move a proposal only once.

use mirai_core::{AuditEvent, ClientOrderId, Confidence, DecisionId, Proposal, ProposalStatus, Timestamp};
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::codec::{opt_text, parse, text, timestamp};
use crate::{LocalStore, Result, StoreError, audit, rows};

macro_rules! columns {
    () => {
        "id, decision_id, request, confidence, status, created_at, expires_at, decided_by, decided_at, reason"
    };
}

/// The columns [`decode`] reads, in its order (for the outbox's resolver).
pub(crate) const COLUMNS: &str = columns!();

impl LocalStore {
    /// A new PENDING proposal and its audit entry (by the engine).
    pub fn journal_proposal(&self, now: Timestamp, p: &Proposal) -> Result<()> {
        let request = serde_json::to_string(&p.order)?;
        self.in_transaction(|tx| {
            tx.prepare_cached(concat!(
                "INSERT INTO proposals (",
                columns!(),
                ", symbol, side) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
            ))?
            .execute(params![
                p.id.as_str(),
                p.decision_id.as_str(),
                request,
                p.confidence.get().to_string(),
                p.status.as_str(),
                p.created_at.millis(),
                p.expires_at.millis(),
                p.decided_by,
                p.decided_at.map(|t| t.millis()),
                p.reason,
                p.order.symbol.as_str(),
                p.order.side.as_str(),
            ])?;
            let event = AuditEvent::Proposal {
                client_order_id: p.id.clone(),
                status: p.status,
                reason: p.reason.clone(),
                by: "engine".into(),
            };
            audit::record(tx, now, &event).map(|_| ())
        })
    }

    /// The proposal for order `id`.
    pub fn proposal(&self, id: &ClientOrderId) -> Result<Option<Proposal>> {
        proposal(&self.conn(), id)
    }

    /// The latest `limit` proposals, newest first, of `status` if given.
    pub fn proposals(&self, status: Option<ProposalStatus>, limit: usize) -> Result<Vec<Proposal>> {
        rows::all(
            &self.conn(),
            concat!(
                "SELECT ",
                columns!(),
                " FROM proposals WHERE ?1 IS NULL OR status = ?1 ORDER BY created_at DESC, seq DESC LIMIT ?2"
            ),
            params![status.map(ProposalStatus::as_str), rows::limit(limit)],
            decode,
        )
    }

    /// Moves proposal `id` from one of `from` to `to`, recording who and why, with its audit
    /// entry. `None` (and nothing written) when it is not in one of `from` any more.
    pub fn transition_proposal(
        &self,
        id: &ClientOrderId,
        from: &[ProposalStatus],
        to: ProposalStatus,
        by: &str,
        reason: Option<&str>,
        at: Timestamp,
    ) -> Result<Option<Proposal>> {
        let allowed: Vec<&str> = from.iter().map(|s| s.as_str()).collect();
        let allowed = serde_json::to_string(&allowed)?;
        self.in_transaction(|tx| {
            let n = tx
                .prepare_cached(
                    "UPDATE proposals SET status = ?2, decided_by = COALESCE(?3, decided_by), \
                     decided_at = ?4, reason = COALESCE(?5, reason) \
                     WHERE id = ?1 AND status IN (SELECT value FROM json_each(?6))",
                )?
                .execute(params![id.as_str(), to.as_str(), person(by), at.millis(), reason, allowed])?;
            if n == 0 {
                return Ok(None);
            }
            let event = AuditEvent::Proposal {
                client_order_id: id.clone(),
                status: to,
                reason: reason.map(str::to_owned),
                by: by.to_owned(),
            };
            audit::record(tx, at, &event)?;
            proposal(tx, id)
        })
    }

    /// Marks every PENDING proposal due by `now` EXPIRED (by the system) and returns them.
    pub fn expire_proposals(&self, now: Timestamp) -> Result<Vec<Proposal>> {
        let due: Vec<Proposal> = rows::all(
            &self.conn(),
            concat!("SELECT ", columns!(), " FROM proposals WHERE status = 'PENDING' AND expires_at <= ?1"),
            [now.millis()],
            decode,
        )?;
        let mut expired = Vec::new();
        for p in due {
            let why = "not approved in time";
            if let Some(p) = self.transition_proposal(
                &p.id,
                &[ProposalStatus::Pending],
                ProposalStatus::Expired,
                "system",
                Some(why),
                now,
            )? {
                expired.push(p);
            }
        }
        Ok(expired)
    }
}

/// `decided_by` names a person; the system's own moves (expiry, execution) keep who decided.
fn person(by: &str) -> Option<&str> {
    (by != "system" && by != "engine").then_some(by)
}

fn proposal(conn: &Connection, id: &ClientOrderId) -> Result<Option<Proposal>> {
    conn.prepare_cached(concat!("SELECT ", columns!(), " FROM proposals WHERE id = ?1"))?
        .query_row([id.as_str()], |row| Ok(decode(row)))
        .optional()?
        .transpose()
}

pub(crate) fn decode(row: &Row<'_>) -> Result<Proposal> {
    let order = parse(row, 2, |s| serde_json::from_str(s))?;
    Ok(Proposal {
        id: parse(row, 0, ClientOrderId::new_checked)?,
        decision_id: DecisionId::from_stored(text(row, 1)?),
        order,
        confidence: parse(row, 3, Confidence::parse)?,
        status: parse(row, 4, |s| ProposalStatus::parse(s).ok_or("unknown status"))?,
        created_at: timestamp(row, 5)?,
        expires_at: timestamp(row, 6)?,
        decided_by: opt_text(row, 7)?,
        decided_at: row.get::<_, Option<i64>>(8).map_err(StoreError::from)?.map(Timestamp::from_millis),
        reason: opt_text(row, 9)?,
    })
}
