//! Login attempts on the real binary: each lands in the hash-chained audit log with its outcome
//! and the socket peer's address, repeated failures lock the address out (429 + Retry-After,
//! whatever `X-Forwarded-For` claims), and no password or token reaches the SQLite files or
//! the logs.

use mirai_store_local::LocalStore;
use serde_json::json;

use crate::helpers::{Binary, PASSWORD};

const WRONG_1: &str = "wrong-pw-Qp7zK1-unique";
const WRONG_2: &str = "wrong-pw-Vb3mN8-unique";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_attempts_are_audited_and_throttled_without_secrets() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let data_str = data.to_str().expect("utf-8 path");
    let app = Binary::start(
        dir.path(),
        &[
            ("PORT", "0"),
            ("DATA_DIR", data_str),
            ("WEB_PASS", PASSWORD),
            ("JWT_SECRET", "jwt-secret-for-the-login-audit-test-0123"),
            ("LOGIN_MAX_FAILURES", "2"),
            ("REPLAY_BARS_PER_SECOND", "50"),
            ("RUST_LOG", "debug"),
        ],
    );
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
    let row = |a: &str, o: &str, u: &str| (a.to_owned(), o.to_owned(), u.to_owned(), "127.0.0.1".to_owned());
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
