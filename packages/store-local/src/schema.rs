//! The schema and its versioned migrations, tracked in `PRAGMA user_version`.
//!
//! Tables are STRICT so SQLite itself refuses a float in a money column: decimals live in TEXT,
//! times in INTEGER milliseconds UTC. Each table has an INTEGER PRIMARY KEY `seq` (its rowid);
//! rows are never deleted, so `seq` is insertion order and breaks ties between equal times. (The
//! `users` table, keyed by name, is the exception: a removed user's row goes.)

use rusqlite::{Connection, Transaction, TransactionBehavior};

use crate::{Result, StoreError};

/// Migration `i` takes the database from version `i` to `i + 1`. Append only; never edit one
/// that has shipped.
const MIGRATIONS: &[&str] = &[V1, V2, V3, V4, V5, V6];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

const V1: &str = r#"
CREATE TABLE decisions (
    seq           INTEGER PRIMARY KEY,
    id            TEXT    NOT NULL UNIQUE,
    ts            INTEGER NOT NULL,
    symbol        TEXT    NOT NULL,
    strategy      TEXT    NOT NULL,
    action        TEXT    NOT NULL,
    size_fraction TEXT    NOT NULL,
    price         TEXT    NOT NULL,
    stop_loss     TEXT,
    take_profit   TEXT,
    confidence    TEXT    NOT NULL,
    rationale     TEXT    NOT NULL,
    citations     TEXT    NOT NULL  -- JSON array
) STRICT;
CREATE INDEX decisions_by_ts ON decisions (ts);

CREATE TABLE orders (
    seq               INTEGER PRIMARY KEY,
    client_order_id   TEXT    NOT NULL UNIQUE,
    decision_id       TEXT    NOT NULL,
    symbol            TEXT    NOT NULL,
    side              TEXT    NOT NULL,
    kind              TEXT    NOT NULL,  -- MARKET | LIMIT
    limit_price       TEXT,
    time_in_force     TEXT,
    qty               TEXT    NOT NULL,
    reference_price   TEXT    NOT NULL,
    created_at        INTEGER NOT NULL,
    status            TEXT    NOT NULL,
    exchange_order_id INTEGER,
    filled_qty        TEXT    NOT NULL,
    updated_at        INTEGER NOT NULL
) STRICT;
CREATE INDEX orders_by_created_at ON orders (created_at);
CREATE INDEX orders_open ON orders (status) WHERE status IN ('NEW', 'PARTIALLY_FILLED');

-- Keyed by (symbol, trade_id), not trade_id alone: Binance numbers trades per symbol, so two
-- symbols can share a trade id, while a re-delivered fill always repeats both.
CREATE TABLE fills (
    seq             INTEGER PRIMARY KEY,
    trade_id        TEXT    NOT NULL,
    client_order_id TEXT    NOT NULL,
    symbol          TEXT    NOT NULL,
    side            TEXT    NOT NULL,
    qty             TEXT    NOT NULL,
    price           TEXT    NOT NULL,
    fee             TEXT    NOT NULL,
    ts              INTEGER NOT NULL,
    UNIQUE (symbol, trade_id)
) STRICT;
CREATE INDEX fills_by_ts ON fills (ts);

CREATE TABLE positions (
    symbol       TEXT    PRIMARY KEY,
    qty          TEXT    NOT NULL,
    cost         TEXT    NOT NULL,
    realised_pnl TEXT    NOT NULL,
    fees         TEXT    NOT NULL,
    updated_at   INTEGER NOT NULL
) STRICT;

CREATE TABLE risk_events (
    seq         INTEGER PRIMARY KEY,
    ts          INTEGER NOT NULL,
    decision_id TEXT,
    symbol      TEXT    NOT NULL,
    gate        TEXT    NOT NULL,
    reason      TEXT    NOT NULL
) STRICT;
CREATE INDEX risk_events_by_ts ON risk_events (ts);

CREATE TABLE pnl_snapshots (
    seq        INTEGER PRIMARY KEY,
    ts         INTEGER NOT NULL,
    equity     TEXT    NOT NULL,
    cash       TEXT    NOT NULL,
    realised   TEXT    NOT NULL,
    unrealised TEXT    NOT NULL
) STRICT;
CREATE INDEX pnl_snapshots_by_ts ON pnl_snapshots (ts);

-- seq is assigned by the writer (previous + 1) because it is part of the hashed content.
CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY CHECK (seq >= 1),
    ts        INTEGER NOT NULL,
    kind      TEXT    NOT NULL,
    actor     TEXT    NOT NULL,
    payload   TEXT    NOT NULL,  -- canonical JSON, exactly the bytes that were hashed
    prev_hash TEXT    NOT NULL,
    hash      TEXT    NOT NULL UNIQUE
) STRICT;

CREATE TABLE kv (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;
"#;

/// The outbox: records on their way to Snowflake and Milvus. Triggers queue a
/// reference to every new row (and every order update) for each enabled topic, inside the
/// transaction that writes the row, so nothing committed can miss the queue and nothing queued
/// can lack its row. The shipper reads the row as it is when shipping: an order ships its latest
/// state. Records with no local table (backtest runs) are queued `inline` with their JSON.
const V2: &str = r#"
-- The topics being shipped, replaced by the worker at each start (LocalStore::enable_outbox).
CREATE TABLE outbox_topics (
    topic TEXT PRIMARY KEY CHECK (topic IN ('analytics', 'rationales'))
) STRICT;

CREATE TABLE outbox (
    seq        INTEGER PRIMARY KEY,
    topic      TEXT    NOT NULL,
    source     TEXT    NOT NULL,  -- decisions | orders | fills | risk_events | pnl_snapshots | audit_log | inline
    source_seq INTEGER,           -- the row's seq in `source`
    payload    TEXT,              -- JSON of the record, for `inline` only
    queued_at  INTEGER NOT NULL,  -- wall-clock milliseconds, for lag
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    parked     INTEGER NOT NULL DEFAULT 0 CHECK (parked IN (0, 1)),
    CHECK ((source = 'inline') = (payload IS NOT NULL)),
    CHECK ((source = 'inline') = (source_seq IS NULL))
) STRICT;
CREATE INDEX outbox_next ON outbox (topic, parked, seq);

CREATE TRIGGER outbox_decisions AFTER INSERT ON decisions BEGIN
    INSERT INTO outbox (topic, source, source_seq, queued_at)
    SELECT topic, 'decisions', NEW.seq, CAST(unixepoch('subsec') * 1000 AS INTEGER) FROM outbox_topics;
END;
CREATE TRIGGER outbox_orders_new AFTER INSERT ON orders BEGIN
    INSERT INTO outbox (topic, source, source_seq, queued_at)
    SELECT topic, 'orders', NEW.seq, CAST(unixepoch('subsec') * 1000 AS INTEGER) FROM outbox_topics
    WHERE topic = 'analytics';
END;
CREATE TRIGGER outbox_orders_update AFTER UPDATE ON orders BEGIN
    INSERT INTO outbox (topic, source, source_seq, queued_at)
    SELECT topic, 'orders', NEW.seq, CAST(unixepoch('subsec') * 1000 AS INTEGER) FROM outbox_topics
    WHERE topic = 'analytics';
END;
CREATE TRIGGER outbox_fills AFTER INSERT ON fills BEGIN
    INSERT INTO outbox (topic, source, source_seq, queued_at)
    SELECT topic, 'fills', NEW.seq, CAST(unixepoch('subsec') * 1000 AS INTEGER) FROM outbox_topics
    WHERE topic = 'analytics';
END;
CREATE TRIGGER outbox_risk_events AFTER INSERT ON risk_events BEGIN
    INSERT INTO outbox (topic, source, source_seq, queued_at)
    SELECT topic, 'risk_events', NEW.seq, CAST(unixepoch('subsec') * 1000 AS INTEGER) FROM outbox_topics
    WHERE topic = 'analytics';
END;
CREATE TRIGGER outbox_pnl_snapshots AFTER INSERT ON pnl_snapshots BEGIN
    INSERT INTO outbox (topic, source, source_seq, queued_at)
    SELECT topic, 'pnl_snapshots', NEW.seq, CAST(unixepoch('subsec') * 1000 AS INTEGER) FROM outbox_topics
    WHERE topic = 'analytics';
END;
CREATE TRIGGER outbox_audit_log AFTER INSERT ON audit_log BEGIN
    INSERT INTO outbox (topic, source, source_seq, queued_at)
    SELECT topic, 'audit_log', NEW.seq, CAST(unixepoch('subsec') * 1000 AS INTEGER) FROM outbox_topics
    WHERE topic = 'analytics';
END;
"#;

/// Who advised each decision (the rules, a model, or the rules after a model's answer could not
/// be used, with the reason), as JSON; decisions stored before read as the rules'.
const V3: &str = r#"
ALTER TABLE decisions ADD COLUMN advisor TEXT NOT NULL DEFAULT '{"kind":"rules"}';
"#;

/// Orders held for a person's approval (approval modes `semi` and `advisor`); times are the wall
/// clock's. The order itself is kept as JSON: it is read back whole, never queried by its parts.
const V4: &str = r#"
CREATE TABLE proposals (
    seq         INTEGER PRIMARY KEY,
    id          TEXT    NOT NULL UNIQUE,
    decision_id TEXT    NOT NULL,
    symbol      TEXT    NOT NULL,
    side        TEXT    NOT NULL,
    request     TEXT    NOT NULL,
    confidence  TEXT    NOT NULL,
    status      TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    decided_by  TEXT,
    decided_at  INTEGER,
    reason      TEXT
) STRICT;
CREATE INDEX proposals_by_status ON proposals (status, expires_at);
"#;

/// What analysts need beside the trades (docs/analytics.md): the ledger's state after each fill
/// (its realised P&L net of its fee, and the holding and cost basis it left; empty for fills
/// recorded before, filled in at open by replaying the ledger), every closed candle the worker
/// traded on, and proposals shipped as they are decided.
const V5: &str = r#"
ALTER TABLE fills ADD COLUMN realised_pnl TEXT;
ALTER TABLE fills ADD COLUMN position_qty TEXT;
ALTER TABLE fills ADD COLUMN position_cost TEXT;
ALTER TABLE fills ADD COLUMN trip TEXT CHECK (trip IN ('open', 'close'));

CREATE TABLE candles (
    seq        INTEGER PRIMARY KEY,
    symbol     TEXT    NOT NULL,
    interval   TEXT    NOT NULL,
    open_time  INTEGER NOT NULL,
    close_time INTEGER NOT NULL,
    open       TEXT    NOT NULL,
    high       TEXT    NOT NULL,
    low        TEXT    NOT NULL,
    close      TEXT    NOT NULL,
    volume     TEXT    NOT NULL,
    source     TEXT    NOT NULL CHECK (source IN ('replay', 'binance', 'venue')),
    UNIQUE (symbol, interval, open_time)
) STRICT;
CREATE INDEX candles_by_close ON candles (close_time);
CREATE TRIGGER outbox_candles AFTER INSERT ON candles BEGIN
    INSERT INTO outbox (topic, source, source_seq, queued_at)
    SELECT topic, 'candles', NEW.seq, CAST(unixepoch('subsec') * 1000 AS INTEGER) FROM outbox_topics
    WHERE topic = 'analytics';
END;

CREATE TRIGGER outbox_proposals_new AFTER INSERT ON proposals BEGIN
    INSERT INTO outbox (topic, source, source_seq, queued_at)
    SELECT topic, 'proposals', NEW.seq, CAST(unixepoch('subsec') * 1000 AS INTEGER) FROM outbox_topics
    WHERE topic = 'analytics';
END;
CREATE TRIGGER outbox_proposals_update AFTER UPDATE ON proposals BEGIN
    INSERT INTO outbox (topic, source, source_seq, queued_at)
    SELECT topic, 'proposals', NEW.seq, CAST(unixepoch('subsec') * 1000 AS INTEGER) FROM outbox_topics
    WHERE topic = 'analytics';
END;
"#;

/// Dashboard users (`users.rs`): hashes only (an argon2id PHC string or nothing), never shipped
/// (no outbox trigger). Unlike the ledger's tables, a removed user's row is deleted; the audit log
/// keeps the history. (`IF NOT EXISTS`: a file taken back to an older version by hand keeps it.)
const V6: &str = r#"
CREATE TABLE IF NOT EXISTS users (
    name          TEXT    PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 64),
    role          TEXT    NOT NULL CHECK (role IN ('viewer', 'trader', 'admin')),
    password_hash TEXT    NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    generation    INTEGER NOT NULL CHECK (generation >= 1)
) STRICT;
"#;

/// The audit log's append-only guards. Run after every open, not only by V1, so that a trigger
/// dropped by hand (to "fix" a row) comes back at the next start; the tampering it allowed is
/// then caught by `verify_audit`.
const AUDIT_GUARDS: &str = r#"
CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused');
END;
CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused');
END;
"#;

/// Brings the database to `SCHEMA_VERSION`, or refuses one from a newer build.
pub(crate) fn migrate(conn: &mut Connection, location: &str) -> Result<()> {
    // IMMEDIATE so that two processes opening a fresh file at once cannot both run V1.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found: i64 = tx.pragma_query_value(None, "user_version", |row| row.get(0))?;
    apply(&tx, MIGRATIONS, location, "local store")?;
    if (1..5).contains(&found) {
        let n = crate::fills::fill_in_ledger(&tx)?;
        tracing::info!(%location, fills = n, "the ledger's state after each earlier fill, replayed");
    }
    tx.execute_batch(AUDIT_GUARDS)?;
    tx.commit()?;
    Ok(())
}

/// Runs the `migrations` a file has not had yet (its `user_version` counts those it has), each
/// recorded as it goes, inside the caller's transaction; refuses a file from a newer build. Shared
/// by the ledger and the vector index, which version their files the same way.
pub(crate) fn apply(tx: &Transaction<'_>, migrations: &[&str], location: &str, what: &str) -> Result<()> {
    let supported = migrations.len() as i64;
    let found: i64 = tx.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if found > supported {
        return Err(StoreError::NewerSchema { location: location.to_owned(), found, supported });
    }
    let start = usize::try_from(found).map_err(|_| StoreError::Corrupt {
        column: "PRAGMA user_version".to_owned(),
        value: found.to_string(),
        why: "a schema version cannot be negative".to_owned(),
    })?;
    for (done, sql) in migrations.iter().enumerate().skip(start) {
        tx.execute_batch(sql)?;
        // PRAGMA takes no bound parameters; rusqlite renders this integer as a literal.
        tx.pragma_update(None, "user_version", done as i64 + 1)?;
        tracing::info!(%location, version = done + 1, "migrated {what}");
    }
    Ok(())
}
