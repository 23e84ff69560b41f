//! No password, token or secret ever reaches the logs or a response body. Runs the real binary and
//! reads everything it printed.

use std::time::Duration;

use serde_json::json;

use crate::helpers::Binary;

const PASS: &str = "pw-Zq8xV3nT-unique";
const JWT: &str = "jwt-secret-K2mP9wLq4sXv7bNc3dRf6hYj-unique";
const SERVICE: &str = "svc-token-A1sD2fG3hJ4kL5zX6cV7bN8m-unique";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_never_reach_logs_or_responses() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let app = Binary::start(
        dir.path(),
        &[
            ("PORT", "0"),
            ("DATA_DIR", data.to_str().unwrap()),
            ("WEB_PASS", PASS),
            ("JWT_SECRET", JWT),
            ("WORKER_SERVICE_TOKEN", SERVICE),
            ("REPLAY_BARS_PER_SECOND", "400"),
            ("RUST_LOG", "debug"),
        ],
    );
    let base = app.base.clone();
    let c = reqwest::Client::new();

    // A failed login that mentions the secrets must not echo them.
    let r = c
        .post(format!("{base}/api/auth/login"))
        .json(&json!({"username": "admin", "password": JWT}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let body = r.text().await.unwrap();
    assert!(!body.contains(JWT));

    let login: serde_json::Value = c
        .post(format!("{base}/api/auth/login"))
        .json(&json!({"username": "admin", "password": PASS}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["token"].as_str().unwrap().to_owned();
    tokio::time::sleep(Duration::from_millis(1500)).await;

    let mut bodies = String::new();
    for path in ["/api/status", "/api/positions", "/api/trades"] {
        let r = c.get(format!("{base}{path}")).bearer_auth(&token).send().await.unwrap();
        assert_eq!(r.status(), 200);
        bodies.push_str(&r.text().await.unwrap());
    }
    let r = c.get(format!("{base}/internal/v1/status")).bearer_auth(SERVICE).send().await.unwrap();
    assert_eq!(r.status(), 200);
    bodies.push_str(&r.text().await.unwrap());
    let r = c.get(format!("{base}/internal/v1/status")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 401, "a user JWT is not a service token");
    bodies.push_str(&r.text().await.unwrap());
    let r = c
        .post(format!("{base}/api/control"))
        .bearer_auth(&token)
        .json(&json!({"action": "kill"}))
        .send()
        .await
        .unwrap();
    bodies.push_str(&r.text().await.unwrap());

    let logs = app.stop();
    assert!(
        logs.contains("order approved") || logs.contains("refused"),
        "the run logged no trading at all:\n{logs}"
    );
    for (name, secret) in
        [("password", PASS), ("JWT secret", JWT), ("service token", SERVICE), ("user token", token.as_str())]
    {
        assert!(!logs.contains(secret), "the {name} appears in the logs");
        assert!(!bodies.contains(secret), "the {name} appears in a response body");
    }
    // The local store must not hold them either, nor its write-ahead log.
    let mut files = 0;
    for entry in std::fs::read_dir(&data).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        files += 1;
        for secret in [PASS, JWT, SERVICE, token.as_str()] {
            assert!(!text.contains(secret), "a secret is in {}", path.display());
        }
    }
    assert!(files >= 2, "the data directory holds the store");
}
