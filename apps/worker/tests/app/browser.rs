//! The dashboard in a real browser: Debian's Chromium driven by Playwright for Python
//! (`tests/browser/dashboard.py`, run with the test venv's Python) against two real workers: one
//! trading on its own, one holding every order as a proposal (`APPROVAL_MODE=semi`) with a
//! small login limit. It signs in (and fails to), reads the charts, round trips, performance and
//! the "why not?" feed, pauses, kills and resumes, runs a backtest, searches the news, changes a
//! risk limit, adds, changes and removes a user, reads the audit log, approves and revokes live
//! trading, checks that a viewer sees no controls, approves a proposal and meets the lockout; any
//! console error fails it. Screenshots go to a folder kept
//! after the run, whose path is printed, with the time from navigation to the first chart.

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};

use crate::helpers::*;

const CHROMIUM: &str = "/usr/bin/chromium";
const VIEWER: &str = "vera";
const VIEWER_PASSWORD: &str = "viewer-password-for-the-browser-test";
/// The semi worker's login limit: this many failures lock sign-in for this many minutes.
const LOCKOUT_FAILURES: u32 = 3;
const LOCKOUT_MINUTES: u32 = 1;

/// `mirai users add NAME --role ROLE` on `dir`, the password on standard input.
fn add_user(dir: &Path, name: &str, role: &str, password: &str) {
    let (code, _, err) =
        run_mirai(dir, &["users", "add", name, "--role", role], &[], &format!("{password}\n"));
    assert_eq!(code, 0, "mirai users add: {err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_works_in_a_real_browser() {
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing: install Debian's `chromium` package (apt-get install -y chromium); \
         ./scripts/test.sh does when it runs as root"
    );
    let python = mirai_testkit::venv_bin("python").expect("the test venv (./scripts/test.sh creates it)");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/browser/dashboard.py");

    let auto_dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let semi_dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let auto = spawn(auto_dir.path()).await;
    let failures = LOCKOUT_FAILURES.to_string();
    let minutes = LOCKOUT_MINUTES.to_string();
    // Wide limits, so that the price's move between the proposal and its approval trips no gate:
    // this is about the page, the gates' re-check has its own test.
    let semi = spawn_with(
        semi_dir.path(),
        &[
            ("APPROVAL_MODE", "semi"),
            ("MAX_ORDER_NOTIONAL", "5000"),
            ("MAX_POSITION_PCT", "50"),
            ("MAX_EXPOSURE_PCT", "90"),
            ("LOGIN_MAX_FAILURES", &failures),
            ("LOGIN_LOCKOUT_MINUTES", &minutes),
        ],
    )
    .await;
    add_user(auto_dir.path(), VIEWER, "viewer", VIEWER_PASSWORD);

    // Kept after the run, so the screenshots can be looked at.
    let shots =
        tempfile::Builder::new().prefix("mirai-browser-").tempdir().unwrap_or_else(|e| panic!("{e}")).keep();
    eprintln!("browser test screenshots: {}", shots.display());
    let config = json!({
        "auto": auto.base,
        "semi": semi.base,
        "admin": ["admin", PASSWORD],
        "viewer": [VIEWER, VIEWER_PASSWORD],
        "shots": shots,
        "lockout_failures": LOCKOUT_FAILURES,
        "lockout_minutes": LOCKOUT_MINUTES,
    })
    .to_string();
    let started = std::time::Instant::now();
    let out = tokio::task::spawn_blocking(move || Command::new(python).arg(script).arg(config).output())
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|e| panic!("python runs: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let summary: Value = stdout
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str(l).ok())
        .unwrap_or_else(|| panic!("no summary from the browser script:\n{stdout}\n{stderr}"));
    eprintln!(
        "browser test: {:.1} s; flows: {}",
        started.elapsed().as_secs_f64(),
        serde_json::to_string_pretty(&summary["flows"]).unwrap_or_default()
    );
    eprintln!(
        "dashboard load to first chart (ms, 5 reloads): {} (median {})",
        summary["timings"]["load_to_first_chart_ms"], summary["timings"]["load_to_first_chart_median_ms"]
    );
    assert!(out.status.success(), "the browser test failed:\n{stdout}\n{stderr}");
    assert_eq!(summary["console_errors"], json!([]), "{summary}");
    let flows = summary["flows"].as_object().unwrap_or_else(|| panic!("{summary}"));
    for must in [
        "login",
        "login_wrong_password",
        "load_to_first_chart",
        "equity_chart_with_trade_markers_updates_in_place",
        "round_trips_and_performance",
        "decisions_why_not",
        "pause_resume",
        "kill_switch_and_admin_resume",
        "backtest_with_charts",
        "news_search",
        "risk_limits",
        "admin_users_page",
        "audit_viewer",
        "live_approval",
        "admin_panels_hidden_when_absent",
        "viewer_sees_no_controls",
        "approve_proposal",
        "lockout_message_with_duration",
    ] {
        let result = flows.get(must).and_then(Value::as_str).unwrap_or("missing");
        assert!(result.starts_with("ok"), "{must}: {result}");
    }
    auto.stop().await;
    semi.stop().await;
}
