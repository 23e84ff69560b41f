//! Vector search latency over N documents (default 100,000): the embedded index
//! (mirai-store-local) and Milvus (a milvus-lite started here), through the same `VectorStore`
//! calls the worker makes. Prints p50/p99/max for unfiltered and filtered top-10 searches.
//!
//! `cargo bench -p mirai-store-milvus --bench vector_search -- [N] [DIM] [--skip-milvus] [--skip-embedded]`

use std::time::{Duration, Instant};

use mirai_core::{Collection, EmbeddingModel, Symbol, Timestamp, VectorDoc, VectorQuery, VectorStore};
use mirai_store_local::vectors::LocalVectorIndex;
use mirai_store_milvus::{MilvusSettings, MilvusStore};
use mirai_testkit::{Kind, Service};

const DAY: i64 = 86_400_000;
/// `mirai_llm::LOCAL_DIMENSION`: the local embedder's size, the default deployment's.
const DEFAULT_DIM: usize = 384;
const START: i64 = 1_732_000_000_000; // late 2024: two years of documents up to late 2026

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Roughly normal (sum of uniforms), so random vectors spread over the sphere.
    fn gauss(&mut self) -> f32 {
        (0..4).map(|_| (self.next() % 10_000) as f32 / 10_000.0).sum::<f32>() - 2.0
    }

    fn vector(&mut self, dim: usize) -> Vec<f32> {
        (0..dim).map(|_| self.gauss()).collect()
    }
}

fn docs(n: usize, dim: usize, rng: &mut Rng) -> Vec<VectorDoc> {
    let symbols = [Some(Symbol::new("BTCUSDT")), Some(Symbol::new("ETHUSDT")), None];
    (0..n)
        .map(|i| VectorDoc {
            id: format!("news-{i:08x}-0"),
            symbol: symbols[i % 3],
            published_at: Timestamp::from_millis(START + (i as i64 * 730 * DAY) / n as i64),
            first_seen_at: Timestamp::from_millis(START + (i as i64 * 730 * DAY) / n as i64),
            source: "Bench Wire".into(),
            url: Some(format!("https://news.example.com/{i}")),
            title: format!("Benchmark article {i}"),
            text: "Bitcoin and ether traded in a narrow range as ETF flows and funding rates set the tone. "
                .repeat(3),
            embedding: rng.vector(dim),
        })
        .collect()
}

fn queries(count: usize, dim: usize, rng: &mut Rng, filtered: bool) -> Vec<VectorQuery> {
    (0..count)
        .map(|i| {
            let end = START + 700 * DAY - (i as i64 % 300) * DAY;
            VectorQuery {
                embedding: rng.vector(dim),
                top_k: 10,
                symbol: filtered.then(|| Symbol::new("BTCUSDT")),
                since: filtered.then(|| Timestamp::from_millis(end - 30 * DAY)),
                until: filtered.then(|| Timestamp::from_millis(end)),
                // Unbounded, as when the recorded numbers (docs/benchmarks.md) were measured.
                seen_until: None,
            }
        })
        .collect()
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

async fn measure<S: VectorStore>(store: &S, qs: &[VectorQuery]) -> (Vec<Duration>, usize) {
    let mut times = Vec::with_capacity(qs.len());
    let mut hits = 0;
    for q in qs {
        let t = Instant::now();
        let r = store.search(Collection::News, q).await.expect("search");
        times.push(t.elapsed());
        hits += r.len();
    }
    times.sort();
    (times, hits)
}

fn report(what: &str, times: &[Duration], hits: usize) {
    println!(
        "{what:<44} n={:<5} p50 {:>8.3} ms  p99 {:>8.3} ms  max {:>8.3} ms  (avg hits {:.1})",
        times.len(),
        pct(times, 0.50).as_secs_f64() * 1e3,
        pct(times, 0.99).as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3,
        hits as f64 / times.len() as f64
    );
}

async fn upsert_all<S: VectorStore>(store: &S, docs: &[VectorDoc], batch: usize) -> Duration {
    let t = Instant::now();
    for b in docs.chunks(batch) {
        store.upsert(Collection::News, b).await.expect("upsert");
    }
    t.elapsed()
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let n: usize = args.iter().find_map(|a| a.parse().ok()).unwrap_or(100_000);
    let dim: usize = args.iter().filter_map(|a| a.parse().ok()).nth(1).unwrap_or(DEFAULT_DIM);
    let skip_milvus = args.iter().any(|a| a == "--skip-milvus");
    let skip_embedded = args.iter().any(|a| a == "--skip-embedded");
    let model = EmbeddingModel { name: "bench-random".into(), dimension: dim };
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    println!("vector search over {n} documents of {dim} dimensions, top 10");
    let corpus = docs(n, dim, &mut rng);
    let plain = queries(1000, dim, &mut rng, false);
    let filtered = queries(1000, dim, &mut rng, true);

    // The embedded index: written, reopened (as after a restart), then searched.
    let dir = tempfile::tempdir().expect("temp dir");
    if !skip_embedded {
        {
            let index = LocalVectorIndex::open(dir.path(), model.clone()).expect("open");
            let took = upsert_all(&index, &corpus, 1000).await;
            println!(
                "embedded: upserted in {:.1} s ({:.0} docs/s)",
                took.as_secs_f64(),
                n as f64 / took.as_secs_f64()
            );
        }
        let t = Instant::now();
        let index = LocalVectorIndex::open(dir.path(), model.clone()).expect("reopen");
        let (loaded, took) = (index.len(Collection::News), t.elapsed().as_secs_f64());
        println!("embedded: reopened (loaded {loaded} docs) in {took:.2} s");
        let _ = measure(&index, &plain[..50]).await; // warm the page cache
        let (t1, h1) = measure(&index, &plain).await;
        report("embedded index, unfiltered", &t1, h1);
        let (t2, h2) = measure(&index, &filtered).await;
        report("embedded index, symbol + 30-day window", &t2, h2);
    }

    if skip_milvus {
        return;
    }
    // milvus-lite is Python; fewer queries keep the run within minutes.
    let milvus_queries = 50;
    let server =
        Service::start(Kind::MilvusLite).expect("milvus-lite (run ./scripts/test.sh once to install it)");
    let settings = MilvusSettings { timeout: Duration::from_secs(120), ..MilvusSettings::new(server.url()) };
    let store = MilvusStore::new(settings, model).expect("store");
    let took = upsert_all(&store, &corpus, 500).await;
    println!(
        "milvus-lite: upserted in {:.1} s ({:.0} docs/s)",
        took.as_secs_f64(),
        n as f64 / took.as_secs_f64()
    );
    let _ = measure(&store, &plain[..5]).await;
    let (t3, h3) = measure(&store, &plain[..milvus_queries]).await;
    report("milvus-lite, unfiltered", &t3, h3);
    let (t4, h4) = measure(&store, &filtered[..milvus_queries]).await;
    report("milvus-lite, symbol + 30-day window", &t4, h4);
}
