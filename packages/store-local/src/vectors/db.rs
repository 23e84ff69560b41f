//! The durable half of the embedded index: `vectors.db`, a SQLite file of its own beside
//! `mirai.db`, holding every document with its f32 embedding and each collection's model.
//!
//! A separate file because its life is separate: it can be deleted to re-index from scratch
//! without touching the ledger, and its large blobs never bloat the ledger's backups.

use mirai_core::{Collection, EmbeddingModel, Symbol, Timestamp, VectorDoc};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::{Result, StoreError};

/// Migration `i` takes the file from version `i` to `i + 1`. Append only; never edit one that
/// has shipped.
const MIGRATIONS: &[&str] = &[V1, V2];

const V1: &str = r#"
CREATE TABLE IF NOT EXISTS models (
    collection TEXT    PRIMARY KEY,
    name       TEXT    NOT NULL,
    dimension  INTEGER NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS docs (
    seq          INTEGER PRIMARY KEY,
    collection   TEXT    NOT NULL,
    id           TEXT    NOT NULL,
    symbol       TEXT,
    published_at INTEGER NOT NULL,
    source       TEXT    NOT NULL,
    url          TEXT,
    title        TEXT    NOT NULL,
    text         TEXT    NOT NULL,
    embedding    BLOB    NOT NULL,  -- f32 little-endian
    UNIQUE (collection, id)
) STRICT;
CREATE INDEX IF NOT EXISTS docs_by_age ON docs (collection, published_at);
"#;

/// When Mirai first stored each document. When documents written before were first seen is
/// unknown; they count as seen when published, which is what every search assumed of them.
const V2: &str = r#"
ALTER TABLE docs ADD COLUMN first_seen_at INTEGER NOT NULL DEFAULT 0;
UPDATE docs SET first_seen_at = published_at;
"#;

pub fn key(c: Collection) -> &'static str {
    match c {
        Collection::News => "news",
        Collection::Rationales => "rationales",
    }
}

pub fn migrate(conn: &mut Connection, location: &str) -> Result<()> {
    // IMMEDIATE: two processes opening an old file at once must not both add the column.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    crate::schema::apply(&tx, MIGRATIONS, location, "vector index")?;
    tx.commit()?;
    Ok(())
}

pub fn recorded_model(conn: &Connection, c: Collection) -> Result<Option<EmbeddingModel>> {
    let row: Option<(String, i64)> = conn
        .query_row("SELECT name, dimension FROM models WHERE collection = ?1", [key(c)], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    row.map(|(name, dim)| {
        let dimension = usize::try_from(dim).map_err(|_| corrupt("models.dimension", dim.to_string()))?;
        Ok(EmbeddingModel { name, dimension })
    })
    .transpose()
}

pub fn record_model(conn: &Connection, c: Collection, m: &EmbeddingModel) -> Result<()> {
    conn.execute(
        "INSERT INTO models (collection, name, dimension) VALUES (?1, ?2, ?3)",
        params![key(c), m.name, m.dimension as i64],
    )?;
    Ok(())
}

pub fn forget(conn: &mut Connection, c: Collection) -> Result<u64> {
    let tx = conn.transaction()?;
    let n = tx.execute("DELETE FROM docs WHERE collection = ?1", [key(c)])?;
    tx.execute("DELETE FROM models WHERE collection = ?1", [key(c)])?;
    tx.commit()?;
    Ok(n as u64)
}

/// Writes the documents; returns, in order, the `first_seen_at` each now has, the earlier of
/// the stored and the new one (re-ingesting a chunk must not make it look newly arrived).
pub fn upsert(conn: &mut Connection, c: Collection, docs: &[&VectorDoc]) -> Result<Vec<i64>> {
    let tx = conn.transaction()?;
    let mut first_seen = Vec::with_capacity(docs.len());
    {
        let mut stmt = tx.prepare_cached(
            "INSERT INTO docs (collection, id, symbol, published_at, first_seen_at, source, url, title, text, embedding)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT (collection, id) DO UPDATE SET
                symbol = excluded.symbol, published_at = excluded.published_at,
                first_seen_at = MIN(docs.first_seen_at, excluded.first_seen_at),
                source = excluded.source, url = excluded.url, title = excluded.title,
                text = excluded.text, embedding = excluded.embedding
             RETURNING first_seen_at",
        )?;
        for d in docs {
            first_seen.push(stmt.query_row(
                params![
                    key(c),
                    d.id,
                    d.symbol.map(|s| s.as_str().to_owned()),
                    d.published_at.millis(),
                    d.first_seen_at.millis(),
                    d.source,
                    d.url,
                    d.title,
                    d.text,
                    encode(&d.embedding),
                ],
                |r| r.get(0),
            )?);
        }
    }
    tx.commit()?;
    Ok(first_seen)
}

/// Deletes the documents published before `cutoff`; returns their ids.
pub fn delete_older_than(conn: &mut Connection, c: Collection, cutoff: Timestamp) -> Result<Vec<String>> {
    let tx = conn.transaction()?;
    let ids = {
        let mut stmt =
            tx.prepare("DELETE FROM docs WHERE collection = ?1 AND published_at < ?2 RETURNING id")?;
        stmt.query_map(params![key(c), cutoff.millis()], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?
    };
    tx.commit()?;
    Ok(ids)
}

/// Deletes the listed documents; returns the ids that existed.
pub fn delete_ids(conn: &mut Connection, c: Collection, ids: &[&str]) -> Result<Vec<String>> {
    let tx = conn.transaction()?;
    let mut gone = Vec::new();
    {
        let mut stmt = tx.prepare("DELETE FROM docs WHERE collection = ?1 AND id = ?2 RETURNING id")?;
        for id in ids {
            let deleted: Option<String> = stmt.query_row(params![key(c), id], |r| r.get(0)).optional()?;
            gone.extend(deleted);
        }
    }
    tx.commit()?;
    Ok(gone)
}

/// One stored document, embedding included.
pub fn get(conn: &Connection, c: Collection, id: &str, dim: usize) -> Result<Option<VectorDoc>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, symbol, published_at, first_seen_at, source, url, title, text, embedding
         FROM docs WHERE collection = ?1 AND id = ?2",
    )?;
    let row = stmt
        .query_row(params![key(c), id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, String>(7)?,
                r.get::<_, Vec<u8>>(8)?,
            ))
        })
        .optional()?;
    row.map(|(id, symbol, published_at, first_seen_at, source, url, title, text, blob)| {
        Ok(VectorDoc {
            id,
            symbol: symbol.map(|s| parse_symbol(&s)).transpose()?,
            published_at: Timestamp::from_millis(published_at),
            first_seen_at: Timestamp::from_millis(first_seen_at),
            source,
            url,
            title,
            text,
            embedding: decode(&blob, dim)?,
        })
    })
    .transpose()
}

/// What the in-memory codes are rebuilt from at start: every document's id, filters and vector.
#[derive(Debug)]
pub struct Loaded {
    pub id: String,
    pub symbol: Option<Symbol>,
    pub published: i64,
    pub first_seen: i64,
    pub embedding: Vec<f32>,
}

pub fn load(conn: &Connection, c: Collection, dim: usize) -> Result<Vec<Loaded>> {
    let mut stmt = conn.prepare(
        "SELECT id, symbol, published_at, first_seen_at, embedding FROM docs WHERE collection = ?1",
    )?;
    let mut rows = stmt.query([key(c)])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let symbol: Option<String> = r.get(1)?;
        let blob: Vec<u8> = r.get(4)?;
        out.push(Loaded {
            id: r.get(0)?,
            symbol: symbol.map(|s| parse_symbol(&s)).transpose()?,
            published: r.get(2)?,
            first_seen: r.get(3)?,
            embedding: decode(&blob, dim)?,
        });
    }
    Ok(out)
}

fn encode(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn decode(blob: &[u8], dim: usize) -> Result<Vec<f32>> {
    if blob.len() != dim * 4 {
        return Err(corrupt("docs.embedding", format!("{} bytes", blob.len())));
    }
    Ok(blob.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect())
}

fn parse_symbol(s: &str) -> Result<Symbol> {
    Symbol::new_checked(s).map_err(|e| StoreError::Corrupt {
        column: "docs.symbol".into(),
        value: s.to_owned(),
        why: e.to_string(),
    })
}

fn corrupt(column: &str, value: String) -> StoreError {
    StoreError::Corrupt { column: column.into(), value, why: "does not match the collection's model".into() }
}
