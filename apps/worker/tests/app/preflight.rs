//! `mirai preflight` and `mirai live approve` before real money: a rehearsal on the (simulated)
//! testnet, the key's withdrawal permission read from the account, alerts delivered, a recent
//! backup, the audit chain; the approval refused until every check passes, or overridden on the
//! record (docs/runbook.md, section 6).

use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

use mirai_store_local::LocalStore;

use crate::binance::{binance_env, sim_with};
use crate::helpers::*;
use mirai_alerts::testing::FakeWebhook;

const RISK: [(&str, &str); 5] = [
    ("MAX_POSITION_PCT", "10"),
    ("MAX_EXPOSURE_PCT", "25"),
    ("MAX_DAILY_LOSS_PCT", "3"),
    ("MAX_ORDER_NOTIONAL", "500"),
    ("MAX_TRADES_PER_DAY", "20"),
];

/// Runs `mirai ARGS` in `dir` with exactly `vars` (and DATA_DIR) as its environment.
fn mirai(dir: &Path, vars: &[(String, String)], args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_mirai"))
        .args(args)
        .env_clear()
        .envs(vars.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env("DATA_DIR", dir)
        .current_dir(dir)
        .output()
        .expect("mirai runs")
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// The table's row for `name`.
fn row<'a>(table: &'a str, name: &str) -> &'a str {
    table.lines().find(|l| l.contains(name)).unwrap_or_else(|| panic!("no row {name} in:\n{table}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_approval_waits_for_a_clean_preflight() {
    let sim = sim_with(|_| {}).await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");

    // The rehearsal: the worker trades on the testnet until it has bought and sold.
    let testnet = binance_env(&sim, "testnet");
    let pairs: Vec<(&str, &str)> = testnet.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let app = spawn_with(&data, &pairs).await;
    let deadline = Instant::now() + Duration::from_secs(120);
    while app.running.store.filled_sides().unwrap().1 == 0 {
        assert!(Instant::now() < deadline, "no sale on the testnet within 120 s");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    app.stop().await;

    let hook = FakeWebhook::start(&[]).await;
    let mut vars = binance_env(&sim, "live");
    vars.extend(RISK.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    vars.push(("NOTIFY_WEBHOOK_URL".into(), hook.url.clone()));
    let run = |args: &[&str]| tokio::task::block_in_place(|| mirai(&data, &vars, args));

    let out = run(&["preflight"]);
    assert!(!out.status.success(), "{}", text(&out));
    let table = text(&out);
    assert!(row(&table, "key cannot withdraw").starts_with("ok"), "{table}");
    assert!(row(&table, "testnet round trips").starts_with("ok"), "{table}");
    assert!(row(&table, "risk limits set").starts_with("ok"), "{table}");
    assert!(row(&table, "audit chain").starts_with("ok"), "{table}");
    assert!(row(&table, "alerts delivered").starts_with("FAIL"), "{table}");
    assert!(row(&table, "recent backup").starts_with("FAIL"), "{table}");
    assert!(row(&table, "live approval").starts_with("FAIL"), "{table}");

    // Approval is refused, naming what is missing; nothing is recorded.
    let out = run(&["live", "approve", "--by", "alice"]);
    assert!(!out.status.success());
    assert!(text(&out).contains("alerts delivered, recent backup"), "{}", text(&out));
    assert!(LocalStore::open(&data).unwrap().live_approval().unwrap().is_none());

    let backup = dir.path().join("backup.db");
    for args in [&["alerts", "test"][..], &["backup", "--out", backup.to_str().unwrap()]] {
        let out = run(args);
        assert!(out.status.success(), "{args:?}: {}", text(&out));
    }
    assert_eq!(hook.delivered().len(), 1, "the test alert reached the webhook");

    let out = run(&["live", "approve", "--by", "alice"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(!text(&out).contains("OVERRIDE"));
    let out = run(&["preflight"]);
    assert!(out.status.success(), "every check passes:\n{}", text(&out));
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_that_can_withdraw_fails_and_an_override_is_on_the_record() {
    let sim = sim_with(|c| c.can_withdraw = true).await;
    let dir = tempfile::tempdir().unwrap();
    let vars = binance_env(&sim, "live");
    let run = |args: &[&str]| tokio::task::block_in_place(|| mirai(dir.path(), &vars, args));
    LocalStore::open(dir.path()).unwrap();

    let out = run(&["preflight"]);
    assert!(!out.status.success());
    let table = text(&out);
    let key = row(&table, "key cannot withdraw");
    assert!(key.starts_with("FAIL") && key.contains("can withdraw"), "{table}");

    let out = run(&["live", "approve", "--by", "bob", "--override", "  "]);
    assert_eq!(out.status.code(), Some(2), "an override needs a reason: {}", text(&out));
    let out = run(&["live", "approve", "--by", "bob", "--override", "rehearsing the procedure"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("OVERRIDE recorded"), "{}", text(&out));

    let store = LocalStore::open(dir.path()).unwrap();
    let approval =
        store.audit(100).unwrap().into_iter().find(|e| e.kind == "live_approval").expect("audited");
    assert_eq!(approval.actor, "bob");
    let why = approval.payload["overridden"].as_str().expect("the override is in the entry");
    assert!(why.contains("key cannot withdraw") && why.contains("rehearsing the procedure"), "{why}");
    store.verify_audit().unwrap();
    sim.stop().await;
}
