//! `LocalVectorIndex`: the embedded [`VectorStore`], durable in `vectors.db`, searched in memory.
//!
//! Writes go to SQLite first and then to the in-memory codes, under one lock, so memory never
//! holds what the file does not and concurrent writers land in the same order in both. A search
//! ranks in memory (no database lock), then reads only the `top_k` documents it returns.

use std::path::Path;
use std::sync::{Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use mirai_core::{
    Collection, EmbeddingModel, Timestamp, VectorDoc, VectorError, VectorHit, VectorQuery, VectorStore,
};
use rusqlite::Connection;

use super::codes::{Codes, Filter};
use super::{db, validate};
use crate::{Result, StoreError};

/// The file created inside the data directory.
pub const VECTORS_FILE: &str = "vectors.db";

const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// One collection's state in memory.
#[derive(Debug)]
struct Slot {
    /// The model the collection was built with; `None` until its first write.
    recorded: Option<EmbeddingModel>,
    codes: Codes,
}

#[derive(Debug)]
pub struct LocalVectorIndex {
    model: EmbeddingModel,
    conn: Mutex<Connection>,
    news: RwLock<Slot>,
    rationales: RwLock<Slot>,
    location: String,
}

impl LocalVectorIndex {
    /// Opens (creating if needed) `dir/vectors.db` for vectors of `model`, and loads the
    /// collections built with that model into memory. A collection built with another model is
    /// left on disk untouched; every call on it fails with [`VectorError::ModelMismatch`] until
    /// it is dropped ([`LocalVectorIndex::drop_collection`]) and re-indexed.
    pub fn open(dir: &Path, model: EmbeddingModel) -> Result<Self> {
        std::fs::create_dir_all(dir)
            .map_err(|source| StoreError::CreateDir { path: dir.to_path_buf(), source })?;
        let path = dir.join(VECTORS_FILE);
        let conn = Connection::open(&path)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        let _: String = conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        Self::prepare(conn, path.display().to_string(), model)
    }

    /// An index that vanishes when dropped; for tests.
    pub fn open_in_memory(model: EmbeddingModel) -> Result<Self> {
        Self::prepare(Connection::open_in_memory()?, ":memory:".into(), model)
    }

    fn prepare(mut conn: Connection, location: String, model: EmbeddingModel) -> Result<Self> {
        // Each search reads its `top_k` documents; a larger page cache keeps popular ones in memory.
        conn.pragma_update(None, "cache_size", -32_000)?;
        db::migrate(&mut conn, &location)?;
        let news = load_slot(&conn, Collection::News, &model)?;
        let rationales = load_slot(&conn, Collection::Rationales, &model)?;
        tracing::debug!(%location, news = news.codes.len(), rationales = rationales.codes.len(), "vector index open");
        Ok(Self {
            model,
            conn: Mutex::new(conn),
            news: RwLock::new(news),
            rationales: RwLock::new(rationales),
            location,
        })
    }

    /// The model this index was opened for.
    pub fn model(&self) -> &EmbeddingModel {
        &self.model
    }

    /// Where the data lives: the file's path, or `:memory:`.
    pub fn location(&self) -> &str {
        &self.location
    }

    /// How many documents `collection` holds (0 when it was built with another model).
    pub fn len(&self, collection: Collection) -> usize {
        let slot = self.read(collection);
        if slot.recorded.as_ref() == Some(&self.model) { slot.codes.len() } else { 0 }
    }

    /// Fails with [`VectorError::ModelMismatch`] when `collection` was built with another model;
    /// for a check at start-up.
    pub fn check(&self, collection: Collection) -> Result<(), VectorError> {
        self.matches(collection, &self.read(collection))
    }

    /// Deletes every document of `collection` and forgets its model, so the next write records
    /// the current one: how to re-index after changing the embedder. Returns how many went.
    pub fn drop_collection(&self, collection: Collection) -> Result<u64, VectorError> {
        let mut conn = self.conn();
        let n = db::forget(&mut conn, collection).map_err(unavailable)?;
        let mut slot = self.write(collection);
        slot.recorded = None;
        slot.codes = Codes::new(self.model.dimension);
        Ok(n)
    }

    pub fn upsert_sync(&self, collection: Collection, docs: &[VectorDoc]) -> Result<(), VectorError> {
        for d in docs {
            validate::check_doc(d, &self.model)?;
        }
        let docs = validate::last_copy_wins(docs);
        let mut conn = self.conn();
        let mut slot = self.write(collection);
        if slot.recorded.is_none() {
            db::record_model(&conn, collection, &self.model).map_err(unavailable)?;
            slot.recorded = Some(self.model.clone());
        }
        self.matches(collection, &slot)?;
        if docs.is_empty() {
            return Ok(());
        }
        let docs: Vec<&VectorDoc> = docs.iter().map(AsRef::as_ref).collect();
        let first_seen = db::upsert(&mut conn, collection, &docs).map_err(unavailable)?;
        for (d, seen) in docs.iter().zip(first_seen) {
            slot.codes.upsert(&d.id, d.symbol, d.published_at.millis(), seen, &d.embedding);
        }
        Ok(())
    }

    pub fn search_sync(
        &self,
        collection: Collection,
        q: &VectorQuery,
    ) -> Result<Vec<VectorHit>, VectorError> {
        validate::check_query(q, &self.model)?;
        let filter = Filter {
            symbol: q.symbol,
            since: q.since.map_or(i64::MIN, Timestamp::millis),
            until: q.until.map_or(i64::MAX, Timestamp::millis),
            seen_until: q.seen_until.map_or(i64::MAX, Timestamp::millis),
        };
        // Int8 codes rank near-ties imperfectly; rescoring twice as many candidates as asked
        // for (plus a margin for small k) recovers the exact top k (see the recall test).
        let ranked = {
            let slot = self.read(collection);
            if slot.recorded.is_none() {
                return Ok(Vec::new());
            }
            self.matches(collection, &slot)?;
            slot.codes.search(&q.embedding, &filter, q.top_k, 2 * q.top_k + 32)
        };
        let conn = self.conn();
        let mut hits = Vec::with_capacity(ranked.len());
        for (id, score) in ranked {
            // A document deleted or replaced since the scan is skipped if it no longer fits.
            let Some(mut doc) = db::get(&conn, collection, &id, self.model.dimension).map_err(unavailable)?
            else {
                continue;
            };
            if !filter.admits(doc.symbol, doc.published_at.millis(), doc.first_seen_at.millis()) {
                continue;
            }
            doc.embedding = Vec::new();
            hits.push(VectorHit { doc, score });
        }
        Ok(hits)
    }

    pub fn delete_older_than_sync(
        &self,
        collection: Collection,
        cutoff: Timestamp,
    ) -> Result<u64, VectorError> {
        let mut conn = self.conn();
        let mut slot = self.write(collection);
        if slot.recorded.is_none() {
            return Ok(0);
        }
        self.matches(collection, &slot)?;
        let ids = db::delete_older_than(&mut conn, collection, cutoff).map_err(unavailable)?;
        for id in &ids {
            slot.codes.remove(id);
        }
        Ok(ids.len() as u64)
    }

    /// Deletes documents by id: to remove one that should never have been stored (personal
    /// data, say). Returns how many went.
    pub fn delete_ids(&self, collection: Collection, ids: &[&str]) -> Result<u64, VectorError> {
        for id in ids {
            validate::check_id(id)?;
        }
        let mut conn = self.conn();
        let mut slot = self.write(collection);
        if slot.recorded.is_none() {
            return Ok(0);
        }
        self.matches(collection, &slot)?;
        let gone = db::delete_ids(&mut conn, collection, ids).map_err(unavailable)?;
        for id in &gone {
            slot.codes.remove(id);
        }
        Ok(gone.len() as u64)
    }

    fn matches(&self, collection: Collection, slot: &Slot) -> Result<(), VectorError> {
        match &slot.recorded {
            Some(m) if *m != self.model => Err(VectorError::ModelMismatch {
                collection: format!("{} in {}", db::key(collection), self.location),
                expected_name: m.name.clone(),
                expected_dim: m.dimension,
                found_name: self.model.name.clone(),
                found_dim: self.model.dimension,
            }),
            _ => Ok(()),
        }
    }

    /// A panic while a lock was held cannot leave the file half-written (an open transaction
    /// rolls back when dropped); memory could lag the file, which the next restart repairs.
    fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn slot(&self, c: Collection) -> &RwLock<Slot> {
        match c {
            Collection::News => &self.news,
            Collection::Rationales => &self.rationales,
        }
    }

    fn read(&self, c: Collection) -> RwLockReadGuard<'_, Slot> {
        self.slot(c).read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self, c: Collection) -> RwLockWriteGuard<'_, Slot> {
        self.slot(c).write().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The calls do their work synchronously: a search over 100,000 documents takes a few
/// milliseconds (docs/benchmarks.md), short enough to run on an async task as the store does.
impl VectorStore for LocalVectorIndex {
    async fn upsert(&self, collection: Collection, docs: &[VectorDoc]) -> Result<(), VectorError> {
        self.upsert_sync(collection, docs)
    }

    async fn search(
        &self,
        collection: Collection,
        query: &VectorQuery,
    ) -> Result<Vec<VectorHit>, VectorError> {
        self.search_sync(collection, query)
    }

    async fn delete_older_than(&self, collection: Collection, cutoff: Timestamp) -> Result<u64, VectorError> {
        self.delete_older_than_sync(collection, cutoff)
    }
}

fn load_slot(conn: &Connection, c: Collection, model: &EmbeddingModel) -> Result<Slot> {
    let recorded = db::recorded_model(conn, c)?;
    let mut codes = Codes::new(model.dimension);
    if recorded.as_ref() == Some(model) {
        for d in db::load(conn, c, model.dimension)? {
            codes.upsert(&d.id, d.symbol, d.published, d.first_seen, &d.embedding);
        }
    }
    Ok(Slot { recorded, codes })
}

fn unavailable(e: StoreError) -> VectorError {
    VectorError::Unavailable(format!("embedded vector index: {e}"))
}
