//! The Polygon client against recorded pages: pagination, the key only in the header, bad
//! articles reported by id, and answers that must not be trusted.

use mirai_core::Timestamp;
use mirai_news::polygon::{PolygonClient, PolygonSettings};
use secrecy::SecretString;

use crate::fake_polygon::{FakePolygon, KEY, Script};

fn client(base: &str, key: &str) -> PolygonClient {
    PolygonClient::new(PolygonSettings {
        base_url: base.into(),
        ..PolygonSettings::new(SecretString::from(key))
    })
    .expect("client")
}

fn since() -> Timestamp {
    Timestamp::from_millis(1_795_000_000_000)
}

#[tokio::test]
async fn recorded_pages_are_followed_and_parsed() {
    let fake = FakePolygon::start(Script::Recorded).await;
    let got = client(&fake.base, KEY).fetch("X:BTCUSD", since()).await.unwrap();
    let titles: Vec<&str> = got.items.iter().map(|i| i.title.as_str()).collect();
    assert_eq!(
        titles,
        ["Bitcoin ETFs see strongest inflows in a month", "Bitcoin miners step up exchange deposits"]
    );
    let a = &got.items[0];
    assert_eq!(a.source, "Example Markets");
    assert_eq!(a.published_at.to_iso8601(), "2026-11-20T14:05:00.000Z");
    assert!(a.body.starts_with("Spot bitcoin ETFs recorded"));
    assert_eq!(a.tickers, ["X:BTCUSD", "COIN", "X:ETHUSD", "X:BTCUSD"]);
    assert_eq!(got.issues.len(), 1);
    assert_eq!(got.issues[0].to_string(), "polygon article 0b1c2d3e4f: has no published_utc");
    assert!(!got.truncated);

    let seen = fake.seen();
    assert_eq!(seen.len(), 2, "page 1 and page 2");
    let (q1, auth) = &seen[0];
    assert!(
        q1.contains("ticker=X%3ABTCUSD")
            && q1.contains("published_utc.gte=2026-")
            && q1.contains("order=asc"),
        "{q1}"
    );
    assert!(
        seen.iter().all(|(q, _)| !q.contains(KEY) && !q.to_lowercase().contains("apikey")),
        "the key is never in a url"
    );
    assert_eq!(auth, &format!("Bearer {KEY}"));
}

#[tokio::test]
async fn next_url_to_another_host_is_not_followed() {
    let fake = FakePolygon::start(Script::ForeignNextUrl).await;
    let err = client(&fake.base, KEY).fetch("X:BTCUSD", since()).await.unwrap_err();
    assert!(err.to_string().contains("another host (https://evil.example.com:443)"), "{err}");
    assert_eq!(fake.seen().len(), 1);
}

#[tokio::test]
async fn a_refused_key_is_reported_without_the_key() {
    let fake = FakePolygon::start(Script::Recorded).await;
    let wrong = "wrong-key-SECRET-99";
    let err = client(&fake.base, wrong).fetch("X:BTCUSD", since()).await.unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("HTTP 401") && text.contains("POLYGON_API_KEY") && text.contains("Unknown API Key"),
        "{text}"
    );
    assert!(!text.contains(wrong) && !text.contains(KEY));
}

#[tokio::test]
async fn errors_floods_and_garbage_fail_cleanly() {
    for (script, expect) in [
        (
            Script::Fixed(
                429,
                r#"{"status":"ERROR","error":"You've exceeded the maximum requests per minute"}"#.into(),
            ),
            "HTTP 429 (rate limited",
        ),
        (Script::Fixed(200, "<html>maintenance</html>".into()), "not Polygon news JSON"),
        (Script::Fixed(200, r#"{"status":"ERROR","error":"bad ticker"}"#.into()), "status ERROR: bad ticker"),
        (Script::Flood, "larger than"),
    ] {
        let fake = FakePolygon::start(script).await;
        let err = client(&fake.base, KEY).fetch("X:BTCUSD", since()).await.unwrap_err();
        assert!(err.to_string().contains(expect), "{err}");
        assert!(err.is_retryable());
    }
}

#[tokio::test]
async fn an_unreachable_server_is_a_retryable_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let err = client(&format!("http://127.0.0.1:{port}"), KEY).fetch("X:BTCUSD", since()).await.unwrap_err();
    assert!(err.is_retryable() && err.to_string().contains("cannot connect"), "{err}");
}
