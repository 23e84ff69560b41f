//! Launching the app and talking to it.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use mirai_worker::app::{Running, start};
use mirai_worker::config::Settings;
use serde_json::{Value, json};

pub const PASSWORD: &str = "correct horse battery staple";
pub const JWT_SECRET: &str = "test-jwt-secret-that-is-at-least-32-bytes-long";

pub fn env(dir: &Path, extra: &[(&str, &str)]) -> HashMap<String, String> {
    let mut env: HashMap<String, String> = [
        ("PORT", "0"),
        ("DATA_DIR", dir.to_str().expect("utf-8 temp path")),
        ("WEB_USER", "admin"),
        ("WEB_PASS", PASSWORD),
        ("JWT_SECRET", JWT_SECRET),
        ("REPLAY_BARS_PER_SECOND", "400"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for (k, v) in extra {
        env.insert(k.to_string(), v.to_string());
    }
    env
}

pub struct TestApp {
    pub running: Running,
    pub base: String,
    pub client: reqwest::Client,
    pub token: String,
}

pub async fn spawn(dir: &Path) -> TestApp {
    spawn_with(dir, &[]).await
}

pub async fn spawn_with(dir: &Path, extra: &[(&str, &str)]) -> TestApp {
    let env = env(dir, extra);
    let settings = Settings::from_lookup(&move |k| env.get(k).cloned()).expect("valid test settings");
    let running = start(settings).await.expect("app starts");
    let base = format!("http://{}", running.addr);
    let client = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().expect("client");
    let resp = client
        .post(format!("{base}/api/auth/login"))
        .json(&json!({ "username": "admin", "password": PASSWORD }))
        .send()
        .await
        .expect("login request");
    assert_eq!(resp.status(), 200);
    let token = resp.json::<Value>().await.expect("login json")["token"].as_str().expect("token").to_owned();
    TestApp { running, base, client, token }
}

impl TestApp {
    pub async fn get(&self, path: &str) -> Value {
        let resp = self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("request");
        assert_eq!(resp.status(), 200, "GET {path}");
        resp.json().await.expect("json")
    }

    pub async fn control(&self, action: &str) -> Value {
        let resp = self
            .client
            .post(format!("{}/api/control", self.base))
            .bearer_auth(&self.token)
            .json(&json!({ "action": action }))
            .send()
            .await
            .expect("request");
        assert_eq!(resp.status(), 200, "control {action}");
        resp.json().await.expect("json")
    }

    pub async fn trades(&self) -> Vec<Value> {
        self.get("/api/trades?limit=500").await["trades"].as_array().cloned().expect("array")
    }

    /// Polls until at least `n` trades are listed, or fails after `secs`.
    pub async fn wait_for_trades(&self, n: usize, secs: u64) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let t = self.trades().await;
            if t.len() >= n {
                return t;
            }
            assert!(Instant::now() < deadline, "only {} trades after {secs} s", t.len());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn stop(self) {
        self.running.stop().await;
    }
}

/// The trade ids of a trades listing.
pub fn trade_ids(trades: &[Value]) -> Vec<String> {
    trades.iter().map(|t| t["trade_id"].as_str().expect("trade id").to_owned()).collect()
}

/// The real `mirai` binary, run with only the given environment (and `PATH`), its output kept.
pub struct Binary {
    /// `http://ADDR` once the dashboard address was printed; empty before.
    pub base: String,
    child: std::process::Child,
    addr: std::sync::mpsc::Receiver<String>,
    out: Option<std::thread::JoinHandle<String>>,
    err: Option<std::thread::JoinHandle<String>>,
}

impl Binary {
    /// Starts it in `dir` and waits (up to 60 s) for the dashboard address it prints.
    pub fn start(dir: &Path, vars: &[(&str, &str)]) -> Self {
        let mut b = Self::launch(dir, vars);
        assert!(b.wait_ready(Duration::from_secs(60)), "the dashboard address is printed");
        b
    }

    /// Starts it without waiting: for a test that may kill it while it is still starting.
    pub fn launch(dir: &Path, vars: &[(&str, &str)]) -> Self {
        use std::io::{BufRead, BufReader, Read};
        use std::process::{Command, Stdio};

        // MIRAI_TEST_BIN: another build of the binary (a release build, to time it).
        let bin = std::env::var_os("MIRAI_TEST_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_mirai").into());
        let mut child = Command::new(bin)
            .current_dir(dir)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(vars.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("mirai binary starts");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut stderr = child.stderr.take().expect("stderr");
        let err = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = stderr.read_to_string(&mut s);
            s
        });
        let (tx, rx) = std::sync::mpsc::channel();
        let out = std::thread::spawn(move || {
            let (mut all, mut line) = (String::new(), String::new());
            while stdout.read_line(&mut line).unwrap_or(0) > 0 {
                if let Some(addr) = line.trim().strip_prefix("Dashboard: http://") {
                    let _ = tx.send(addr.to_owned());
                }
                all.push_str(&line);
                line.clear();
            }
            all
        });
        Self { base: String::new(), child, addr: rx, out: Some(out), err: Some(err) }
    }

    /// Waits up to `timeout` for the dashboard address; whether it came (then `base` is set).
    pub fn wait_ready(&mut self, timeout: Duration) -> bool {
        if !self.base.is_empty() {
            return true;
        }
        match self.addr.recv_timeout(timeout) {
            Ok(addr) => {
                self.base = format!("http://{addr}");
                true
            }
            Err(_) => false,
        }
    }

    /// Logs in with [`PASSWORD`] and returns the token.
    pub async fn login(&self, client: &reqwest::Client) -> String {
        let login: Value = client
            .post(format!("{}/api/auth/login", self.base))
            .json(&json!({ "username": "admin", "password": PASSWORD }))
            .send()
            .await
            .expect("login request")
            .json()
            .await
            .expect("login json");
        login["token"].as_str().expect("token").to_owned()
    }

    /// Whether the process is still running (it has not exited, aborted or crashed).
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Sends `signal` ("TERM", "INT", ...) with the system's `kill`, as a service manager would.
    pub fn signal(&self, signal: &str) {
        let sent = std::process::Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("kill runs");
        assert!(sent.success(), "kill -{signal} failed");
    }

    /// Waits up to `timeout` for the process to exit by itself: its exit status (`None` if it was
    /// still running, and then it is killed) and everything it printed, stdout then stderr.
    pub fn wait_exit(mut self, timeout: Duration) -> (Option<std::process::ExitStatus>, String) {
        let deadline = Instant::now() + timeout;
        let status = loop {
            match self.child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
                _ => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    break None;
                }
            }
        };
        (status, self.output())
    }

    /// Kills the process (SIGKILL: no handler runs, nothing is flushed or closed cleanly) and
    /// returns everything it printed, stdout then stderr.
    pub fn stop(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.output()
    }

    /// Everything it printed, stdout then stderr (once it has exited).
    fn output(&mut self) -> String {
        let joined =
            |h: Option<std::thread::JoinHandle<String>>| h.and_then(|h| h.join().ok()).unwrap_or_default();
        joined(self.out.take()) + &joined(self.err.take())
    }
}

impl Drop for Binary {
    /// A test that fails half-way leaves no worker running behind it, and shows the end of what
    /// the worker printed.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            let output = self.output();
            let lines: Vec<&str> = output.lines().collect();
            eprintln!(
                "--- the last lines mirai printed ---\n{}",
                lines[lines.len().saturating_sub(80)..].join("\n")
            );
        }
    }
}

/// `mirai ARGS --data-dir DIR` (the real binary) with only PATH, `USER=opsperson` and `vars` set,
/// `stdin` written to its standard input: exit code, stdout, stderr.
pub fn run_mirai(dir: &Path, args: &[&str], vars: &[(&str, &str)], stdin: &str) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mirai"))
        .args(args)
        .arg("--data-dir")
        .arg(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("USER", "opsperson")
        .envs(vars.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("mirai runs: {e}"));
    let mut input = child.stdin.take().unwrap_or_else(|| panic!("stdin"));
    input.write_all(stdin.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    drop(input);
    let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    let text = |b: Vec<u8>| String::from_utf8_lossy(&b).into_owned();
    (out.status.code().unwrap_or(-1), text(out.stdout), text(out.stderr))
}
