//! Users and roles on the real worker: the first admin from WEB_USER / WEB_PASS (once), the JWT
//! secret kept in DATA_DIR across restarts, and `mirai users` (the real binary, password on
//! standard input) changing the users of a running worker, which sees each change on its next
//! request.

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::*;

/// `mirai users ARGS` on `dir`, with `stdin` written to its standard input: exit code, stdout,
/// stderr.
fn users(dir: &Path, args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mirai"))
        .arg("users")
        .args(args)
        .arg("--data-dir")
        .arg(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("USER", "opsperson")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("mirai users runs: {e}"));
    let mut input = child.stdin.take().unwrap_or_else(|| panic!("stdin"));
    input.write_all(stdin.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    drop(input);
    let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    let text = |b: Vec<u8>| String::from_utf8_lossy(&b).into_owned();
    (out.status.code().unwrap_or(-1), text(out.stdout), text(out.stderr))
}

async fn login(app: &TestApp, user: &str, password: &str) -> reqwest::Response {
    app.client
        .post(format!("{}/api/auth/login", app.base))
        .json(&json!({ "username": user, "password": password }))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

async fn token(app: &TestApp, user: &str, password: &str) -> String {
    let resp = login(app, user, password).await;
    assert_eq!(resp.status(), 200, "{user} logs in");
    let body: Value = resp.json().await.unwrap_or_else(|e| panic!("{e}"));
    body["token"].as_str().unwrap_or_else(|| panic!("token")).to_owned()
}

async fn get_as(app: &TestApp, token: &str, path: &str) -> reqwest::StatusCode {
    let r = app.client.get(format!("{}{path}", app.base)).bearer_auth(token).send().await;
    r.unwrap_or_else(|e| panic!("{e}")).status()
}

async fn control_as(app: &TestApp, token: &str, action: &str) -> reqwest::StatusCode {
    let r = app
        .client
        .post(format!("{}/api/control", app.base))
        .bearer_auth(token)
        .json(&json!({ "action": action }))
        .send()
        .await;
    r.unwrap_or_else(|e| panic!("{e}")).status()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_generated_jwt_secret_survives_a_restart_and_is_private() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    // No JWT_SECRET: the worker makes one and keeps it in DATA_DIR.
    let app = spawn_with(dir.path(), &[("JWT_SECRET", "")]).await;
    let old = app.token.clone();
    assert_eq!(get_as(&app, &old, "/api/status").await, 200);
    app.stop().await;
    let file = dir.path().join(mirai_worker::users::JWT_SECRET_FILE);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&file).unwrap_or_else(|e| panic!("{e}")).permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{}", file.display());
    }
    let secret = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{e}"));

    let app = spawn_with(dir.path(), &[("JWT_SECRET", "")]).await;
    assert_eq!(get_as(&app, &old, "/api/status").await, 200, "the token from before the restart still works");
    let me: Value = app
        .client
        .get(format!("{}/api/me", app.base))
        .bearer_auth(&old)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .json()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((me["user"].as_str(), me["role"].as_str()), (Some("admin"), Some("admin")));
    assert_eq!(std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{e}")), secret, "not made again");
    app.stop().await;

    // The file lost: a new secret, and everyone logs in again.
    std::fs::remove_file(&file).unwrap_or_else(|e| panic!("{e}"));
    let app = spawn_with(dir.path(), &[("JWT_SECRET", "")]).await;
    assert_eq!(get_as(&app, &old, "/api/status").await, 401);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_user_and_web_pass_make_the_first_admin_once() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let app = spawn(dir.path()).await;
    assert!(app.running.first_admin_created);
    let stored = app.running.store.users().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(stored.len(), 1);
    assert_eq!((stored[0].name.as_str(), stored[0].role), ("admin", mirai_core::Role::Admin));
    assert!(stored[0].password_hash.starts_with("$argon2id$") && !stored[0].password_hash.contains(PASSWORD));
    let audit = app.running.store.audit(10_000).unwrap_or_else(|e| panic!("{e}"));
    let made =
        audit.iter().find(|e| e.kind == "user").unwrap_or_else(|| panic!("the first admin is audited"));
    assert_eq!((made.actor.as_str(), &made.payload["action"]), ("system", &json!("bootstrap")));
    app.stop().await;

    // A restart with another WEB_PASS changes nothing: the users are in the store now.
    let app = spawn(dir.path()).await;
    assert!(!app.running.first_admin_created);
    assert_eq!(login(&app, "admin", "another-password-entirely").await.status(), 401);
    app.stop().await;
    let env = env(dir.path(), &[("WEB_PASS", "another-password-entirely")]);
    let settings = mirai_worker::config::Settings::from_lookup(&move |k| env.get(k).cloned())
        .unwrap_or_else(|e| panic!("{e}"));
    let running = mirai_worker::app::start(settings).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(running.generated_password.is_none() && !running.first_admin_created);
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_web_pass_a_password_is_generated_once_and_kept() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let data = dir.path().join("data");
    let vars = [
        ("PORT", "0"),
        ("DATA_DIR", data.to_str().unwrap_or_default()),
        ("REPLAY_BARS_PER_SECOND", "400"),
        ("RUST_LOG", "debug"),
    ];
    let first = Binary::start(dir.path(), &vars);
    let base = first.base.clone();
    // A clean stop, so that everything it printed after the address is there.
    first.signal("TERM");
    let (status, out) = first.wait_exit(Duration::from_secs(20));
    assert!(status.is_some_and(|s| s.success()), "{out}");
    let line = out.lines().find(|l| l.contains("generated password:")).unwrap_or_else(|| panic!("{out}"));
    let password = line.rsplit(": ").next().unwrap_or_default().trim().to_owned();
    assert_eq!(password.len(), 24, "{line}");
    assert_eq!(out.matches(&password).count(), 1, "shown once, on the console, never in the logs");
    assert!(!base.is_empty());

    let second = Binary::start(dir.path(), &vars);
    let client = reqwest::Client::new();
    let resp = client
        .post(format!("{}/api/auth/login", second.base))
        .json(&json!({ "username": "admin", "password": password }))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(resp.status(), 200, "the first start's password still works");
    second.signal("TERM");
    let (_, out) = second.wait_exit(Duration::from_secs(20));
    assert!(!out.contains("generated password"), "not generated again:\n{out}");
    assert!(!out.contains(&password), "the password never appears again");
    assert!(out.contains("mirai users list"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mirai_users_changes_the_users_of_a_running_worker_at_once() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let app = spawn(dir.path()).await;
    let tess_pw = "tess-secret-pw-9f3k";

    // add, with the password on standard input: never echoed.
    let (code, out, err) = users(dir.path(), &["add", "tess", "--role", "trader"], &format!("{tess_pw}\n"));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("added tess (trader)"), "{out}");
    assert!(!out.contains(tess_pw) && !err.contains(tess_pw));
    let tess = token(&app, "tess", tess_pw).await;
    assert_eq!(control_as(&app, &tess, "pause").await, 200);
    assert_eq!(control_as(&app, &tess, "kill").await, 403, "the kill switch is an admin's");
    assert_eq!(control_as(&app, &tess, "resume").await, 200);

    // list: names, roles, times; no hash, no password.
    let (code, out, _) = users(dir.path(), &["list"], "");
    assert_eq!(code, 0);
    assert!(out.starts_with("NAME") && out.contains("admin") && out.contains("tess   trader"), "{out}");
    assert!(!out.contains("argon2") && !out.contains(tess_pw) && !out.contains(PASSWORD), "{out}");

    // role: lowered, the very next request has the lower rights.
    let (code, _, err) = users(dir.path(), &["role", "tess", "viewer"], "");
    assert_eq!(code, 0, "{err}");
    assert_eq!(control_as(&app, &tess, "pause").await, 403);
    assert_eq!(get_as(&app, &tess, "/api/status").await, 200);

    // passwd: the old password and the old sessions end.
    let (code, _, err) = users(dir.path(), &["passwd", "tess"], "tess-new-pw-2b8x\n");
    assert_eq!(code, 0, "{err}");
    assert_eq!(get_as(&app, &tess, "/api/status").await, 401);
    assert_eq!(login(&app, "tess", tess_pw).await.status(), 401);
    let tess = token(&app, "tess", "tess-new-pw-2b8x").await;

    // remove: the next request is refused.
    let (code, _, err) = users(dir.path(), &["remove", "tess"], "");
    assert_eq!(code, 0, "{err}");
    assert_eq!(get_as(&app, &tess, "/api/status").await, 401);

    // The last admin stays; a bad role or a short password is the caller's to fix (exit 2).
    let (code, _, err) = users(dir.path(), &["remove", "admin"], "");
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("last enabled admin"), "{err}");
    assert_eq!(get_as(&app, &app.token, "/api/status").await, 200, "the admin is still there");
    let (code, _, err) = users(dir.path(), &["add", "bob", "--role", "boss"], "bob-password-123\n");
    assert_eq!(code, 2);
    assert!(err.contains("unknown role \"boss\": use viewer, trader or admin"), "{err}");
    let (code, _, err) = users(dir.path(), &["add", "bob", "--role", "viewer"], "short\n");
    assert_eq!(code, 2);
    assert!(err.contains("8 to 1024 characters") && !err.contains("short\n"), "{err}");
    let (code, _, err) = users(dir.path(), &["add", "bob", "--role", "viewer"], "");
    assert_eq!(code, 2);
    assert!(err.contains("no password on standard input"), "{err}");
    let (code, _, err) = users(dir.path(), &["passwd", "nobody"], "whatever-pw-123\n");
    assert_eq!(code, 2);
    assert!(err.contains("no user \"nobody\""), "{err}");

    // Each change audited under the operating-system user who ran it, never with a secret.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let audit = app.running.store.audit(10_000).unwrap_or_else(|e| panic!("{e}"));
    let changes: Vec<(String, String)> = audit
        .iter()
        .rev()
        .filter(|e| e.kind == "user" && e.actor == "opsperson")
        .map(|e| {
            (
                e.payload["action"].as_str().unwrap_or_default().to_owned(),
                e.payload["user"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let want = [("add", "tess"), ("role", "tess"), ("passwd", "tess"), ("remove", "tess")];
    assert_eq!(changes, want.map(|(a, u)| (a.to_owned(), u.to_owned())));
    for e in audit.iter().filter(|e| e.kind == "user") {
        let text = e.payload.to_string();
        assert!(!text.contains(tess_pw) && !text.contains("argon2"), "{text}");
    }
    assert!(app.running.store.verify_audit().is_ok());
    app.stop().await;
}

/// The serverless tier's view: the worker's control API answers for its users (service token
/// only), and a change by `mirai users` shows in the next answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_control_api_answers_for_the_users_in_the_store() {
    const SERVICE: &str = "svc-token-for-the-users-test-0123456789";
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let app = spawn_with(dir.path(), &[("WORKER_SERVICE_TOKEN", SERVICE)]).await;
    let ask = |path: &'static str, body: Value, token: &'static str| {
        let req =
            app.client.post(format!("{}/internal/v1/users/{path}", app.base)).bearer_auth(token).json(&body);
        async move {
            let resp = req.send().await.unwrap_or_else(|e| panic!("{e}"));
            (resp.status(), resp.text().await.unwrap_or_default())
        }
    };
    let creds = json!({ "username": "admin", "password": PASSWORD });
    let (status, text) = ask("authenticate", creds.clone(), SERVICE).await;
    assert_eq!(status, 200, "{text}");
    let v: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (v["account"]["name"].as_str(), v["account"]["role"].as_str()),
        (Some("admin"), Some("admin"))
    );
    let (_, text) =
        ask("authenticate", json!({ "username": "admin", "password": "wrong-one" }), SERVICE).await;
    assert_eq!(text, r#"{"account":null}"#);
    let (status, _) = ask("authenticate", creds, "not-the-service-token-at-all-0000000000").await;
    assert_eq!(status, 401, "only for the service token");

    let (code, _, err) = users(dir.path(), &["add", "vic", "--role", "viewer"], "vic-password-1234\n");
    assert_eq!(code, 0, "{err}");
    let (_, text) = ask("current", json!({ "username": "vic" }), SERVICE).await;
    assert!(text.contains(r#""role":"viewer""#), "{text}");
    let (code, _, err) = users(dir.path(), &["disable", "vic"], "");
    assert_eq!(code, 0, "{err}");
    let (_, text) = ask("current", json!({ "username": "vic" }), SERVICE).await;
    assert_eq!(text, r#"{"account":null}"#, "disabled: no account");
    app.stop().await;
}

/// `GET /api/status` at 64 connections, each request's token and user checked (the cached user
/// check costs one key/value read), beside `GET /api/health` (no token, no check) as a baseline;
/// and the same status through the control API (no JWT, no user check); then the check alone.
/// Ignored by default (a measurement): run it in release against a release binary, `cargo build
/// --release --bin mirai && MIRAI_TEST_BIN=$PWD/target/release/mirai cargo test --release -p
/// mirai-worker --test app -- --ignored status_at_64_connections --nocapture`. With
/// `MIRAI_STATUS_P99_MS=5` it also asserts the p99 of `/api/status` (on a quiet machine: the load
/// generator shares its cores).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement: run it in release against a release binary"]
async fn status_at_64_connections() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    const CONNECTIONS: usize = 64;
    const PER_CONNECTION: usize = 300;
    const SERVICE: &str = "svc-token-for-the-status-measurement-0123";
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let data = dir.path().join("data");
    let vars = [
        ("PORT", "0"),
        ("DATA_DIR", data.to_str().unwrap_or_default()),
        ("WEB_PASS", PASSWORD),
        ("JWT_SECRET", JWT_SECRET),
        ("WORKER_SERVICE_TOKEN", SERVICE),
        ("REPLAY_BARS_PER_SECOND", "400"),
        ("RUST_LOG", "warn"),
    ];
    let app = Binary::start(dir.path(), &vars);
    let token = app.login(&reqwest::Client::new()).await;
    let addr = app.base.trim_start_matches("http://").to_owned();

    // A bare HTTP/1.1 client, one kept-alive connection per task, so that the client costs little
    // beside the server on a small machine.
    async fn one(stream: &mut tokio::net::TcpStream, request: &[u8], buf: &mut Vec<u8>) {
        stream.write_all(request).await.unwrap_or_else(|e| panic!("{e}"));
        buf.clear();
        loop {
            let mut chunk = [0u8; 4096];
            let n = stream.read(&mut chunk).await.unwrap_or_else(|e| panic!("{e}"));
            assert!(n > 0, "the server closed the connection");
            buf.extend_from_slice(&chunk[..n]);
            let text = String::from_utf8_lossy(buf);
            if let Some(end) = text.find("\r\n\r\n") {
                assert!(text.starts_with("HTTP/1.1 200"), "{text}");
                let length = text[..end]
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_owned())
                    })
                    .and_then(|v| v.parse::<usize>().ok())
                    .unwrap_or_else(|| panic!("no content-length: {text}"));
                if buf.len() >= end + 4 + length {
                    return;
                }
            }
        }
    }
    let measure = |path: &'static str, token: Option<String>| {
        let addr = addr.clone();
        async move {
            let auth = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
            let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}\r\n").into_bytes();
            let mut tasks = Vec::new();
            for _ in 0..CONNECTIONS {
                let (addr, request) = (addr.clone(), request.clone());
                tasks.push(tokio::spawn(async move {
                    let mut stream =
                        tokio::net::TcpStream::connect(&addr).await.unwrap_or_else(|e| panic!("{e}"));
                    stream.set_nodelay(true).unwrap_or_else(|e| panic!("{e}"));
                    let (mut took, mut buf) = (Vec::with_capacity(PER_CONNECTION), Vec::new());
                    for _ in 0..PER_CONNECTION {
                        let started = std::time::Instant::now();
                        one(&mut stream, &request, &mut buf).await;
                        took.push(started.elapsed());
                    }
                    took
                }));
            }
            let mut all = Vec::new();
            for t in tasks {
                all.extend(t.await.unwrap_or_else(|e| panic!("{e}")));
            }
            all.sort();
            let at = |q: f64| all[((all.len() as f64 * q) as usize).min(all.len() - 1)];
            (at(0.5), at(0.99), all[all.len() - 1])
        }
    };
    let _ = measure("/api/status", Some(token.clone())).await; // warm-up
    // The same status through the control API (the service token, no JWT, no user check) is the
    // baseline; runs alternate, so that the machine's load weighs on both alike.
    let mut status = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    for round in 0..3 {
        let health = measure("/api/health", None).await;
        let internal = measure("/internal/v1/status", Some(SERVICE.to_owned())).await;
        let api = measure("/api/status", Some(token.clone())).await;
        eprintln!(
            "round {round}, {CONNECTIONS} connections × {PER_CONNECTION}, p50 / p99 / max: /api/health (no token) \
             {:?} / {:?} / {:?}; /internal/v1/status (service token, no user check) {:?} / {:?} / {:?}; \
             /api/status (JWT + user check) {:?} / {:?} / {:?}",
            health.0, health.1, health.2, internal.0, internal.1, internal.2, api.0, api.1, api.2
        );
        status = status.max(api);
    }
    let _ = app.stop();

    // The check alone, in this process, on a store of the same shape.
    let store =
        mirai_store_local::LocalStore::open(&dir.path().join("check")).unwrap_or_else(|e| panic!("{e}"));
    let hash = mirai_web::PasswordHash::new(PASSWORD).unwrap_or_else(|e| panic!("{e}"));
    let change =
        mirai_store_local::UserChange { at: mirai_core::Timestamp::from_millis(1), by: "t", via: "cli" };
    store.add_user("admin", mirai_core::Role::Admin, hash.as_phc(), change).unwrap_or_else(|e| panic!("{e}"));
    let users = std::sync::Arc::new(mirai_worker::users::StoreUsers::new(std::sync::Arc::new(
        mirai_store_local::LocalStore::open(&dir.path().join("check")).unwrap_or_else(|e| panic!("{e}")),
    )));
    let auth =
        mirai_web::Auth::with_users(JWT_SECRET.as_bytes(), users.clone()).unwrap_or_else(|e| panic!("{e}"));
    let token = auth.login("admin", PASSWORD).await.unwrap_or_else(|e| panic!("{e}")).token;
    const N: u32 = 20_000;
    let started = std::time::Instant::now();
    for _ in 0..N {
        assert!(users.current_now("admin").unwrap_or_else(|e| panic!("{e}")).is_some());
    }
    let lookup = started.elapsed() / N;
    let started = std::time::Instant::now();
    for _ in 0..N {
        auth.check(&token).await.unwrap_or_else(|e| panic!("{e}"));
    }
    let check = started.elapsed() / N;
    eprintln!("user check alone: {lookup:?} a call; token verified + user checked: {check:?} a request");
    if let Some(ms) = std::env::var("MIRAI_STATUS_P99_MS").ok().and_then(|v| v.parse::<u64>().ok()) {
        assert!(status.1 <= Duration::from_millis(ms), "p99 {:?}", status.1);
    }
}
