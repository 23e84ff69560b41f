//! News search and decision rationales, end to end: the bundled sample news is searchable on a
//! fresh start, every decision's rationale reaches the vector store through the outbox, bad
//! queries get clear errors, the same works against Milvus (milvus-lite), and a store built
//! with another embedding model refuses to start.

mod fakes;

use std::time::{Duration, Instant};

use mirai_core::Decision;
use mirai_worker::app::start;
use mirai_worker::config::Settings;
use serde_json::Value;

use crate::helpers::*;

/// A GET that may fail: the status and the JSON body.
async fn get_raw(app: &TestApp, path: &str) -> (u16, Value) {
    let resp =
        app.client.get(format!("{}{path}", app.base)).bearer_auth(&app.token).send().await.expect("request");
    let status = resp.status().as_u16();
    let ct = resp.headers()["content-type"].to_str().unwrap_or_default().to_owned();
    assert_eq!(ct, "application/json", "{path}");
    (status, resp.json().await.expect("json"))
}

/// Percent-encodes every byte but letters and digits.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

fn results(body: &Value) -> Vec<Value> {
    body["results"].as_array().cloned().expect("results")
}

/// Searches until something is found (ingestion runs in the background), or fails.
async fn search_until_found(app: &TestApp, path: &str, secs: u64) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let (status, body) = get_raw(app, path).await;
        assert_eq!(status, 200, "{path}: {body}");
        let r = results(&body);
        if !r.is_empty() {
            return r;
        }
        assert!(Instant::now() < deadline, "{path} found nothing in {secs} s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// News search over the bundled sample: found by its words, filtered by symbol and time.
async fn news_search_works(app: &TestApp) {
    let hits = search_until_found(app, "/api/news/search?q=spot+bitcoin+ETF+inflows&limit=3", 30).await;
    let top = &hits[0];
    assert_eq!(top["title"], "Sample: Spot bitcoin ETFs record a third day of inflows", "{hits:#?}");
    assert_eq!(top["symbol"], "BTCUSDT");
    assert!(top["source"].as_str().expect("source").contains("sample"));
    assert!(hits.len() <= 3);
    let scores: Vec<f64> = hits.iter().map(|h| h["score"].as_f64().expect("score")).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "best first: {scores:?}");

    // The symbol filter keeps to one coin.
    let (_, body) = get_raw(app, "/api/news/search?q=inflation+report&symbol=ETHUSDT&limit=20").await;
    let eth = results(&body);
    assert!(!eth.is_empty());
    assert!(eth.iter().all(|h| h["symbol"] == "ETHUSDT"), "{eth:#?}");

    // The time filter: the ETF article is from 2026-10-03 16:45 UTC.
    let published = top["published_at"].as_i64().expect("published_at");
    let (_, body) = get_raw(
        app,
        &format!("/api/news/search?q=spot+bitcoin+ETF+inflows&since={}&limit=50", published + 1),
    )
    .await;
    let later = results(&body);
    assert!(
        later.iter().all(|h| h["published_at"].as_i64().expect("published_at") > published),
        "{later:#?}"
    );
    assert!(later.iter().all(|h| h["id"] != top["id"]));
    let (_, body) = get_raw(
        app,
        "/api/news/search?q=spot+bitcoin+ETF+inflows&since=2026-10-03&until=2026-10-03T23:59:59Z",
    )
    .await;
    assert_eq!(results(&body)[0]["id"], top["id"]);

    // Bad queries: clear JSON errors, never a 500.
    for (query, status) in [
        ("", 422),
        ("q=x&limit=0", 422),
        ("q=x&since=2026-10-05&until=2026-10-01", 422),
        ("q=x&limit=lots", 400),
        ("q=x&symbol=not-a-symbol", 400),
        ("q=x&since=tomorrow", 400),
    ] {
        let (got, body) = get_raw(app, &format!("/api/news/search?{query}")).await;
        assert_eq!(got, status, "{query}: {body}");
        assert!(body["error"].is_string() && body["code"].is_string(), "{body}");
    }
    let resp =
        app.client.get(format!("{}/api/news/search?q=bitcoin", app.base)).send().await.expect("request");
    assert_eq!(resp.status(), 401, "a token is required");
}

/// The latest decision, once at least one was taken.
async fn a_decision(app: &TestApp) -> Decision {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(d) = app.running.store.decisions(1).expect("decisions").into_iter().next() {
            return d;
        }
        assert!(Instant::now() < deadline, "no decision within 60 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A decision's rationale is found by its own words, through the outbox; status shows the
/// rationales destination with its backlog.
async fn rationale_search_works(app: &TestApp, model: &str) -> Decision {
    app.wait_for_trades(1, 60).await;
    let d = a_decision(app).await;
    let path = format!("/api/rationales/search?q={}&symbol={}&limit=50", encode(&d.rationale), d.symbol);
    let deadline = Instant::now() + Duration::from_secs(30);
    let hit = loop {
        let (status, body) = get_raw(app, &path).await;
        assert_eq!(status, 200, "{body}");
        if let Some(h) = results(&body).into_iter().find(|h| h["id"] == d.id.as_str()) {
            break h;
        }
        assert!(Instant::now() < deadline, "the rationale of {} never became searchable", d.id.as_str());
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(hit["text"], d.rationale.as_str());
    assert_eq!(hit["symbol"], d.symbol.as_str());
    assert_eq!(hit["published_at"], d.ts.millis());

    // Status reports the rationales destination: nothing parked, shipping under way.
    let status = app.get("/api/status").await;
    let outbox = status["outbox"].as_array().cloned().expect("outbox in status");
    let r = outbox.iter().find(|t| t["topic"] == "rationales").expect("rationales topic");
    assert_eq!(r["destination"], "rationales");
    assert_eq!(r["parked"], 0);
    assert!(r["shipped"].as_u64().expect("shipped") >= 1, "{r}");
    assert!(r["pending"].is_u64() && r["lag_ms"].is_i64(), "{r}");
    let news = &status["news"];
    assert!(news["vector_store"] == "embedded" || news["vector_store"] == "milvus", "{news}");
    assert_eq!(news["embedding_model"], model);
    assert!(news["last_poll_at"].is_i64() && news["last_error"].is_null(), "{news}");
    d
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_nothing_configured_news_and_rationales_are_searchable_in_the_embedded_index() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn(dir.path()).await;
    news_search_works(&app).await;
    // Shipped and acknowledged in this run: only a backfill can bring it back below.
    let shipped = rationale_search_works(&app, "mirai-local-hash-v1").await;
    app.stop().await;
    assert!(dir.path().join("vectors.db").exists());

    // A restart keeps what was indexed and does not embed the sample again.
    let app = spawn(dir.path()).await;
    let (_, body) = get_raw(&app, "/api/news/search?q=spot+bitcoin+ETF+inflows&limit=1").await;
    assert_eq!(results(&body).len(), 1, "indexed news survives a restart at once");
    let deadline = Instant::now() + Duration::from_secs(30);
    let run = loop {
        if let Some(record) = app.running.knowledge.last_poll() {
            break record.outcome.expect("the news poll succeeds");
        }
        assert!(Instant::now() < deadline, "no news poll within 30 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(run.items, 0, "the sample is ingested once per store: {run:?}");
    app.stop().await;
    let d = shipped;

    // The embedded index deleted (to re-index, say): the next start puts the sample news and
    // every rationale in the ledger back.
    for file in ["vectors.db", "vectors.db-wal", "vectors.db-shm"] {
        let _ = std::fs::remove_file(dir.path().join(file));
    }
    let app = spawn(dir.path()).await;
    search_until_found(&app, "/api/news/search?q=spot+bitcoin+ETF+inflows&limit=1", 30).await;
    let path = format!("/api/rationales/search?q={}&symbol={}&limit=50", encode(&d.rationale), d.symbol);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, body) = get_raw(&app, &path).await;
        if results(&body).iter().any(|h| h["id"] == d.id.as_str()) {
            break;
        }
        assert!(Instant::now() < deadline, "the rationale of {} did not come back", d.id.as_str());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_built_with_another_embedding_model_refuses_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn(dir.path()).await;
    search_until_found(&app, "/api/news/search?q=bitcoin", 30).await;
    app.stop().await;

    // The same data directory, now with OpenAI embeddings configured (never contacted).
    let env = env(
        dir.path(),
        &[("OPENAI_API_KEY", "sk-test-key-never-sent-0000"), ("OPENAI_BASE_URL", "http://127.0.0.1:9")],
    );
    let settings = Settings::from_lookup(&move |k| env.get(k).cloned()).expect("valid settings");
    let err = start(settings).await.expect_err("a model mismatch must refuse to start");
    let text = format!("{err:#}");
    assert!(text.contains("mirai-local-hash-v1") && text.contains("text-embedding-3-small"), "{text}");
    assert!(text.contains("384") && text.contains("1536"), "{text}");
    assert!(text.contains("re-index"), "says what to do: {text}");
    assert!(!text.contains("sk-test-key-never-sent"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_milvus_configured_the_same_searches_work_against_milvus() {
    let url = mirai_testkit::shared(mirai_testkit::Kind::MilvusLite)
        .expect("milvus-lite (run ./scripts/test.sh, which installs it)")
        .url();
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    let tag = format!("{}_{nanos}", std::process::id());
    let (news, rationales) = (format!("t_app_news_{tag}"), format!("t_app_rationales_{tag}"));
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_with(
        dir.path(),
        &[
            ("MILVUS_ADDRESS", &url),
            ("MILVUS_COLLECTION_NEWS", &news),
            ("MILVUS_COLLECTION_RATIONALES", &rationales),
        ],
    )
    .await;
    news_search_works(&app).await;
    rationale_search_works(&app, "mirai-local-hash-v1").await;
    let vectors = app.running.knowledge.vectors().clone();
    app.stop().await;
    assert!(!dir.path().join("vectors.db").exists(), "Milvus replaces the embedded index");

    // The collections recorded their model: another embedder is refused at start.
    let env = env(
        dir.path(),
        &[
            ("MILVUS_ADDRESS", &url),
            ("MILVUS_COLLECTION_NEWS", &news),
            ("MILVUS_COLLECTION_RATIONALES", &rationales),
            ("OPENAI_API_KEY", "sk-test-key-never-sent-0000"),
            ("OPENAI_BASE_URL", "http://127.0.0.1:9"),
        ],
    );
    let settings = Settings::from_lookup(&move |k| env.get(k).cloned()).expect("valid settings");
    let err = start(settings).await.expect_err("a model mismatch must refuse to start");
    let text = format!("{err:#}");
    assert!(text.contains("mirai-local-hash-v1") && text.contains("text-embedding-3-small"), "{text}");
    assert!(text.contains(&news) || text.contains(&rationales), "names the collection: {text}");
    // The shared server outlives this test: its collections go.
    if let mirai_worker::knowledge::AnyVectorStore::Milvus(m) = &*vectors {
        for c in [mirai_core::Collection::News, mirai_core::Collection::Rationales] {
            m.drop_collection(c).await.expect("drop a test collection");
        }
    }
}

/// The rationales destination's entry in `/api/status`.
async fn rationale_status(app: &TestApp) -> Value {
    let status = app.get("/api/status").await;
    status["outbox"]
        .as_array()
        .and_then(|o| o.iter().find(|t| t["topic"] == "rationales").cloned())
        .expect("rationales in status")
}

/// Polls the rationales status until `done` holds, or fails after `secs`.
async fn wait_status(app: &TestApp, secs: u64, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let s = rationale_status(app).await;
        if done(&s) {
            return s;
        }
        assert!(Instant::now() < deadline, "{what} within {secs} s; last status {s}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_rationale_reaches_milvus_once_across_an_outage() {
    use mirai_outbox::{RationaleSink, Shipper, ShipperConfig, Step};

    let milvus_dir = tempfile::tempdir().unwrap();
    let mut milvus = mirai_testkit::Service::start_in(mirai_testkit::Kind::MilvusLite, milvus_dir.path())
        .expect("milvus-lite (run ./scripts/test.sh, which installs it)");
    let (port, url) = (milvus.port(), milvus.url());
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_with(dir.path(), &[("MILVUS_ADDRESS", &url), ("REPLAY_BARS_PER_SECOND", "200")]).await;
    wait_status(&app, 60, "a first rationale shipped", |s| s["shipped"].as_u64() >= Some(1)).await;

    // Milvus goes away while the worker keeps trading: the backlog and the failures show.
    milvus.stop();
    let during = wait_status(&app, 60, "failures and a backlog during the outage", |s| {
        s["consecutive_failures"].as_u64() >= Some(1) && s["pending"].as_u64() >= Some(1)
    })
    .await;
    assert!(during["last_error"].is_string(), "{during}");
    assert!(during["lag_ms"].as_i64() > Some(0), "{during}");

    // Back on the same port over the same data: the backlog drains while trading goes on.
    let _milvus = mirai_testkit::Service::start_on(mirai_testkit::Kind::MilvusLite, milvus_dir.path(), port)
        .expect("milvus-lite restarts");
    wait_status(&app, 90, "recovery", |s| {
        s["consecutive_failures"] == 0 && s["shipped"].as_u64() > during["shipped"].as_u64()
    })
    .await;
    assert_eq!(rationale_status(&app).await["parked"], 0);

    // The worker stops with whatever the last bars queued; the next start ships it, as the same
    // shipper does here (without new decisions arriving, so the ledger can be compared).
    let (store, vectors, embedder) = (
        app.running.store.clone(),
        app.running.knowledge.vectors().clone(),
        app.running.knowledge.embedder().clone(),
    );
    app.stop().await;
    let shipper = Shipper::new(
        store.clone(),
        RationaleSink::new(vectors.clone(), embedder.clone()),
        ShipperConfig::default(),
    );
    loop {
        match shipper.ship_once().await.expect("ship") {
            Step::Idle => break,
            Step::Shipped { parked, .. } => assert_eq!(parked, 0),
            Step::Failed { error, .. } => panic!("shipping after the restart failed: {error}"),
        }
    }

    assert_every_rationale_once(&store, &vectors, &embedder).await;
}

/// Every decision in the ledger has its rationale in the vector store, exactly once, and nothing
/// else is there. Returns how many. A search returns at most 1,000 documents, so the ledger is
/// read back in time windows of at most 500 decisions. Also used by the fault suite.
pub(crate) async fn assert_every_rationale_once(
    store: &mirai_store_local::LocalStore,
    vectors: &mirai_worker::knowledge::AnyVectorStore,
    embedder: &mirai_worker::knowledge::AnyEmbedder,
) -> usize {
    use mirai_core::{Collection, Embedder, VectorQuery, VectorStore};

    let mut decisions = store.decisions(1_000_000).expect("decisions");
    decisions.sort_by_key(|d| d.ts);
    assert!(decisions.len() > 1, "{}", decisions.len());
    let embedding = embedder.embed(&["Buy Sell BTCUSDT ETHUSDT".to_owned()]).await.expect("embed").remove(0);
    let mut found: Vec<String> = Vec::new();
    let mut start = 0;
    while start < decisions.len() {
        let mut end = (start + 500).min(decisions.len());
        // A window never splits decisions of the same instant.
        while end < decisions.len() && decisions[end].ts == decisions[end - 1].ts {
            end += 1;
        }
        let query = VectorQuery {
            embedding: embedding.clone(),
            top_k: 1000,
            symbol: None,
            since: Some(decisions[start].ts),
            until: Some(decisions[end - 1].ts),
            seen_until: None,
        };
        let hits = vectors.search(Collection::Rationales, &query).await.expect("search Milvus");
        found.extend(hits.into_iter().map(|h| h.doc.id));
        start = end;
    }
    found.sort_unstable();
    let before_dedup = found.len();
    found.dedup();
    assert_eq!(found.len(), before_dedup, "no rationale stored twice");
    let mut expected: Vec<String> = decisions.iter().map(|d| d.id.as_str().to_owned()).collect();
    expected.sort_unstable();
    assert_eq!(found.len(), expected.len());
    assert!(found == expected, "every decision's rationale, and nothing else");
    found.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_keys_never_reach_logs_responses_or_the_ledger() {
    const OPENAI: &str = "sk-openai-Q7wE4rT1yU8iO5pA-unique";
    const MILVUS: &str = "milvus-pw-Z3xC6vB9nM2kJ5hG-unique";
    const POLYGON: &str = "polygon-key-L4kJ7hG1fD9sA3qW-unique";
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // Every service points at a closed port on this machine, so every call fails and is logged.
    let mirai = Binary::start(
        dir.path(),
        &[
            ("PORT", "0"),
            ("DATA_DIR", data.to_str().expect("utf-8 temp path")),
            ("WEB_PASS", PASSWORD),
            ("JWT_SECRET", JWT_SECRET),
            ("REPLAY_BARS_PER_SECOND", "400"),
            ("RUST_LOG", "debug"),
            ("OPENAI_API_KEY", OPENAI),
            ("OPENAI_BASE_URL", "http://127.0.0.1:9/v1"),
            ("OPENAI_TIMEOUT_SECS", "2"),
            ("MILVUS_ADDRESS", "http://127.0.0.1:9"),
            ("MILVUS_USERNAME", "root"),
            ("MILVUS_PASSWORD", MILVUS),
            ("MILVUS_TIMEOUT_SECS", "2"),
            ("POLYGON_API_KEY", POLYGON),
            ("POLYGON_BASE_URL", "http://127.0.0.1:9"),
        ],
    );
    let base = mirai.base.clone();
    let c = reqwest::Client::new();
    let token = mirai.login(&c).await;
    tokio::time::sleep(Duration::from_secs(4)).await;

    let mut bodies = String::new();
    for path in ["/api/status", "/api/news/search?q=bitcoin", "/api/rationales/search?q=buy"] {
        let r = c.get(format!("{base}{path}")).bearer_auth(&token).send().await.unwrap();
        assert!(r.status() != 500, "{path}");
        bodies.push_str(&r.text().await.unwrap());
    }
    let logs = mirai.stop();
    for exercised in ["news poll had problems", "shipping failed", "vector store unreachable at start"] {
        assert!(logs.contains(exercised), "{exercised:?} was not logged:\n{logs}");
    }
    assert!(bodies.contains("\"consecutive_failures\""), "{bodies}");
    let db = std::fs::read(data.join("mirai.db")).unwrap_or_default();
    let db = String::from_utf8_lossy(&db);
    for (name, secret) in [("OpenAI key", OPENAI), ("Milvus password", MILVUS), ("Polygon key", POLYGON)] {
        assert!(!logs.contains(secret), "the {name} appears in the logs");
        assert!(!bodies.contains(secret), "the {name} appears in a response body");
        assert!(!db.contains(secret), "the {name} is in the ledger");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_openai_and_polygon_keys_set_those_services_are_used() {
    const OPENAI_KEY: &str = "sk-fake-openai-key-for-this-test-0000";
    const POLYGON_KEY: &str = "pk-fake-polygon-key-for-this-test-0000";
    let openai = fakes::openai().await;
    let polygon = fakes::polygon().await;
    let dir = tempfile::tempdir().unwrap();
    let openai_url = format!("{}/v1", openai.base);
    let app = spawn_with(
        dir.path(),
        &[
            ("OPENAI_API_KEY", OPENAI_KEY),
            ("OPENAI_BASE_URL", &openai_url),
            ("OPENAI_EMBEDDING_DIMENSIONS", "64"),
            ("POLYGON_API_KEY", POLYGON_KEY),
            ("POLYGON_BASE_URL", &polygon.base),
        ],
    )
    .await;

    // Polygon's article is found through OpenAI embeddings; the sample is off with a real source.
    let hits = search_until_found(&app, "/api/news/search?q=zeppelin+lighthouse&symbol=BTCUSDT", 30).await;
    assert_eq!(hits[0]["title"], "Lighthouse miners hoard zeppelin bitcoin", "{hits:#?}");
    assert_eq!(hits[0]["url"], "https://news.example.com/zeppelin");
    assert_eq!(hits[0]["source"], "Fake Wire");
    let (_, body) = get_raw(&app, "/api/news/search?q=spot+bitcoin+ETF+inflows&limit=50").await;
    let all = results(&body);
    assert!(all.iter().all(|h| !h["source"].as_str().unwrap_or_default().contains("sample")), "{all:#?}");
    rationale_search_works(&app, "text-embedding-3-small").await;
    app.stop().await;

    // Each key went to its own service only, in the Authorization header.
    let asked = openai.seen();
    assert!(!asked.is_empty());
    for (request, auth) in &asked {
        assert_eq!(auth, &format!("Bearer {OPENAI_KEY}"));
        assert_eq!(
            (&request["model"], &request["dimensions"]),
            (&Value::from("text-embedding-3-small"), &Value::from(64))
        );
    }
    let polled = polygon.seen();
    for ticker in ["X%3ABTCUSD", "X%3AETHUSD"] {
        assert!(
            polled.iter().any(|(q, _)| q.as_str().is_some_and(|q| q.contains(ticker))),
            "{ticker}: {polled:?}"
        );
    }
    for (query, auth) in &polled {
        assert_eq!(auth, &format!("Bearer {POLYGON_KEY}"));
        assert!(!query.to_string().contains(POLYGON_KEY), "the key stays out of the url");
    }
}
