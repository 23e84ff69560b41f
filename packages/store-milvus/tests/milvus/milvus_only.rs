//! What only the Milvus adapter has: the collection it creates, refusing collections it did not
//! create, bounded calls when the server is gone, recovery after a restart, and no password in
//! errors or `Debug` output.

use std::time::{Duration, Instant};

use milvus::v2::prelude::*;
use mirai_core::{Collection, EmbeddingModel, VectorError, VectorStore};
use mirai_store_local::vectors::conformance::{doc, model, query, vector};
use mirai_store_milvus::{MilvusSettings, MilvusStore};
use mirai_testkit::{Kind, Service};
use secrecy::SecretString;

use crate::helpers::{cleanup, milvus_url, settings, store, unique};

async fn sdk(url: &str) -> ClientV2 {
    ClientV2::new(&ConnectConfig::new().uri(url).telemetry(TelemetryConfig::new().enabled(false)))
        .await
        .expect("SDK client")
}

#[tokio::test]
async fn a_new_collection_records_its_model_and_has_the_documented_schema() {
    let (url, names) = (milvus_url(), unique("schema"));
    let s = store(&url, &names, model());
    s.check().await.unwrap();
    let client = sdk(&url).await;
    let d = client
        .describe_collection(DescribeCollectionRequest::builder().collection_name(&names.0).build().unwrap())
        .await
        .unwrap();
    let desc = d.description();
    let props = desc.get_properties();
    assert_eq!(props.get("mirai.embedding_model").map(String::as_str), Some("conformance-a"));
    assert_eq!(props.get("mirai.embedding_dim").map(String::as_str), Some("8"));
    let fields: Vec<&str> = desc.get_schema().get_fields().iter().map(|f| f.get_name()).collect();
    assert_eq!(
        fields,
        ["id", "symbol", "published_at", "first_seen_at", "source", "url", "title", "text", "embedding"]
    );
    assert_eq!(desc.get_primary_field_name(), "id");
    cleanup(&url, &names, model()).await;
}

#[tokio::test]
async fn a_collection_mirai_did_not_create_is_refused() {
    let (url, names) = (milvus_url(), unique("foreign"));
    let client = sdk(&url).await;
    let schema = milvus::v2::CollectionSchema::new()
        .add_field(
            milvus::v2::FieldSchema::new()
                .name("pk")
                .data_type(milvus::v2::DataType::Int64)
                .primary_key(true),
        )
        .add_field(
            milvus::v2::FieldSchema::new()
                .name("v")
                .data_type(milvus::v2::DataType::FloatVector)
                .dimension(8),
        );
    client
        .create_collection(
            CreateCollectionRequest::builder()
                .collection_name(&names.0)
                .description("someone else's data")
                .schema(schema)
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    let s = store(&url, &names, model());
    let err = s.upsert(Collection::News, &[doc("a", None, 1, vector(&[(0, 1.0)]))]).await.unwrap_err();
    assert!(
        matches!(&err, VectorError::Invalid(m) if m.contains(&names.0) && m.contains("not created by Mirai")),
        "{err}"
    );
    cleanup(&url, &names, model()).await;
}

/// A collection an earlier Mirai created, before first-seen times: every call is refused with an
/// error that says what to do, instead of searches failing on a missing field (or, worse,
/// answering without the first-sight bound).
#[tokio::test]
async fn a_collection_from_before_first_seen_times_is_refused_with_what_to_do() {
    let (url, names) = (milvus_url(), unique("prefirstseen"));
    let client = sdk(&url).await;
    let text = |n: &str| {
        milvus::v2::FieldSchema::new().name(n).data_type(milvus::v2::DataType::VarChar).max_length(256)
    };
    let int = |n: &str| milvus::v2::FieldSchema::new().name(n).data_type(milvus::v2::DataType::Int64);
    let schema = milvus::v2::CollectionSchema::new()
        .add_field(text("id").primary_key(true).auto_id(false))
        .add_field(text("symbol"))
        .add_field(int("published_at"))
        .add_field(text("source"))
        .add_field(text("url"))
        .add_field(text("title"))
        .add_field(text("text"))
        .add_field(
            milvus::v2::FieldSchema::new()
                .name("embedding")
                .data_type(milvus::v2::DataType::FloatVector)
                .dimension(8),
        );
    client
        .create_collection(
            CreateCollectionRequest::builder()
                .collection_name(&names.0)
                .properties(std::collections::HashMap::from([
                    ("mirai.embedding_model".to_owned(), model().name),
                    ("mirai.embedding_dim".to_owned(), "8".to_owned()),
                ]))
                .schema(schema)
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    let s = store(&url, &names, model());
    let errors = [
        s.check().await.unwrap_err(),
        s.search(Collection::News, &query(vector(&[(0, 1.0)]), 3)).await.unwrap_err(),
        s.upsert(Collection::News, &[doc("a", None, 1, vector(&[(0, 1.0)]))]).await.unwrap_err(),
    ];
    for err in errors {
        assert!(
            matches!(&err, VectorError::Invalid(m)
                if m.contains(&names.0) && m.contains("first_seen_at") && m.contains("MILVUS_COLLECTION_NEWS")),
            "{err}"
        );
        assert!(!err.is_retryable(), "retrying cannot fix it: {err}");
    }
    cleanup(&url, &names, model()).await;
}

#[tokio::test]
async fn a_server_that_is_gone_fails_fast_as_unavailable_and_never_shows_the_password() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let password = "milvus-secret-password-42";
    let settings = MilvusSettings {
        username: Some("root".into()),
        password: Some(SecretString::from(password)),
        timeout: Duration::from_secs(1),
        ..MilvusSettings::new(format!("http://127.0.0.1:{port}"))
    };
    let s = MilvusStore::new(settings, model()).unwrap();
    assert!(!format!("{s:?}").contains(password));
    let started = Instant::now();
    let err = s.search(Collection::News, &query(vector(&[(0, 1.0)]), 3)).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(4), "took {:?}", started.elapsed());
    assert!(err.is_retryable(), "{err}");
    assert!(!err.to_string().contains(password), "{err}");
}

/// The outage the outbox rides out: Milvus stops, calls fail as retryable within the timeout,
/// Milvus comes back on the same port with its data, and the same store carries on.
#[tokio::test]
async fn the_store_carries_on_after_milvus_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Service::start_in(Kind::MilvusLite, dir.path()).unwrap();
    let port = server.port();
    let names = unique("outage");
    let s = MilvusStore::new(
        MilvusSettings { timeout: Duration::from_secs(2), ..settings(&server.url(), &names) },
        model(),
    )
    .unwrap();
    s.upsert(Collection::Rationales, &[doc("before", None, 1, vector(&[(0, 1.0)]))]).await.unwrap();

    server.stop();
    let err = s.search(Collection::Rationales, &query(vector(&[(0, 1.0)]), 3)).await.unwrap_err();
    assert!(err.is_retryable(), "{err}");

    let _server = Service::start_on(Kind::MilvusLite, dir.path(), port).unwrap();
    let mut last = None;
    for _ in 0..20 {
        match s.upsert(Collection::Rationales, &[doc("after", None, 2, vector(&[(1, 1.0)]))]).await {
            Ok(()) => {
                last = None;
                break;
            }
            Err(e) => {
                assert!(e.is_retryable(), "{e}");
                last = Some(e);
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        }
    }
    assert!(last.is_none(), "{last:?}");
    let hits = s.search(Collection::Rationales, &query(vector(&[(0, 1.0)]), 5)).await.unwrap();
    let ids: Vec<&str> = hits.iter().map(|h| h.doc.id.as_str()).collect();
    assert_eq!(ids, ["before", "after"]);
}

#[tokio::test]
async fn model_names_that_cannot_be_recorded_are_refused_up_front() {
    let bad = EmbeddingModel { name: "two words".into(), dimension: 8 };
    assert!(matches!(
        MilvusStore::new(MilvusSettings::new("http://127.0.0.1:1"), bad),
        Err(VectorError::Invalid(_))
    ));
}

/// By-id deletes use a literal `id in [..]` filter (milvus-lite refuses the SDK's templated
/// ones); ids outside the safe alphabet are refused before anything is sent.
#[tokio::test]
async fn documents_can_be_deleted_by_id() {
    let (url, names) = (milvus_url(), unique("byid"));
    let s = store(&url, &names, model());
    let docs: Vec<_> =
        ["a", "b", "sma-cross:BTCUSDT:1"].iter().map(|id| doc(id, None, 1, vector(&[(0, 1.0)]))).collect();
    s.upsert(Collection::Rationales, &docs).await.unwrap();
    assert_eq!(s.delete_ids(Collection::Rationales, &["a", "sma-cross:BTCUSDT:1"]).await.unwrap(), 2);
    let hits = s.search(Collection::Rationales, &query(vector(&[(0, 1.0)]), 10)).await.unwrap();
    assert_eq!(hits.iter().map(|h| h.doc.id.as_str()).collect::<Vec<_>>(), ["b"]);
    let err = s.delete_ids(Collection::Rationales, &["b", "x\" or id != \""]).await.unwrap_err();
    assert!(matches!(err, VectorError::Invalid(_)));
    assert_eq!(
        s.search(Collection::Rationales, &query(vector(&[(0, 1.0)]), 10)).await.unwrap().len(),
        1,
        "nothing deleted"
    );
    cleanup(&url, &names, model()).await;
}
