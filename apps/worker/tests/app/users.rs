//! Users and roles on the real worker: the first admin from WEB_USER / WEB_PASS (once), the JWT
//! secret kept in DATA_DIR across restarts, and `mirai users` (the real binary, password on
//! standard input) changing the users of a running worker, which sees each change on its next
//! request.

use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::*;

/// `mirai users ARGS` on `dir`, with `stdin` written to its standard input: exit code, stdout,
/// stderr.
fn users(dir: &Path, args: &[&str], stdin: &str) -> (i32, String, String) {
    run_mirai(dir, &[&["users"], args].concat(), &[], stdin)
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
