//! `LOG_FORMAT=json`: the real binary logs one JSON object a line (level, target, the message
//! under `fields`) and no secret it was given; a value other than `text` or `json` stops it
//! at once as a bad setting.

use std::time::Duration;

use serde_json::Value;

use crate::helpers::{Binary, JWT_SECRET, PASSWORD};

const SERVICE_TOKEN: &str = "log-format-test-service-token-0123456789";

#[test]
fn log_format_json_writes_json_lines_without_secrets() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let data = data.to_str().expect("utf-8 temp path");
    let app = Binary::start(
        dir.path(),
        &[
            ("LOG_FORMAT", "json"),
            ("PORT", "0"),
            ("DATA_DIR", data),
            ("WEB_PASS", PASSWORD),
            ("JWT_SECRET", JWT_SECRET),
            ("WORKER_SERVICE_TOKEN", SERVICE_TOKEN),
            ("REPLAY_BARS_PER_SECOND", "50"),
        ],
    );
    app.signal("TERM");
    let (status, output) = app.wait_exit(Duration::from_secs(15));
    let status = status.unwrap_or_else(|| panic!("still running 15 s after SIGTERM:\n{output}"));
    assert!(status.success(), "exit {status}:\n{output}");

    // stdout's lines for people are indented (or blank); every other line is a log line.
    let logs: Vec<&str> = output.lines().filter(|l| !l.is_empty() && !l.starts_with("  ")).collect();
    assert!(logs.len() >= 3, "too few log lines:\n{output}");
    let mut messages = Vec::new();
    for line in &logs {
        let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        let level = v["level"].as_str().unwrap_or_else(|| panic!("no level: {line}"));
        assert!(["TRACE", "DEBUG", "INFO", "WARN", "ERROR"].contains(&level), "{line}");
        assert!(v["target"].as_str().is_some_and(|t| t.starts_with("mirai")), "no target: {line}");
        assert!(v["timestamp"].is_string(), "no timestamp: {line}");
        let message = v["fields"]["message"].as_str().unwrap_or_else(|| panic!("no message: {line}"));
        messages.push(message.to_owned());
    }
    for said in ["mirai started", "mirai stopped cleanly"] {
        assert!(messages.iter().any(|m| m == said), "no {said:?} among {messages:?}");
    }
    for secret in [PASSWORD, JWT_SECRET, SERVICE_TOKEN] {
        assert!(!output.contains(secret), "{secret:?} was printed:\n{output}");
    }
}

#[test]
fn an_unknown_log_format_is_a_bad_setting() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = Binary::launch(dir.path(), &[("LOG_FORMAT", "xml"), ("PORT", "0")]);
    let (status, output) = app.wait_exit(Duration::from_secs(15));
    let status = status.unwrap_or_else(|| panic!("still running with LOG_FORMAT=xml:\n{output}"));
    assert_eq!(status.code(), Some(2), "{output}");
    assert!(output.contains("LOG_FORMAT must be `text` or `json`, not \"xml\""), "{output}");
}
