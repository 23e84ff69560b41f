//! `mirai health` as a container health check runs it: against the worker at BIND_ADDR:PORT it
//! exits 0; with nothing listening there it exits 1 with one line on stderr. (A worker that
//! refuses to trade answers 1 too: see audit_chain.rs.)

use std::process::{Command, Output};

use crate::helpers::spawn;

/// `mirai health` with only `vars` (and PATH) set, from a directory without a `.env`.
pub async fn health(dir: &std::path::Path, vars: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mirai"));
    cmd.arg("health")
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(vars.iter().copied());
    tokio::task::spawn_blocking(move || cmd.output().expect("mirai health runs")).await.expect("joined")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_is_0_against_a_running_worker_and_1_against_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = spawn(&dir.path().join("data")).await;
    let port = app.running.addr.port().to_string();
    let vars = [("BIND_ADDR", "127.0.0.1"), ("PORT", port.as_str())];

    // The endpoint it asks needs no credentials.
    let resp = app.client.get(format!("{}/healthz", app.base)).send().await.expect("healthz");
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.text().await.expect("body"), r#"{"status":"ok"}"#);

    let out = health(dir.path(), &vars).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("healthy"));

    app.stop().await;
    let started = std::time::Instant::now();
    let out = health(dir.path(), &vars).await;
    assert!(started.elapsed() < std::time::Duration::from_secs(4), "{:?}", started.elapsed());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("unhealthy") && stderr.contains("cannot connect"), "{stderr}");
}
