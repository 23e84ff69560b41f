//! Login attempts on the real binary: each lands in the hash-chained audit log with its outcome
//! and the socket peer's address, repeated failures lock the address out (429 + Retry-After,
//! whatever `X-Forwarded-For` claims), and no password or token reaches the SQLite files or
//! the logs.

use mirai_core::Timestamp;
use mirai_store_local::LocalStore;
use mirai_web::{Backend, LoginEvent, LoginOutcome, RemoteBackend};
use serde_json::json;

use crate::helpers::{Binary, PASSWORD};

const WRONG_1: &str = "wrong-pw-Qp7zK1-unique";
const WRONG_2: &str = "wrong-pw-Vb3mN8-unique";

/// The real binary with its data in `dir/data` (returned), plus `extra` settings.
fn start(dir: &tempfile::TempDir, extra: &[(&str, &str)]) -> (Binary, std::path::PathBuf) {
    let data = dir.path().join("data");
    let data_str = data.to_str().expect("utf-8 path");
    let mut env = vec![
        ("PORT", "0"),
        ("DATA_DIR", data_str),
        ("WEB_PASS", PASSWORD),
        ("JWT_SECRET", "jwt-secret-for-the-login-audit-tests-0123"),
        ("REPLAY_BARS_PER_SECOND", "50"),
    ];
    env.extend_from_slice(extra);
    (Binary::start(dir.path(), &env), data)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_attempts_are_audited_and_throttled_without_secrets() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (app, data) = start(&dir, &[("LOGIN_MAX_FAILURES", "2"), ("RUST_LOG", "debug")]);
    let c = reqwest::Client::new();
    let login = |user: &str, pass: &str| {
        c.post(format!("{}/api/auth/login", app.base)).json(&json!({ "username": user, "password": pass }))
    };

    let ok = login("admin", PASSWORD).send().await.expect("login");
    assert_eq!(ok.status(), 200);
    let token =
        ok.json::<serde_json::Value>().await.expect("json")["token"].as_str().expect("token").to_owned();
    for (user, pass) in [("admin", WRONG_1), ("mallory\nforged", WRONG_2)] {
        assert_eq!(login(user, pass).send().await.expect("login").status(), 401);
    }
    // Two failures from this address: it is locked, the right password included, and a forged
    // X-Forwarded-For does not get around it on the directly reached server.
    let locked =
        login("admin", PASSWORD).header("x-forwarded-for", "203.0.113.77").send().await.expect("login");
    assert_eq!(locked.status(), 429);
    assert_eq!(locked.headers()["retry-after"], "900");
    let body = locked.text().await.expect("body");
    assert!(body.contains("too_many_requests"), "{body}");
    let logs = app.stop();

    let store = LocalStore::open(&data).expect("store");
    let checked = store.verify_audit().expect("the audit chain is intact");
    let mut logins: Vec<_> =
        store.audit(1000).expect("audit").into_iter().filter(|e| e.kind == "login").collect();
    logins.reverse();
    assert!(checked >= logins.len() as u64);
    let seen: Vec<(String, String, String, String)> = logins
        .iter()
        .map(|e| {
            let p = &e.payload;
            let s = |k: &str| p[k].as_str().unwrap_or_default().to_owned();
            (e.actor.clone(), s("outcome"), s("username"), s("client"))
        })
        .collect();
    // The client is a keyed hash of 127.0.0.1: the same for every attempt, never the address.
    let client = seen[0].3.clone();
    assert!(client.starts_with("addr:") && client.len() == 37, "{client}");
    let row = |a: &str, o: &str, u: &str| (a.to_owned(), o.to_owned(), u.to_owned(), client.clone());
    assert_eq!(
        seen,
        [
            row("admin", "success", "admin"),
            row("anonymous", "failure", "admin"),
            row("anonymous", "failure", "mallory?forged"),
            row("anonymous", "throttled", "admin"),
        ]
    );

    let mut stored = Vec::new();
    for entry in std::fs::read_dir(&data).expect("data dir") {
        let path = entry.expect("entry").path();
        if path.is_file() {
            stored.extend(std::fs::read(&path).expect("read"));
        }
    }
    let stored = String::from_utf8_lossy(&stored);
    assert!(stored.contains("mallory?forged"), "the scan reads the files that hold the audit log");
    for (name, secret) in [
        ("password", PASSWORD),
        ("wrong password", WRONG_1),
        ("wrong password", WRONG_2),
        ("token", token.as_str()),
    ] {
        assert!(!stored.contains(secret), "the {name} is in the SQLite files");
        assert!(!logs.contains(secret), "the {name} is in the logs");
    }
    assert!(logs.contains("login throttled"), "{logs}");
}

/// A spray of failed logins from many addresses — each locked out after a few tries, which the
/// limiter cannot stop, and relayed by the serverless tier through the control API — adds at most
/// sixty rows a minute to the audit log, not one per attempt.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spray_of_failed_logins_adds_a_bounded_number_of_audit_rows() {
    const ATTEMPTS: u32 = 130;
    const TOKEN: &str = "service-token-for-the-login-spray-test-0123456789";
    let dir = tempfile::tempdir().expect("tempdir");
    let (app, data) = start(&dir, &[("WORKER_SERVICE_TOKEN", TOKEN)]);
    let relay = RemoteBackend::new(&app.base, TOKEN).expect("remote");
    let now = || Timestamp::from_millis(wall_ms());
    for i in 0..ATTEMPTS {
        let client = std::net::IpAddr::from([198, 51, (i / 250) as u8, (i % 250) as u8 + 1]);
        let event = LoginEvent::new(now(), &format!("spray-{i}"), LoginOutcome::Failure, Some(client));
        relay.record_login(event).await.expect("relayed");
    }
    app.stop();

    let store = LocalStore::open(&data).expect("store");
    store.verify_audit().expect("the audit chain is intact");
    let logins: Vec<_> =
        store.audit(1000).expect("audit").into_iter().filter(|e| e.kind == "login").collect();
    let failed: Vec<_> = logins.iter().filter(|e| e.payload["outcome"] == "failure").collect();
    let minutes: std::collections::BTreeSet<i64> =
        failed.iter().map(|e| e.ts.millis().div_euclid(60_000)).collect();
    // The relaying took a second or two, so it spans one minute or, at worst, two.
    assert!(failed.len() <= 60 * minutes.len(), "{} rows over {} minutes", failed.len(), minutes.len());
    assert!(failed.len() < ATTEMPTS as usize, "every attempt was written: {}", failed.len());
    if minutes.len() == 1 {
        assert_eq!(failed.len(), 60);
    }
    // Each address is its own keyed hash, and no address is stored anywhere in the data directory.
    let clients: std::collections::BTreeSet<&str> =
        failed.iter().map(|e| e.payload["client"].as_str().expect("client")).collect();
    assert_eq!(clients.len(), failed.len(), "distinct addresses stay distinct");
    let mut stored = Vec::new();
    for entry in std::fs::read_dir(&data).expect("data dir") {
        let path = entry.expect("entry").path();
        if path.is_file() {
            stored.extend(std::fs::read(&path).expect("read"));
        }
    }
    assert!(!String::from_utf8_lossy(&stored).contains("198.51."), "a client address is stored");
}

fn wall_ms() -> i64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970");
    i64::try_from(since.as_millis()).expect("fits")
}
