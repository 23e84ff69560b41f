//! `SECRETS_SOURCE=aws` end to end, against moto on 127.0.0.1 playing AWS Secrets Manager: the
//! real binary reads WEB_PASS and JWT_SECRET from the secret, logs its source and never a value,
//! rotates the JWT secret on SIGHUP (old tokens keep working, forged ones do not), and refuses to
//! start without its secret. Each test has its own secret; none changes the process environment.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use mirai_secrets::testing::{create, operator, put};
use mirai_testkit::{Kind, Service, shared};
use mirai_web::Auth;
use serde_json::{Value, json};

use crate::helpers::Binary;

const PASS: &str = "aws-pass-Qm4Zt8Lw-unique";
const JWT_1: &str = "aws-jwt-one-V7nB2xK9pL4mQ8rT3wY6-unique";
const JWT_2: &str = "aws-jwt-two-H5jD1sF8gK3lZ9xC4vB7-unique";

fn unique(name: &str) -> String {
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos();
    format!("mirai/app-test/{name}-{}-{nanos}", std::process::id())
}

/// What points a worker at the secret `id` in the moto on `port`.
fn aws_vars(port: u16, id: &str) -> Vec<(&'static str, String)> {
    vec![
        ("SECRETS_SOURCE", "aws".into()),
        ("AWS_SECRETS_ID", id.into()),
        ("AWS_REGION", "us-east-1".into()),
        ("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{port}")),
        ("AWS_ACCESS_KEY_ID", "testing".into()),
        ("AWS_SECRET_ACCESS_KEY", "testing".into()),
    ]
}

/// A token for `admin` signed with `secret`, as whoever holds that secret could mint one.
fn token_signed_with(secret: &str) -> String {
    Auth::new("admin", "unused-password", secret.as_bytes()).expect("auth").issue().expect("token").token
}

async fn status_code(c: &reqwest::Client, base: &str, token: &str) -> u16 {
    c.get(format!("{base}/api/status")).bearer_auth(token).send().await.expect("request").status().as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_reads_its_secrets_from_aws_and_rotates_the_jwt_secret_on_sighup() {
    let port = shared(Kind::Moto).expect("moto runs (./scripts/test.sh installs it)").port();
    let id = unique("binary");
    let op = operator(port, &id).await;
    create(&op, &json!({"WEB_PASS": PASS, "JWT_SECRET": JWT_1}).to_string()).await;

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut vars = aws_vars(port, &id);
    vars.extend([
        ("PORT", "0".into()),
        ("DATA_DIR", data.to_str().unwrap().into()),
        ("REPLAY_BARS_PER_SECOND", "400".into()),
        // Everything the SDK and the HTTP stack log, too: no value may be among it.
        ("RUST_LOG", "debug".into()),
    ]);
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let app = Binary::start(dir.path(), &vars);
    let base = app.base.clone();
    let c = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap();

    // WEB_PASS came from the secret; the token is signed with its JWT_SECRET.
    let login: Value = c
        .post(format!("{base}/api/auth/login"))
        .json(&json!({"username": "admin", "password": PASS}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let old_token = login["token"].as_str().expect("logged in with the secret's WEB_PASS").to_owned();
    assert_eq!(status_code(&c, &base, &old_token).await, 200);
    assert!(Auth::new("admin", "x", JWT_1.as_bytes()).unwrap().verify(&old_token).is_ok());
    let new_secret_token = token_signed_with(JWT_2);
    assert_eq!(status_code(&c, &base, &new_secret_token).await, 401, "not rotated yet");

    // Rotate: a new JWT secret in the store, then SIGHUP.
    put(&op, &json!({"WEB_PASS": PASS, "JWT_SECRET": JWT_2}).to_string()).await;
    let sent = Instant::now();
    app.signal("HUP");
    while status_code(&c, &base, &new_secret_token).await != 200 {
        assert!(sent.elapsed() < Duration::from_secs(15), "the new JWT secret was not applied");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    eprintln!("SIGHUP to the new secret in use: {:?}", sent.elapsed());
    assert_eq!(status_code(&c, &base, &old_token).await, 200, "a token of the old secret still works");
    assert_eq!(
        status_code(&c, &base, &token_signed_with("a-random-secret-nobody-configured-0000")).await,
        401
    );
    let login: Value = c
        .post(format!("{base}/api/auth/login"))
        .json(&json!({"username": "admin", "password": PASS}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let new_token = login["token"].as_str().expect("logged in").to_owned();
    assert!(
        Auth::new("admin", "x", JWT_2.as_bytes()).unwrap().verify(&new_token).is_ok(),
        "signed with the new secret"
    );

    let logs = app.stop();
    assert!(logs.contains("AWS Secrets Manager") && logs.contains(&id), "the source is named:\n{logs}");
    assert!(logs.contains("SIGHUP: refreshing the secrets") && logs.contains("secrets changed"), "{logs}");
    assert!(logs.contains("JWT_SECRET"), "the changed key is named:\n{logs}");
    for (name, value) in [("WEB_PASS", PASS), ("first JWT secret", JWT_1), ("second JWT secret", JWT_2)] {
        assert!(!logs.contains(value), "the {name} appears in the logs");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_will_not_start_without_its_secret() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // No such secret; then no Secrets Manager at all (a port nothing listens on).
    let missing = unique("never-created");
    let moto_port = shared(Kind::Moto).expect("moto runs").port();
    let dead_port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    for (port, id, expected) in
        [(moto_port, missing.as_str(), "has no secret"), (dead_port, "mirai/prod", "could not be reached")]
    {
        let mut vars = aws_vars(port, id);
        vars.extend([("PORT", "0".into()), ("DATA_DIR", data.to_str().unwrap().into())]);
        let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, output) = Binary::launch(dir.path(), &vars).wait_exit(Duration::from_secs(60));
        let status = status.expect("it exits by itself");
        assert_eq!(status.code(), Some(1), "{output}");
        assert!(
            output.contains(expected) && output.contains(id),
            "a clear error naming the secret:\n{output}"
        );
        assert!(!output.contains("Dashboard"), "nothing was started:\n{output}");
    }
}

/// In-process: the worker's settings from the secret, then AWS gone during a refresh. The last
/// good values stay in use and the failure says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aws_down_during_a_refresh_leaves_the_running_worker_on_its_last_good_secrets() {
    let mut moto = Service::start(Kind::Moto).expect("moto starts");
    let id = unique("in-process");
    create(&operator(moto.port(), &id).await, &json!({"WEB_PASS": PASS, "JWT_SECRET": JWT_1}).to_string())
        .await;
    let dir = tempfile::tempdir().unwrap();
    let mut env: HashMap<String, String> =
        aws_vars(moto.port(), &id).into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    env.insert("PORT".into(), "0".into());
    env.insert("DATA_DIR".into(), dir.path().to_str().unwrap().into());
    let settings = mirai_worker::secret_source::load_settings(move |k| env.get(k).cloned())
        .await
        .expect("settings load");
    let secrets = settings.secrets.clone().expect("read from AWS");
    let running = mirai_worker::app::start(settings).await.expect("app starts");
    let base = format!("http://{}", running.addr);
    let c = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
    let login = |c: reqwest::Client, base: String| async move {
        c.post(format!("{base}/api/auth/login"))
            .json(&json!({"username": "admin", "password": PASS}))
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()["token"]
            .as_str()
            .map(str::to_owned)
    };
    let token = login(c.clone(), base.clone()).await.expect("the secret's WEB_PASS logs in");

    moto.stop();
    let err = secrets.refresh().await.expect_err("AWS is gone");
    let msg = err.to_string();
    assert!(msg.contains("keeping the last good values") && msg.contains(&id), "{msg}");
    assert!(!msg.contains(PASS) && !msg.contains(JWT_1));
    assert_eq!(secrets.lookup("JWT_SECRET").as_deref(), Some(JWT_1));
    assert_eq!(status_code(&c, &base, &token).await, 200, "the session survives the failed refresh");
    assert!(login(c.clone(), base.clone()).await.is_some(), "and so does the login");
    running.stop().await;
}

/// The subcommands (`mirai live approve`, `mirai backtest`) read the same settings as the worker.
#[test]
fn subcommands_read_the_secret_through_the_same_lookup() {
    let port = shared(Kind::Moto).expect("moto runs").port();
    let id = unique("command");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        create(&operator(port, &id).await, &json!({"OPENAI_API_KEY": "sk-from-secret"}).to_string()).await
    });
    drop(rt);
    let env: HashMap<String, String> =
        aws_vars(port, &id).into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    let lookup =
        mirai_worker::secret_source::command_lookup(move |k| env.get(k).cloned()).expect("reads the secret");
    assert_eq!(lookup("OPENAI_API_KEY").as_deref(), Some("sk-from-secret"));
    assert_eq!(lookup("AWS_SECRETS_ID").as_deref(), Some(id.as_str()), "the environment's own settings too");
}
