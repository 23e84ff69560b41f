//! The audit log: append-only and hash-chained, so any later edit, deletion or reordering of an
//! entry is detectable by [`LocalStore::verify_audit`].
//!
//! Entry `seq` (1, 2, 3, ...) stores `hash = hex(sha256(M))`, where `M` is, in order:
//! `prev_hash` (64 ASCII hex digits; 64 zeros for seq 1), `seq` as 8 bytes big-endian, `ts` in
//! milliseconds as 8 bytes big-endian two's complement, then `kind`, `actor` and the canonical
//! payload JSON, each as its UTF-8 length in 8 bytes big-endian followed by its bytes. The fixed
//! widths and length prefixes make the encoding unambiguous ("ab"+"c" never equals "a"+"bc").
//! Removing entries from the end is not detectable from the log alone; anchor the latest hash
//! elsewhere (Snowflake) for that.

use mirai_core::{AuditEvent, Timestamp};
use rusqlite::{Connection, Row, TransactionBehavior, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::codec::{int_u64, opt_u64, text, timestamp};
use crate::{LocalStore, Result, StoreError, canonical_json, rows};

/// The `prev_hash` of the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: u64,
    pub ts: Timestamp,
    /// What happened: "decision", "order", "fill", "mode_change", "login", ...
    pub kind: String,
    /// Who did it: "engine", "risk", or a user name.
    pub actor: String,
    pub payload: serde_json::Value,
    pub prev_hash: String,
    pub hash: String,
}

/// The hash of one entry, as described in the module documentation. Public so that other
/// copies of the log (Snowflake) can be verified with the same rule.
pub fn audit_hash(
    prev_hash: &str,
    seq: u64,
    ts: Timestamp,
    kind: &str,
    actor: &str,
    canonical_payload: &str,
) -> String {
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(seq.to_be_bytes());
    h.update(ts.millis().to_be_bytes());
    for field in [kind, actor, canonical_payload] {
        h.update((field.len() as u64).to_be_bytes());
        h.update(field.as_bytes());
    }
    hex::encode(h.finalize())
}

impl LocalStore {
    /// Appends an event after the current last entry and returns the entry with its hash.
    #[tracing::instrument(name = "audit.record", level = "debug", skip_all, fields(kind = event.kind()))]
    pub fn record(&self, ts: Timestamp, event: &AuditEvent) -> Result<AuditEntry> {
        let mut conn = self.conn();
        // IMMEDIATE: reading the head and appending after it must not interleave with another
        // writer, or two entries would claim the same predecessor.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let entry = record(&tx, ts, event)?;
        tx.commit()?;
        Ok(entry)
    }

    /// Appends an entry of any kind, actor and payload: the raw form under [`LocalStore::record`],
    /// for tools and for tests of the chain itself. The worker records typed events.
    pub fn append_audit(
        &self,
        ts: Timestamp,
        kind: &str,
        actor: &str,
        payload: &serde_json::Value,
    ) -> Result<AuditEntry> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let entry = append(&tx, ts, kind, actor, payload)?;
        tx.commit()?;
        Ok(entry)
    }

    /// The latest `limit` entries, newest first.
    pub fn audit(&self, limit: usize) -> Result<Vec<AuditEntry>> {
        rows::all(
            &self.conn(),
            "SELECT seq, ts, kind, actor, payload, prev_hash, hash FROM audit_log \
             ORDER BY seq DESC LIMIT ?1",
            [rows::limit(limit)],
            decode,
        )
    }

    /// Entries after seq `after`, oldest first, of the given kinds only, at most `limit`: for a
    /// follower of the log (the alerter) that remembers the last seq it saw. Entries become
    /// visible in seq order (each is appended in an IMMEDIATE transaction), so none is skipped.
    pub fn audit_after(&self, after: u64, kinds: &[&str], limit: usize) -> Result<Vec<AuditEntry>> {
        let kinds = serde_json::to_string(kinds)?;
        rows::all(
            &self.conn(),
            "SELECT seq, ts, kind, actor, payload, prev_hash, hash FROM audit_log \
             WHERE seq > ?1 AND kind IN (SELECT value FROM json_each(?2)) ORDER BY seq LIMIT ?3",
            params![int_u64("audit seq", after)?, kinds, rows::limit(limit)],
            decode,
        )
    }

    /// A page of the log, newest first: at most `limit` entries with a seq below `before` (all
    /// when `None`).
    pub fn audit_page(&self, before: Option<u64>, limit: usize) -> Result<Vec<AuditEntry>> {
        let before = match before {
            Some(seq) => int_u64("audit seq", seq)?,
            None => i64::MAX,
        };
        rows::all(
            &self.conn(),
            "SELECT seq, ts, kind, actor, payload, prev_hash, hash FROM audit_log \
             WHERE seq < ?1 ORDER BY seq DESC LIMIT ?2",
            params![before, rows::limit(limit)],
            decode,
        )
    }

    /// Walks the whole log from seq 1 and checks that the sequence has no gaps, that each entry
    /// names its predecessor's hash, and that each hash matches the entry's content. Returns the
    /// number of entries checked, or `StoreError::AuditBroken` naming the first bad seq.
    pub fn verify_audit(&self) -> Result<u64> {
        self.verify_audit_after(0, GENESIS_HASH).map(|(seq, _)| seq)
    }

    /// Checks the log from entry `seq` on, as [`LocalStore::verify_audit`] does from the start:
    /// entry `seq` must still be there with `hash` and its own content (seq 0 is the start, with
    /// [`GENESIS_HASH`]), and every later entry must follow on from it. Returns the last entry's
    /// seq and hash, from which the next call can go on: a reader that keeps them checks only the
    /// entries appended since (an entry before `seq` changed meanwhile is caught by the next
    /// check from the start).
    pub fn verify_audit_after(&self, seq: u64, hash: &str) -> Result<(u64, String)> {
        let conn = self.conn();
        if seq > 0 {
            let anchor = rows::first(
                &conn,
                "SELECT seq, ts, kind, actor, payload, prev_hash, hash FROM audit_log WHERE seq = ?1",
                [int_u64("audit seq", seq)?],
                |row| {
                    let content = (timestamp(row, 1)?, text(row, 2)?, text(row, 3)?, text(row, 4)?);
                    Ok((content, text(row, 5)?, text(row, 6)?))
                },
            )?;
            let Some(((ts, kind, actor, payload), prev_hash, stored)) = anchor else {
                return Err(StoreError::AuditBroken { seq, why: "entry missing".to_owned() });
            };
            if stored != hash || audit_hash(&prev_hash, seq, ts, &kind, &actor, &payload) != hash {
                return Err(StoreError::AuditBroken {
                    seq,
                    why: "content does not match its hash".to_owned(),
                });
            }
        }
        let mut stmt = conn.prepare_cached(
            "SELECT seq, ts, kind, actor, payload, prev_hash, hash FROM audit_log WHERE seq > ?1 ORDER BY seq",
        )?;
        let mut rows = stmt.query([int_u64("audit seq", seq)?])?;
        let mut expected_prev = hash.to_owned();
        let mut checked = seq;
        while let Some(row) = rows.next()? {
            let want_seq = checked + 1;
            let seq = opt_u64(row, 0)?.unwrap_or(0);
            if seq != want_seq {
                return Err(StoreError::AuditBroken {
                    seq: want_seq,
                    why: format!("entry missing: the next stored entry is seq {seq}"),
                });
            }
            // The stored payload text is hashed as is: it is exactly what was hashed on append,
            // and any change to it, even one JSON would consider equal, is a change.
            let (ts, kind, actor, payload) =
                (timestamp(row, 1)?, text(row, 2)?, text(row, 3)?, text(row, 4)?);
            let (prev_hash, hash) = (text(row, 5)?, text(row, 6)?);
            if prev_hash != expected_prev {
                return Err(StoreError::AuditBroken {
                    seq,
                    why: "prev_hash does not match the previous entry's hash".to_owned(),
                });
            }
            if audit_hash(&prev_hash, seq, ts, &kind, &actor, &payload) != hash {
                return Err(StoreError::AuditBroken {
                    seq,
                    why: "content does not match its hash".to_owned(),
                });
            }
            expected_prev = hash;
            checked = want_seq;
        }
        Ok((checked, expected_prev))
    }
}

/// Appends an entry inside the caller's transaction, which must be IMMEDIATE (see
/// [`LocalStore::record`]).
pub(crate) fn append(
    tx: &Connection,
    ts: Timestamp,
    kind: &str,
    actor: &str,
    payload: &serde_json::Value,
) -> Result<AuditEntry> {
    let canonical = canonical_json(payload);
    let head = rows::first(tx, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1", [], |row| {
        Ok((opt_u64(row, 0)?.unwrap_or(0), text(row, 1)?))
    })?;
    let (prev_seq, prev_hash) = head.unwrap_or_else(|| (0, GENESIS_HASH.to_owned()));
    let seq = prev_seq + 1;
    let hash = audit_hash(&prev_hash, seq, ts, kind, actor, &canonical);
    tx.prepare_cached(
        "INSERT INTO audit_log (seq, ts, kind, actor, payload, prev_hash, hash) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        int_u64("audit seq", seq)?,
        ts.millis(),
        kind,
        actor,
        canonical,
        prev_hash,
        hash
    ])?;
    Ok(AuditEntry {
        seq,
        ts,
        kind: kind.to_owned(),
        actor: actor.to_owned(),
        payload: payload.clone(),
        prev_hash,
        hash,
    })
}

/// Records a typed event inside the caller's transaction.
pub(crate) fn record(tx: &Connection, ts: Timestamp, event: &AuditEvent) -> Result<AuditEntry> {
    let payload = serde_json::to_value(event)?;
    append(tx, ts, event.kind(), event.actor(), &payload)
}

fn decode(row: &Row<'_>) -> Result<AuditEntry> {
    Ok(AuditEntry {
        seq: opt_u64(row, 0)?.unwrap_or(0),
        ts: timestamp(row, 1)?,
        kind: text(row, 2)?,
        actor: text(row, 3)?,
        payload: crate::codec::parse(row, 4, |s| serde_json::from_str(s))?,
        prev_hash: text(row, 5)?,
        hash: text(row, 6)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_sha256_of_the_documented_encoding() {
        // Recomputed by hand from the module documentation, so the rule cannot drift silently.
        let mut m = Vec::new();
        m.extend_from_slice(GENESIS_HASH.as_bytes());
        m.extend_from_slice(&1u64.to_be_bytes());
        m.extend_from_slice(&5i64.to_be_bytes());
        for f in ["login", "alice", "{}"] {
            m.extend_from_slice(&(f.len() as u64).to_be_bytes());
            m.extend_from_slice(f.as_bytes());
        }
        let expected = hex::encode(Sha256::digest(&m));
        let got = audit_hash(GENESIS_HASH, 1, Timestamp::from_millis(5), "login", "alice", "{}");
        assert_eq!(got, expected);
        assert_eq!(got.len(), 64);
    }

    #[test]
    fn followers_read_the_kinds_they_ask_for_after_their_last_seq() {
        let store = LocalStore::open_in_memory().unwrap();
        let ts = Timestamp::from_millis(1);
        for (kind, actor) in
            [("decision", "engine"), ("control", "alice"), ("login", "anonymous"), ("control", "bob")]
        {
            store.append_audit(ts, kind, actor, &serde_json::json!({})).unwrap();
        }
        let seen = |after, kinds: &[&str], limit| -> Vec<(u64, String)> {
            store.audit_after(after, kinds, limit).unwrap().into_iter().map(|e| (e.seq, e.actor)).collect()
        };
        assert_eq!(
            seen(0, &["control", "login"], 10),
            [(2, "alice".into()), (3, "anonymous".into()), (4, "bob".into())]
        );
        assert_eq!(seen(2, &["control"], 10), [(4, "bob".into())]);
        assert_eq!(seen(0, &["control"], 1), [(2, "alice".into())], "oldest first, limited");
        assert!(seen(4, &["control"], 10).is_empty());
    }

    #[test]
    fn pages_go_back_by_seq_and_a_check_goes_on_from_where_the_last_ended() {
        let store = LocalStore::open_in_memory().unwrap();
        let ts = Timestamp::from_millis(1);
        for i in 0..5 {
            store.append_audit(ts, "order", "engine", &serde_json::json!({ "n": i })).unwrap();
        }
        let seqs = |before, limit| -> Vec<u64> {
            store.audit_page(before, limit).unwrap().into_iter().map(|e| e.seq).collect()
        };
        assert_eq!(seqs(None, 2), [5, 4]);
        assert_eq!(seqs(Some(4), 2), [3, 2]);
        assert_eq!(seqs(Some(2), 10), [1]);
        assert!(seqs(Some(1), 10).is_empty());

        let (seq, hash) = store.verify_audit_after(0, GENESIS_HASH).unwrap();
        assert_eq!(seq, 5);
        assert_eq!(store.verify_audit_after(seq, &hash).unwrap(), (seq, hash.clone()), "nothing new");
        store.append_audit(ts, "order", "engine", &serde_json::json!({ "n": 5 })).unwrap();
        let (next, _) = store.verify_audit_after(seq, &hash).unwrap();
        assert_eq!(next, 6);
        assert!(matches!(
            store.verify_audit_after(seq, &GENESIS_HASH.replace('0', "1")),
            Err(StoreError::AuditBroken { seq: 5, .. })
        ));
        assert!(matches!(store.verify_audit_after(9, &hash), Err(StoreError::AuditBroken { seq: 9, .. })));
    }

    #[test]
    fn field_boundaries_matter() {
        let ts = Timestamp::from_millis(0);
        assert_ne!(
            audit_hash(GENESIS_HASH, 1, ts, "ab", "c", "{}"),
            audit_hash(GENESIS_HASH, 1, ts, "a", "bc", "{}")
        );
    }
}
