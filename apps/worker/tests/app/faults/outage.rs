//! Snowflake (fakesnow) and Milvus (milvus-lite) gone while the binary trades: both reached
//! through a proxy the test takes down and brings back, so the shared servers keep running for
//! the other tests. Trading goes on meanwhile; once they are back, every fill, order and decision
//! is in Snowflake exactly once and every rationale in Milvus exactly once.

use std::time::{Duration, Instant};

use mirai_core::Embedder;
use mirai_llm::{AnyEmbedder, EmbedderSettings};
use mirai_store_milvus::MilvusSettings;
use mirai_worker::knowledge::AnyVectorStore;

use super::*;
use crate::knowledge::assert_every_rationale_once;
use crate::proxy::Proxy;
use crate::snowflake::{assert_snowflake_is_the_ledger, fakesnow_url, fresh_database, outbox, snowflake_env};

fn addr_of(url: &str) -> std::net::SocketAddr {
    url.trim_start_matches("http://").parse().expect("a loopback host:port")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snowflake_and_milvus_down_while_trading_lose_and_duplicate_nothing() {
    const TEST: &str = "outage";
    let down_for = Duration::from_secs(if long_form() { 60 } else { 5 });
    let milvus_url = mirai_testkit::shared(mirai_testkit::Kind::MilvusLite)
        .unwrap_or_else(|e| panic!("milvus-lite (run ./scripts/test.sh, which installs it): {e}"))
        .url();
    let snowflake = Proxy::start(addr_of(&fakesnow_url())).await;
    let milvus = Proxy::start(addr_of(&milvus_url)).await;
    let database = fresh_database("outage");
    let (news, rationales) =
        (format!("faults_news_{}", std::process::id()), format!("faults_rationales_{}", std::process::id()));

    let sim = stepped_sim(|_| {}).await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut extra = snowflake_env(&snowflake.url(), &database);
    for (k, v) in [
        ("MILVUS_ADDRESS", milvus.url()),
        ("MILVUS_COLLECTION_NEWS", news.clone()),
        ("MILVUS_COLLECTION_RATIONALES", rationales.clone()),
    ] {
        extra.push((k.to_owned(), v));
    }
    let w = Worker::start(dir.path(), &worker_vars(&data, &sim, &extra)).await;
    // Slower than the other tests' market: every bar is records for both (a decision, its
    // rationale, refusals, P&L), and fakesnow takes a while per statement.
    let pump = BarPump::start(&sim, Duration::from_millis(30));
    eventually(90, async || {
        let status = w.get("/api/status").await;
        let (a, r) = (outbox(&status, "analytics"), outbox(&status, "rationales"));
        let trades = ledger_fills(&data);
        if trades >= 2 && a["shipped"].as_u64() > Some(0) && r["shipped"].as_u64() > Some(0) {
            Ok(())
        } else {
            Err(format!("trading and shipping to both: {trades} trades, {a}, {r}"))
        }
    })
    .await;

    // Both gone while trading goes on; the worker sees it.
    let (fills_before, went_down) = (ledger_fills(&data), Instant::now());
    snowflake.set_up(false);
    milvus.set_up(false);
    let attempts = snowflake.accepted() + milvus.accepted();
    eventually(down_for.as_secs() + 30, async || {
        let status = w.get("/api/status").await;
        let (a, r) = (outbox(&status, "analytics"), outbox(&status, "rationales"));
        let failing = |o: &serde_json::Value| o["consecutive_failures"].as_u64() >= Some(1);
        if failing(&a) && failing(&r) && a["pending"].as_u64() >= Some(1) && r["pending"].as_u64() >= Some(1)
        {
            Ok(())
        } else {
            Err(format!("failures and a backlog on both: {a} {r}"))
        }
    })
    .await;
    tokio::time::sleep(down_for.saturating_sub(went_down.elapsed())).await;
    let fills_during = ledger_fills(&data);
    assert!(fills_during > fills_before, "trading went on while both were down ({fills_before} fills)");
    let attempts = snowflake.accepted() + milvus.accepted() - attempts;
    // What the outage left: failed attempts in a row and records waiting, per destination.
    let end = w.get("/api/status").await;
    let left = |topic: &str| {
        let o = outbox(&end, topic);
        (o["consecutive_failures"].as_u64().unwrap_or(0), o["pending"].as_u64().unwrap_or(0))
    };
    let ((sf_failures, sf_pending), (mv_failures, mv_pending)) = (left("analytics"), left("rationales"));
    assert!(sf_failures >= 1 && mv_failures >= 1, "both were failing at the end: {end}");
    snowflake.set_up(true);
    milvus.set_up(true);
    let down = went_down.elapsed();

    // Back: a little more trading, then the market stops and the backlog must drain to nothing.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let bars = pump.stop().await;
    let drained = Instant::now();
    eventually(down_for.as_secs() + 120, async || {
        let status = w.get("/api/status").await;
        let (a, r) = (outbox(&status, "analytics"), outbox(&status, "rationales"));
        let done =
            |o: &serde_json::Value| o["pending"] == 0 && o["parked"] == 0 && o["consecutive_failures"] == 0;
        if done(&a) && done(&r) { Ok(()) } else { Err(format!("the backlogs drained: {a} {r}")) }
    })
    .await;
    let recovery = drained.elapsed();
    let _ = w.kill();

    let shipped = assert_snowflake_is_the_ledger(&database, &data).await;
    let ledger = LocalStore::open(&data).expect("ledger");
    let mut settings = MilvusSettings::new(milvus_url);
    settings.news_collection = news;
    settings.rationales_collection = rationales;
    let embedder = AnyEmbedder::from_settings(&EmbedderSettings::Local).expect("the local embedder");
    let vectors = AnyVectorStore::open(Some(&settings), &data, embedder.model().clone()).expect("Milvus");
    let in_milvus = assert_every_rationale_once(&ledger, &vectors, &embedder).await;
    let books = assert_ledger_is_the_account(&data, &sim).await;
    figure(
        TEST,
        format!(
            "Snowflake and Milvus down {:.1} s while trading ({attempts} connections refused; at the end \
             Snowflake {sf_failures} failed attempts in a row and {sf_pending} records waiting, Milvus \
             {mv_failures} and {mv_pending}; {} fills during); \
             drained {:.1} s after the market stopped; Snowflake: {} fills, {} orders, {} decisions, \
             Milvus: {in_milvus} rationales, each exactly once, nothing missing; venue: {} orders, {} fills; \
             {bars} bars",
            down.as_secs_f64(),
            fills_during - fills_before,
            recovery.as_secs_f64(),
            shipped.fills,
            shipped.orders,
            shipped.decisions,
            books.orders,
            books.fills,
        ),
    );
}
