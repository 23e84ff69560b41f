//! Fixtures: an embedded vector index in a temporary directory, the local embedder, symbols.

use std::sync::Arc;

use mirai_core::Symbol;
use mirai_llm::LocalEmbedder;
use mirai_news::{Pipeline, SymbolMap};
use mirai_store_local::vectors::LocalVectorIndex;

pub struct Env {
    pub _dir: tempfile::TempDir,
    pub index: Arc<LocalVectorIndex>,
    pub embedder: Arc<LocalEmbedder>,
}

pub fn env() -> Env {
    let dir = tempfile::tempdir().expect("test fixture");
    let embedder = Arc::new(LocalEmbedder::new());
    let index = Arc::new(
        LocalVectorIndex::open(dir.path(), mirai_core::Embedder::model(&*embedder).clone())
            .expect("test fixture"),
    );
    Env { _dir: dir, index, embedder }
}

pub fn symbols() -> Vec<Symbol> {
    vec![Symbol::new("BTCUSDT"), Symbol::new("ETHUSDT")]
}

pub fn pipeline() -> Pipeline {
    Pipeline { symbols: SymbolMap::for_symbols(&symbols()), chunk_chars: 1000 }
}
