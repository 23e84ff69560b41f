//! The news service as the worker drives it: sample news when nothing is configured, files
//! imported once and again when they change, Polygon polled from a moving cursor, failures
//! reported without stopping the rest, and retention.

use mirai_core::{Collection, Symbol, Timestamp, VectorStore};
use mirai_news::polygon::PolygonSettings;
use mirai_news::{NewsService, NewsSettings, TextQuery, sample_items, search_text};
use secrecy::SecretString;

use crate::fake_polygon::{FakePolygon, KEY, Script};
use crate::helpers::{env, symbols};

fn now() -> Timestamp {
    Timestamp::from_millis(1_795_392_000_000) // 2026-11-23T00:00Z
}

#[tokio::test]
async fn with_nothing_configured_the_sample_is_ingested_once() {
    let e = env();
    let settings = NewsSettings::new(&symbols());
    assert!(settings.sample);
    let mut svc = NewsService::new(settings, &symbols(), e.embedder.clone(), e.index.clone()).unwrap();
    let first = svc.poll(now()).await.unwrap();
    assert_eq!(first.ingested.items, sample_items().items.len());
    assert!(first.issues.is_empty() && first.failures.is_empty());
    let second = svc.poll(now()).await.unwrap();
    assert_eq!(second.ingested.items, 0);
}

#[tokio::test]
async fn files_import_with_bad_lines_named_and_again_only_when_changed() {
    let e = env();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk-notes.jsonl");
    std::fs::write(
        &path,
        concat!(
            r#"{"title":"Desk note: ether bid","published_at":"2026-11-22T10:00:00Z","text":"Ether found buyers.","tickers":["ETH"]}"#,
            "\n{broken\n",
            r#"{"title":"Desk note: bitcoin flat","published_at":"2026-11-22T11:00:00Z","text":"Quiet.","symbol":"BTCUSDT"}"#,
            "\n"
        ),
    )
    .unwrap();
    let settings =
        NewsSettings { import_paths: vec![path.clone()], sample: false, ..NewsSettings::new(&symbols()) };
    let mut svc = NewsService::new(settings, &symbols(), e.embedder.clone(), e.index.clone()).unwrap();
    let r = svc.poll(now()).await.unwrap();
    assert_eq!(r.ingested.items, 2);
    assert_eq!(r.issues.len(), 1);
    assert!(
        r.issues[0].to_string().contains("desk-notes.jsonl line 2: is not a JSON news object"),
        "{}",
        r.issues[0]
    );
    assert_eq!(svc.poll(now()).await.unwrap().ingested.items, 0, "unchanged file, no re-import");

    std::thread::sleep(std::time::Duration::from_millis(20));
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str(r#"{"title":"Desk note: late","published_at":"2026-11-23T09:00:00Z","text":"More."}"#);
    std::fs::write(&path, text).unwrap();
    let later = now().plus_millis(3_600_000);
    let r = svc.poll(later).await.unwrap();
    assert_eq!(r.ingested.items, 3, "the whole file again; the two known articles are upserted in place");
    assert_eq!(e.index.len(Collection::News), 3);
    // Each chunk is first seen at the poll that first stored it; importing again does not make
    // the known articles newer.
    let q = TextQuery { top_k: 10, ..TextQuery::new("desk note") };
    let hits = search_text(&*e.embedder, &*e.index, Collection::News, &q).await.unwrap();
    let mut seen: Vec<(String, Timestamp)> =
        hits.iter().map(|h| (h.doc.title.clone(), h.doc.first_seen_at)).collect();
    seen.sort();
    assert_eq!(
        seen,
        [
            ("Desk note: bitcoin flat".to_owned(), now()),
            ("Desk note: ether bid".to_owned(), now()),
            ("Desk note: late".to_owned(), later),
        ]
    );

    let missing = NewsSettings {
        import_paths: vec![dir.path().join("gone.jsonl")],
        sample: false,
        ..NewsSettings::new(&symbols())
    };
    let mut svc = NewsService::new(missing, &symbols(), e.embedder.clone(), e.index.clone()).unwrap();
    let r = svc.poll(now()).await.unwrap();
    assert!(r.failures[0].contains("gone.jsonl"), "{:?}", r.failures);
}

#[tokio::test]
async fn polygon_is_polled_from_a_moving_cursor_and_failures_do_not_stop_the_rest() {
    let e = env();
    let fake = FakePolygon::start(Script::Recorded).await;
    let polygon =
        PolygonSettings { base_url: fake.base.clone(), ..PolygonSettings::new(SecretString::from(KEY)) };
    let settings = NewsSettings {
        polygon: Some(polygon),
        polygon_tickers: vec![
            ("X:BTCUSD".into(), Symbol::new("BTCUSDT")),
            ("IBIT".into(), Symbol::new("BTCUSDT")),
        ],
        sample: false,
        ..NewsSettings::new(&symbols())
    };
    let mut svc = NewsService::new(settings, &symbols(), e.embedder.clone(), e.index.clone()).unwrap();
    let poll_at = Timestamp::from_millis(1_795_219_200_000); // 2026-11-21T00:00Z
    let r = svc.poll(poll_at).await.unwrap();
    // Both tickers get the same recorded pages: 2 articles each; the first names BTC and ETH.
    assert_eq!((r.ingested.items, r.ingested.articles), (4, 6), "{r:?}");
    assert_eq!(e.index.len(Collection::News), 3, "the same articles under two tickers are stored once");
    assert_eq!(r.issues.len(), 2, "the undated article, once per ticker");
    let first_query = &fake.seen()[0].0;
    assert!(
        first_query.contains("published_utc.gte=2026-11-20T00%3A00%3A00.000Z"),
        "lookback of 24 h: {first_query}"
    );

    svc.poll(poll_at).await.unwrap();
    let later = &fake.seen()[4].0;
    assert!(
        later.contains("published_utc.gte=2026-11-21T09%3A30%3A00.000Z"),
        "from the newest article: {later}"
    );

    let down = NewsSettings {
        polygon: Some(PolygonSettings {
            base_url: "http://127.0.0.1:9".into(),
            ..PolygonSettings::new(SecretString::from(KEY))
        }),
        sample: true,
        ..NewsSettings::new(&symbols())
    };
    let mut svc = NewsService::new(down, &symbols(), e.embedder.clone(), e.index.clone()).unwrap();
    let r = svc.poll(now()).await.unwrap();
    assert_eq!(r.failures.len(), 2, "{:?}", r.failures);
    assert!(r.ingested.items > 0, "the sample still went in");
    assert!(!r.failures.join(" ").contains(KEY));
}

#[tokio::test]
async fn retention_deletes_what_is_older_than_two_years() {
    let e = env();
    let mut svc =
        NewsService::new(NewsSettings::new(&symbols()), &symbols(), e.embedder.clone(), e.index.clone())
            .unwrap();
    svc.poll(now()).await.unwrap();
    let stored = e.index.len(Collection::News);
    let r = svc.retain(now()).await.unwrap();
    assert_eq!(r.news_deleted, 0, "the sample is from 2026");
    assert_eq!(r.cutoff.to_iso8601(), "2024-11-23T00:00:00.000Z");
    let three_years_on = now().plus_millis(3 * 365 * 86_400_000);
    let r = svc.retain(three_years_on).await.unwrap();
    assert_eq!(r.news_deleted as usize, stored);
    assert_eq!(e.index.len(Collection::News), 0);
    assert_eq!(e.index.delete_older_than(Collection::Rationales, now()).await.unwrap(), 0);
}
