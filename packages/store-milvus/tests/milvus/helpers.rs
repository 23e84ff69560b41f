//! Fixtures: the run's shared milvus-lite, unique collection names, and stores on them.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use mirai_core::{Collection, EmbeddingModel};
use mirai_store_milvus::{MilvusSettings, MilvusStore};
use mirai_testkit::{Kind, shared};

/// `http://127.0.0.1:PORT` of the run's shared milvus-lite.
pub fn milvus_url() -> String {
    shared(Kind::MilvusLite).expect("milvus-lite (run ./scripts/test.sh, which installs it)").url()
}

/// Collection names no other test (or earlier run against the same server) uses.
pub fn unique(tag: &str) -> (String, String) {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("test fixture")
        .subsec_nanos();
    let base = format!("t_{tag}_{}_{n}_{nanos}", std::process::id());
    (format!("{base}_news"), format!("{base}_rationales"))
}

pub fn settings(url: &str, names: &(String, String)) -> MilvusSettings {
    MilvusSettings {
        news_collection: names.0.clone(),
        rationales_collection: names.1.clone(),
        timeout: Duration::from_secs(10),
        ..MilvusSettings::new(url)
    }
}

pub fn store(url: &str, names: &(String, String), model: EmbeddingModel) -> MilvusStore {
    MilvusStore::new(settings(url, names), model).expect("test fixture")
}

/// Drops both collections so a long-lived server does not collect them.
pub async fn cleanup(url: &str, names: &(String, String), model: EmbeddingModel) {
    let s = store(url, names, model);
    for c in [Collection::News, Collection::Rationales] {
        let _ = s.drop_collection(c).await;
    }
}
