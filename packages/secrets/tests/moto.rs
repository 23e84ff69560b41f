//! Secrets Manager for real, played by moto on 127.0.0.1: start-up, rotation, a missing secret,
//! the service down at the start and down during a refresh. Every test has its own secret (and
//! its own settings lookup: nothing here changes the process environment).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use mirai_secrets::testing::{create, operator, put};
use mirai_secrets::{Secrets, SecretsError, SecretsSettings};
use mirai_testkit::{Kind, Service, shared};

fn moto_port() -> u16 {
    shared(Kind::Moto).expect("moto runs (./scripts/test.sh installs it)").port()
}

/// A secret name no other test (or earlier run against the same moto) uses.
fn unique(name: &str) -> String {
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos();
    format!("mirai/test/{name}-{}-{nanos}", std::process::id())
}

/// The settings a worker would be started with, as a lookup.
fn env(port: u16, id: &str, extra: &[(&str, &str)]) -> HashMap<String, String> {
    let endpoint = format!("http://127.0.0.1:{port}");
    let mut env: HashMap<String, String> = [
        ("SECRETS_SOURCE", "aws"),
        ("AWS_SECRETS_ID", id),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ENDPOINT_URL", endpoint.as_str()),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
    ]
    .iter()
    .chain(extra)
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    env.retain(|_, v| !v.is_empty());
    env
}

async fn load(env: HashMap<String, String>) -> Result<Secrets, SecretsError> {
    let settings = SecretsSettings::from_lookup(&|k| env.get(k).cloned()).expect("valid settings");
    Secrets::load(&settings, move |k| env.get(k).cloned()).await
}

const JWT_1: &str = "jwt-one-0123456789abcdef0123456789abcdef";
const JWT_2: &str = "jwt-two-0123456789abcdef0123456789abcdef";

#[tokio::test]
async fn start_up_reads_the_secret_and_the_environment_overrides_it() {
    let port = moto_port();
    let id = unique("startup");
    create(
        &operator(port, &id).await,
        &format!(
            r#"{{"WEB_PASS": "pass-from-secret", "JWT_SECRET": "{JWT_1}", "OPENAI_API_KEY": "sk-from-secret",
                "SNOWFLAKE_PASSWORD": "snow-from-secret", "BINANCE_API_KEY": "key-1", "AWS_REGION": "eu-west-9"}}"#
        ),
    )
    .await;
    let secrets = load(env(port, &id, &[("WEB_PASS", "pass-from-env")])).await.expect("loads");
    assert_eq!(secrets.lookup("JWT_SECRET").as_deref(), Some(JWT_1));
    assert_eq!(secrets.lookup("OPENAI_API_KEY").as_deref(), Some("sk-from-secret"));
    assert_eq!(secrets.lookup("SNOWFLAKE_PASSWORD").as_deref(), Some("snow-from-secret"));
    assert_eq!(secrets.lookup("WEB_PASS").as_deref(), Some("pass-from-env"), "the environment overrides");
    assert_eq!(secrets.lookup("AWS_REGION").as_deref(), Some("us-east-1"), "the secret cannot move itself");
    let (used, overridden, ignored) = secrets.key_report();
    assert_eq!(used, ["BINANCE_API_KEY", "JWT_SECRET", "OPENAI_API_KEY", "SNOWFLAKE_PASSWORD"]);
    assert_eq!((overridden, ignored), (vec!["WEB_PASS".to_owned()], vec!["AWS_REGION".to_owned()]));
    let source = secrets.source();
    assert!(source.contains(&id) && source.contains("us-east-1") && source.contains("127.0.0.1"), "{source}");
    assert_eq!(secrets.refresh_interval(), Some(Duration::from_secs(3600)));
}

#[tokio::test]
async fn a_refresh_serves_the_new_values_and_names_what_changed() {
    let port = moto_port();
    let id = unique("rotation");
    let op = operator(port, &id).await;
    create(&op, &format!(r#"{{"JWT_SECRET": "{JWT_1}", "BINANCE_API_KEY": "key-1", "WEB_PASS": "pass-1"}}"#))
        .await;
    let secrets = load(env(port, &id, &[("WEB_PASS", "pass-from-env")])).await.expect("loads");
    let mut updates = secrets.subscribe();

    let unchanged = secrets.refresh().await.expect("refreshes");
    assert!(unchanged.changed.is_empty());
    assert!(!updates.has_changed().expect("open"), "nothing new, nobody woken");

    put(&op, &format!(r#"{{"JWT_SECRET": "{JWT_2}", "BINANCE_API_KEY": "key-2", "WEB_PASS": "pass-2"}}"#))
        .await;
    assert_eq!(secrets.lookup("BINANCE_API_KEY").as_deref(), Some("key-1"), "served until refreshed");
    let mut took = Vec::new();
    let refreshed = secrets.refresh().await.expect("refreshes");
    took.push(refreshed.took);
    assert_eq!(refreshed.changed, ["BINANCE_API_KEY", "JWT_SECRET"], "WEB_PASS is the environment's");
    assert_eq!(secrets.lookup("BINANCE_API_KEY").as_deref(), Some("key-2"));
    assert_eq!(secrets.lookup("JWT_SECRET").as_deref(), Some(JWT_2));
    assert!(updates.has_changed().expect("open"));
    assert_eq!(updates.borrow_and_update().get("BINANCE_API_KEY").as_deref(), Some("key-2"));

    // What one refresh costs against moto on this machine (the report quotes it).
    for _ in 0..5 {
        took.push(secrets.refresh().await.expect("refreshes").took);
    }
    took.sort();
    eprintln!(
        "refresh took {:?} (median of {}; min {:?}, max {:?})",
        took[took.len() / 2],
        took.len(),
        took[0],
        took[took.len() - 1]
    );
    assert!(took[took.len() / 2] < Duration::from_secs(2));
}

#[tokio::test]
async fn a_missing_secret_is_a_clear_error_naming_it() {
    let id = unique("never-created");
    let err = load(env(moto_port(), &id, &[])).await.expect_err("no such secret");
    assert!(matches!(err, SecretsError::NotFound { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains(&id) && msg.contains("AWS_SECRETS_ID") && msg.contains("us-east-1"), "{msg}");
}

#[tokio::test]
async fn a_secret_that_is_not_a_json_object_is_refused_without_echoing_it() {
    let port = moto_port();
    let id = unique("not-json");
    create(&operator(port, &id).await, "hunter2-plain-text-secret").await;
    let msg = load(env(port, &id, &[])).await.expect_err("not JSON").to_string();
    assert!(msg.contains(&id) && msg.contains("not valid JSON") && !msg.contains("hunter2"), "{msg}");
}

#[tokio::test]
async fn aws_down_at_the_start_is_a_clear_error() {
    // A port nothing listens on: taken from the system, then released.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let id = unique("down-at-start");
    let started = Instant::now();
    let err = load(env(port, &id, &[])).await.expect_err("nothing answers");
    assert!(matches!(err, SecretsError::Unreachable { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("could not be reached")
            && msg.contains(&format!("127.0.0.1:{port}"))
            && msg.contains(&id),
        "{msg}"
    );
    assert!(started.elapsed() < Duration::from_secs(20), "gave up after {:?}", started.elapsed());
}

#[tokio::test]
async fn aws_down_during_a_refresh_keeps_the_last_good_values_and_says_so() {
    // Its own moto: this one is stopped.
    let mut moto = Service::start(Kind::Moto).expect("moto starts");
    let id = unique("down-on-refresh");
    create(&operator(moto.port(), &id).await, &format!(r#"{{"JWT_SECRET": "{JWT_1}"}}"#)).await;
    let secrets = load(env(moto.port(), &id, &[])).await.expect("loads");
    let updates = secrets.subscribe();
    moto.stop();

    let err = secrets.refresh().await.expect_err("moto is gone");
    assert!(matches!(err.error, SecretsError::Unreachable { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("keeping the last good values") && msg.contains("could not be reached"), "{msg}");
    assert!(!msg.contains(JWT_1));
    assert_eq!(secrets.lookup("JWT_SECRET").as_deref(), Some(JWT_1), "the last good value is served");
    assert!(!updates.has_changed().expect("open"));
}
