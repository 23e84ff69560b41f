//! No password, token or secret ever reaches the logs or a response body. Runs the real binary and
//! reads everything it printed.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::json;

const PASS: &str = "pw-Zq8xV3nT-unique";
const JWT: &str = "jwt-secret-K2mP9wLq4sXv7bNc3dRf6hYj-unique";
const SERVICE: &str = "svc-token-A1sD2fG3hJ4kL5zX6cV7bN8m-unique";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_never_reach_logs_or_responses() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_mirai"))
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("PORT", "0")
        .env("DATA_DIR", dir.path().join("data"))
        .env("WEB_PASS", PASS)
        .env("JWT_SECRET", JWT)
        .env("WORKER_SERVICE_TOKEN", SERVICE)
        .env("REPLAY_BARS_PER_SECOND", "400")
        .env("RUST_LOG", "debug")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("mirai binary starts");

    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut stderr = child.stderr.take().unwrap();
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let (tx, rx) = mpsc::channel();
    let out_reader = std::thread::spawn(move || {
        let mut all = String::new();
        let mut line = String::new();
        while stdout.read_line(&mut line).unwrap_or(0) > 0 {
            if let Some(addr) = line.trim().strip_prefix("Dashboard: http://") {
                let _ = tx.send(addr.to_owned());
            }
            all.push_str(&line);
            line.clear();
        }
        all
    });
    let addr = rx.recv_timeout(Duration::from_secs(60)).expect("the dashboard address is printed");
    let base = format!("http://{addr}");
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

    child.kill().unwrap();
    let _ = child.wait();
    let logs = out_reader.join().unwrap() + &err_reader.join().unwrap();
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
    // The local store must not hold them either.
    let db = std::fs::read(dir.path().join("data").join("mirai.db")).unwrap_or_default();
    let db = String::from_utf8_lossy(&db);
    for secret in [PASS, JWT, SERVICE, token.as_str()] {
        assert!(!db.contains(secret));
    }
}
