//! `MilvusStore`: news chunks and decision rationales in two Milvus collections, behind
//! mirai-core's `VectorStore`.
//!
//! The client connects on first use and each collection is checked (or created) on first use,
//! so the worker starts while Milvus is down and its outbox simply retries. Every call is bounded
//! by the configured timeout, the SDK's own retries included.

use std::borrow::Cow;
use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;

use milvus::v2::prelude::{
    ClientV2, ConnectConfig, ConsistencyLevel, CreateCollectionRequest, DeleteRequest,
    DescribeCollectionRequest, DropCollectionRequest, HasCollectionRequest, IndexParam, IndexType,
    InsertRequest, LoadCollectionRequest, MetricType, QueryRequest, RetryConfig, SearchRequest,
    SearchVectors, TelemetryConfig, UpsertRequest,
};
use milvus::v2::{CollectionSchema, DataType, FieldData, FieldSchema};
use mirai_core::{
    Collection, EmbeddingModel, Symbol, Timestamp, VectorDoc, VectorError, VectorHit, VectorQuery,
    VectorStore,
};
use secrecy::ExposeSecret;
use tokio::sync::OnceCell;

use crate::errors::{classify, timed_out};
use crate::settings::MilvusSettings;
use crate::{filter, model_record, validate};

const F_ID: &str = "id";
const F_SYMBOL: &str = "symbol";
const F_PUBLISHED: &str = "published_at";
const F_FIRST_SEEN: &str = "first_seen_at";
const F_SOURCE: &str = "source";
const F_URL: &str = "url";
const F_TITLE: &str = "title";
const F_TEXT: &str = "text";
const F_EMBEDDING: &str = "embedding";
const OUTPUT: [&str; 7] = [F_SYMBOL, F_PUBLISHED, F_FIRST_SEEN, F_SOURCE, F_URL, F_TITLE, F_TEXT];

/// Rows per upsert request: far below gRPC's 64 MB message limit even at 3,072 dimensions.
const UPSERT_BATCH: usize = 500;

pub struct MilvusStore {
    settings: MilvusSettings,
    model: EmbeddingModel,
    client: OnceCell<ClientV2>,
    news_ready: OnceCell<()>,
    rationales_ready: OnceCell<()>,
}

impl std::fmt::Debug for MilvusStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MilvusStore")
            .field("settings", &self.settings)
            .field("model", &self.model)
            .finish_non_exhaustive()
    }
}

impl MilvusStore {
    /// A store for vectors of `model`. Nothing is contacted until the first call.
    pub fn new(settings: MilvusSettings, model: EmbeddingModel) -> Result<Self, VectorError> {
        model_record::check_model_name(&model)?;
        Ok(Self {
            settings,
            model,
            client: OnceCell::new(),
            news_ready: OnceCell::new(),
            rationales_ready: OnceCell::new(),
        })
    }

    pub fn model(&self) -> &EmbeddingModel {
        &self.model
    }

    pub fn collection_name(&self, c: Collection) -> &str {
        match c {
            Collection::News => &self.settings.news_collection,
            Collection::Rationales => &self.settings.rationales_collection,
        }
    }

    /// Connects and checks (or creates) both collections: fails with `ModelMismatch` when one
    /// was built with another embedding model. For a check at start-up.
    pub async fn check(&self) -> Result<(), VectorError> {
        self.ready(Collection::News).await?;
        self.ready(Collection::Rationales).await?;
        Ok(())
    }

    /// Drops `collection` (every document and its recorded model), so the next call recreates
    /// it for the current model: how to re-index after changing the embedder.
    pub async fn drop_collection(&self, c: Collection) -> Result<(), VectorError> {
        let name = self.collection_name(c).to_owned();
        let client = self.client().await?;
        let req = DropCollectionRequest::builder()
            .collection_name(&name)
            .build()
            .map_err(|e| self.err(e, "drop"))?;
        self.bounded("drop collection", client.drop_collection(req)).await?;
        tracing::warn!(collection = %name, "Milvus collection dropped");
        Ok(())
    }

    /// Deletes documents by id: to remove one that should never have been stored (personal
    /// data, say). Returns how many went. The filter is a literal `id in [..]` built from
    /// validated ids: milvus-lite refuses the SDK's by-id deletes, which use filter templates.
    pub async fn delete_ids(&self, c: Collection, ids: &[&str]) -> Result<u64, VectorError> {
        for id in ids {
            validate::check_id(id)?;
        }
        if ids.is_empty() {
            return Ok(0);
        }
        let client = self.ready(c).await?;
        let mut deleted = 0;
        for batch in ids.chunks(1000) {
            let req = DeleteRequest::builder()
                .collection_name(self.collection_name(c))
                .filter(filter::ids_in(batch.iter().copied())?)
                .build()
                .map_err(|e| self.err(e, "delete"))?;
            let response = self.read(client, c, "delete", || client.delete(req.clone())).await?;
            deleted += response.delete_count().max(0) as u64;
        }
        Ok(deleted)
    }

    async fn client(&self) -> Result<&ClientV2, VectorError> {
        self.client
            .get_or_try_init(|| async {
                let s = &self.settings;
                // The SDK retries up to 75 times with no time limit by default: cap both, and
                // turn off its telemetry heartbeats, which Mirai does not use.
                let retry = RetryConfig::new().max_attempts(3).max_retry_timeout(s.timeout);
                let mut config = ConnectConfig::new()
                    .uri(s.address.clone())
                    .connect_timeout(s.timeout.min(Duration::from_secs(5)))
                    .rpc_timeout(s.timeout)
                    .retry(retry)
                    .telemetry(TelemetryConfig::new().enabled(false));
                if let Some(db) = &s.database {
                    config = config.database(db.clone());
                }
                if let (Some(u), Some(p)) = (&s.username, &s.password) {
                    config = config.username_password(u, p.expose_secret());
                }
                self.bounded("connect", ClientV2::new(&config)).await
            })
            .await
    }

    /// The collection exists, holds vectors of this store's model, and is loaded.
    async fn ready(&self, c: Collection) -> Result<&ClientV2, VectorError> {
        let client = self.client().await?;
        let cell = match c {
            Collection::News => &self.news_ready,
            Collection::Rationales => &self.rationales_ready,
        };
        cell.get_or_try_init(|| self.ensure(client, c)).await?;
        Ok(client)
    }

    async fn ensure(&self, client: &ClientV2, c: Collection) -> Result<(), VectorError> {
        let name = self.collection_name(c);
        let has = HasCollectionRequest::builder()
            .collection_name(name)
            .build()
            .map_err(|e| self.err(e, "check"))?;
        if !self.bounded("has collection", client.has_collection(has)).await?.exists() {
            self.create(client, c).await?;
            tracing::info!(collection = %name, model = %self.model.name, dim = self.model.dimension, "Milvus collection created");
            return Ok(());
        }
        let req = DescribeCollectionRequest::builder()
            .collection_name(name)
            .build()
            .map_err(|e| self.err(e, "describe"))?;
        let desc = self.bounded("describe collection", client.describe_collection(req)).await?;
        let desc = desc.description();
        let Some(recorded) = model_record::parse(desc.get_properties()) else {
            return Err(VectorError::Invalid(format!(
                "Milvus collection {name} was not created by Mirai (it records no embedding model); \
                 name another collection or drop it"
            )));
        };
        let field_dim = desc
            .get_schema()
            .get_fields()
            .iter()
            .find(|f| f.get_name() == F_EMBEDDING)
            .map(|f| f.get_dimension() as usize);
        if field_dim != Some(recorded.dimension) {
            return Err(VectorError::Invalid(format!(
                "Milvus collection {name} records {} dimensions but its {F_EMBEDDING} field has {field_dim:?}",
                recorded.dimension
            )));
        }
        if recorded != self.model {
            return Err(VectorError::ModelMismatch {
                collection: name.to_owned(),
                expected_name: recorded.name,
                expected_dim: recorded.dimension,
                found_name: self.model.name.clone(),
                found_dim: self.model.dimension,
            });
        }
        // Refused here rather than failing at each write and search: without the field Milvus
        // cannot bound searches by first sight, and guessing it from the publication time would
        // let backfilled news reach decisions taken before it arrived.
        if !desc.get_schema().get_fields().iter().any(|f| f.get_name() == F_FIRST_SEEN) {
            return Err(VectorError::Invalid(format!(
                "Milvus collection {name} predates first-seen times (it has no {F_FIRST_SEEN} field); \
                 re-index into new collections: set MILVUS_COLLECTION_NEWS and MILVUS_COLLECTION_RATIONALES \
                 to new names and start the worker again, which fills them from scratch"
            )));
        }
        self.load(client, c).await
    }

    /// Loading is idempotent. Needed after a Milvus restart, which may release collections
    /// (milvus-lite does: measured).
    async fn load(&self, client: &ClientV2, c: Collection) -> Result<(), VectorError> {
        let name = self.collection_name(c);
        let load = LoadCollectionRequest::builder()
            .collection_name(name)
            .build()
            .map_err(|e| self.err(e, "load"))?;
        self.bounded("load collection", client.load_collection(load)).await
    }

    /// Runs a read; if Milvus answers that the collection is not loaded (a restart released
    /// it), loads it and runs the read once more.
    async fn read<T, F, Fut>(
        &self,
        client: &ClientV2,
        c: Collection,
        what: &str,
        call: F,
    ) -> Result<T, VectorError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T, milvus::v2::error::Error>>,
    {
        match tokio::time::timeout(self.settings.timeout, call()).await {
            Ok(Err(e)) if not_loaded(&e) => {
                tracing::info!(collection = %self.collection_name(c), "Milvus collection was released; loading it again");
                self.load(client, c).await?;
                self.bounded(what, call()).await
            }
            Ok(r) => r.map_err(|e| self.err(e, what)),
            Err(_) => Err(timed_out(what, self.settings.timeout.as_secs_f32())),
        }
    }

    async fn create(&self, client: &ClientV2, c: Collection) -> Result<(), VectorError> {
        let name = self.collection_name(c);
        let text = |n: &str, max: usize| {
            FieldSchema::new().name(n).data_type(DataType::VarChar).max_length(max as u32)
        };
        let schema = CollectionSchema::new()
            .add_field(text(F_ID, validate::MAX_ID_BYTES).primary_key(true).auto_id(false))
            .add_field(text(F_SYMBOL, 4 * Symbol::MAX_LEN))
            .add_field(FieldSchema::new().name(F_PUBLISHED).data_type(DataType::Int64))
            .add_field(FieldSchema::new().name(F_FIRST_SEEN).data_type(DataType::Int64))
            .add_field(text(F_SOURCE, validate::MAX_SOURCE_BYTES))
            .add_field(text(F_URL, validate::MAX_URL_BYTES))
            .add_field(text(F_TITLE, validate::MAX_TITLE_BYTES))
            .add_field(text(F_TEXT, validate::MAX_TEXT_BYTES))
            .add_field(
                FieldSchema::new()
                    .name(F_EMBEDDING)
                    .data_type(DataType::FloatVector)
                    .dimension(self.model.dimension as u32),
            );
        let purpose = match c {
            Collection::News => "news chunks",
            Collection::Rationales => "decision rationales",
        };
        // With index parameters the SDK creates the index and loads the collection without
        // waiting on their progress (`sync(false)`), which milvus-lite needs (DESIGN.md).
        let req = CreateCollectionRequest::builder()
            .collection_name(name)
            .description(model_record::describe(purpose, &self.model))
            .properties(model_record::properties(&self.model))
            .schema(schema)
            .consistency_level(ConsistencyLevel::Strong)
            .index_params(vec![
                IndexParam::new()
                    .field_name(F_EMBEDDING)
                    .index_type(IndexType::AutoIndex)
                    .metric_type(MetricType::Cosine),
            ])
            .build()
            .map_err(|e| self.err(e, "create"))?;
        self.bounded("create collection", client.create_collection(req)).await
    }

    /// Runs one SDK call within the timeout, mapping its error.
    async fn bounded<T>(
        &self,
        what: &str,
        call: impl Future<Output = Result<T, milvus::v2::error::Error>>,
    ) -> Result<T, VectorError> {
        match tokio::time::timeout(self.settings.timeout, call).await {
            Err(_) => Err(timed_out(what, self.settings.timeout.as_secs_f32())),
            Ok(r) => r.map_err(|e| self.err(e, what)),
        }
    }

    fn err(&self, e: milvus::v2::error::Error, what: &str) -> VectorError {
        classify(e, what, self.settings.password.as_ref().map(|p| p.expose_secret()))
    }

    /// When the listed documents were first seen, by id, for those the collection holds. A
    /// literal `id in [..]` filter: milvus-lite refuses the SDK's templated ones.
    async fn stored_first_seen(
        &self,
        client: &ClientV2,
        c: Collection,
        docs: &[Cow<'_, VectorDoc>],
    ) -> Result<HashMap<String, i64>, VectorError> {
        let req = QueryRequest::builder()
            .collection_name(self.collection_name(c))
            .filter(filter::ids_in(docs.iter().map(|d| d.id.as_str()))?)
            .output_fields([F_ID, F_FIRST_SEEN])
            .limit(docs.len() as i64)
            .consistency_level(ConsistencyLevel::Strong)
            .build()
            .map_err(|e| self.err(e, "upsert lookup"))?;
        let response = self.read(client, c, "upsert lookup", || client.query(req.clone())).await?;
        let rows = response.results().get_output_rows().map_err(|e| self.err(e, "upsert lookup"))?;
        let bad =
            |what: &str| VectorError::Unavailable(format!("Milvus returned a row without a valid {what}"));
        rows.iter()
            .map(|row| {
                let id = row.get(F_ID).and_then(|v| v.as_str()).ok_or_else(|| bad(F_ID))?;
                let seen = row.get(F_FIRST_SEEN).and_then(|v| v.as_i64()).ok_or_else(|| bad(F_FIRST_SEEN))?;
                Ok((id.to_owned(), seen))
            })
            .collect()
    }

    fn columns(docs: &[Cow<'_, VectorDoc>], first_seen: &[i64]) -> Vec<FieldData> {
        let strings = |f: &dyn Fn(&VectorDoc) -> String| docs.iter().map(|d| f(d)).collect::<Vec<_>>();
        vec![
            FieldData::varchar(F_ID, strings(&|d| d.id.clone())),
            // Milvus has no nulls here without nullable fields; "" stands for "none", which no
            // valid symbol or url can be.
            FieldData::varchar(
                F_SYMBOL,
                strings(&|d| d.symbol.map(|s| s.as_str().to_owned()).unwrap_or_default()),
            ),
            FieldData::int64(F_PUBLISHED, docs.iter().map(|d| d.published_at.millis()).collect()),
            FieldData::int64(F_FIRST_SEEN, first_seen.to_vec()),
            FieldData::varchar(F_SOURCE, strings(&|d| d.source.clone())),
            FieldData::varchar(F_URL, strings(&|d| d.url.clone().unwrap_or_default())),
            FieldData::varchar(F_TITLE, strings(&|d| d.title.clone())),
            FieldData::varchar(F_TEXT, strings(&|d| d.text.clone())),
            FieldData::float_vector(F_EMBEDDING, docs.iter().map(|d| d.embedding.clone()).collect()),
        ]
    }
}

impl VectorStore for MilvusStore {
    #[tracing::instrument(name = "milvus.upsert", skip_all, fields(collection = ?c, docs = docs.len()))]
    async fn upsert(&self, c: Collection, docs: &[VectorDoc]) -> Result<(), VectorError> {
        for d in docs {
            validate::check_doc(d, &self.model)?;
        }
        let docs = validate::last_copy_wins(docs);
        let client = self.ready(c).await?;
        for batch in docs.chunks(UPSERT_BATCH) {
            // Milvus's upsert overwrites the whole row, so the earliest first sight is kept by
            // reading it first. Not atomic: two writers of one id at once could lose the earlier
            // time; each collection has one writer (the news poller, the rationale shipper).
            let stored = self.stored_first_seen(client, c, batch).await?;
            let first_seen: Vec<i64> = batch
                .iter()
                .map(|d| {
                    let new = d.first_seen_at.millis();
                    stored.get(&d.id).map_or(new, |old| new.min(*old))
                })
                .collect();
            let insert = InsertRequest::builder()
                .collection_name(self.collection_name(c))
                .columns(Self::columns(batch, &first_seen))
                .build()
                .map_err(|e| self.err(e, "upsert"))?;
            let req = UpsertRequest::builder().insert(insert).build().map_err(|e| self.err(e, "upsert"))?;
            self.bounded("upsert", client.upsert(req)).await?;
        }
        Ok(())
    }

    #[tracing::instrument(name = "milvus.search", skip_all, fields(collection = ?c))]
    async fn search(&self, c: Collection, q: &VectorQuery) -> Result<Vec<VectorHit>, VectorError> {
        validate::check_query(q, &self.model)?;
        let client = self.ready(c).await?;
        let mut req = SearchRequest::builder()
            .collection_name(self.collection_name(c))
            .vector_field(F_EMBEDDING)
            .vectors(SearchVectors::Float(vec![q.embedding.clone()]))
            .limit(q.top_k as i64)
            .output_fields(OUTPUT)
            .metric_type(MetricType::Cosine)
            .consistency_level(ConsistencyLevel::Strong);
        let expr = filter::search(q);
        if !expr.is_empty() {
            req = req.filter(expr);
        }
        let req = req.build().map_err(|e| self.err(e, "search"))?;
        let response = self.read(client, c, "search", || client.search(req.clone())).await?;
        let mut hits = Vec::new();
        for result in response.results().get_results() {
            let rows = result.get_output_rows().map_err(|e| self.err(e, "search results"))?;
            let score_field = result.get_score_field_name().to_owned();
            for row in rows {
                hits.push(hit(&row, &score_field)?);
            }
        }
        // Milvus orders by score; ties are put in id order, as the embedded index does.
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.doc.id.cmp(&b.doc.id)));
        hits.truncate(q.top_k);
        Ok(hits)
    }

    #[tracing::instrument(name = "milvus.delete_older_than", skip_all, fields(collection = ?c))]
    async fn delete_older_than(&self, c: Collection, cutoff: Timestamp) -> Result<u64, VectorError> {
        let client = self.ready(c).await?;
        let req = DeleteRequest::builder()
            .collection_name(self.collection_name(c))
            .filter(filter::older_than(cutoff))
            .build()
            .map_err(|e| self.err(e, "delete"))?;
        let response = self.read(client, c, "delete", || client.delete(req.clone())).await?;
        Ok(response.delete_count().max(0) as u64)
    }
}

/// Milvus's "collection not loaded" (error code 101), possibly inside exhausted retries.
fn not_loaded(e: &milvus::v2::error::Error) -> bool {
    use milvus::v2::error::Error;
    match e {
        Error::Server(s) => s.code() == 101 || s.reason().contains("call load()"),
        Error::RetryExhausted { source, .. } => not_loaded(source),
        _ => false,
    }
}

/// One search row (a JSON object of the output fields, the id and the score) as a hit.
fn hit(
    row: &serde_json::Map<String, serde_json::Value>,
    score_field: &str,
) -> Result<VectorHit, VectorError> {
    let bad =
        |what: &str| VectorError::Unavailable(format!("Milvus returned a search row without a valid {what}"));
    let text = |f: &str| row.get(f).and_then(|v| v.as_str()).map(str::to_owned).ok_or_else(|| bad(f));
    let symbol = text(F_SYMBOL)?;
    let url = text(F_URL)?;
    let doc = VectorDoc {
        id: text(F_ID)?,
        symbol: if symbol.is_empty() {
            None
        } else {
            Some(Symbol::new_checked(&symbol).map_err(|_| bad(F_SYMBOL))?)
        },
        published_at: Timestamp::from_millis(
            row.get(F_PUBLISHED).and_then(|v| v.as_i64()).ok_or_else(|| bad(F_PUBLISHED))?,
        ),
        first_seen_at: Timestamp::from_millis(
            row.get(F_FIRST_SEEN).and_then(|v| v.as_i64()).ok_or_else(|| bad(F_FIRST_SEEN))?,
        ),
        source: text(F_SOURCE)?,
        url: if url.is_empty() { None } else { Some(url) },
        title: text(F_TITLE)?,
        text: text(F_TEXT)?,
        embedding: Vec::new(),
    };
    let score = row.get(score_field).and_then(|v| v.as_f64()).ok_or_else(|| bad("score"))? as f32;
    Ok(VectorHit { doc, score })
}
