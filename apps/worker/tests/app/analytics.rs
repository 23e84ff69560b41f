//! `mirai analytics`: the analysts' reports from the local ledger and from Snowflake's views give
//! the same table for the same run, and the purge says what it would delete before deleting it.

use std::path::Path;
use std::process::Output;

use mirai_reports::Report;

use crate::helpers::*;
use crate::snowflake::{fakesnow_url, fresh_database, snowflake_env};

fn mirai(data: &Path, env: &[(String, String)], args: &[&str]) -> Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_mirai"));
    cmd.args(["analytics"]).args(args).env("DATA_DIR", data).env_remove("RUST_LOG");
    for key in ["SNOWFLAKE_ACCOUNT", "SNOWFLAKE_USER", "SNOWFLAKE_PASSWORD", "SNOWFLAKE_DATABASE"] {
        cmd.env_remove(key);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    // Runs in the data directory's parent, so no .env of the repository is read.
    cmd.current_dir(data.parent().unwrap_or(data)).output().expect("mirai runs")
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// Every report, as CSV, from the ledger in `data` and from fakesnow's `database`: equal, byte
/// for byte. Returns the reports' row counts.
pub fn assert_reports_agree(database: &str, data: &Path) -> Vec<(Report, usize)> {
    let out_dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let snowflake = snowflake_env(&fakesnow_url(), database);
    let mut counts = Vec::new();
    for report in Report::ALL {
        let local_file = out_dir.path().join(format!("{}.local.csv", report.name()));
        let remote_file = out_dir.path().join(format!("{}.snowflake.csv", report.name()));
        let local = mirai(data, &[], &[report.name(), "--csv", &local_file.to_string_lossy()]);
        assert!(local.status.success(), "{} locally: {}", report.name(), text(&local));
        let remote = mirai(data, &snowflake, &[report.name(), "--csv", &remote_file.to_string_lossy()]);
        assert!(remote.status.success(), "{} from Snowflake: {}", report.name(), text(&remote));
        let (local, remote) = (
            std::fs::read_to_string(&local_file).unwrap_or_else(|e| panic!("{e}")),
            std::fs::read_to_string(&remote_file).unwrap_or_else(|e| panic!("{e}")),
        );
        assert_eq!(local, remote, "{}: the local ledger and Snowflake's view differ", report.name());
        counts.push((report, local.lines().count() - 1));
    }
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_read_the_ledger_and_refuse_bad_arguments_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let app = spawn(&data).await;
    let trades = app.wait_for_trades(4, 60).await;
    app.stop().await;

    let out = mirai(&data, &[], &["round-trips"]);
    assert!(out.status.success(), "{}", text(&out));
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.starts_with("SYMBOL"), "a table with its header:\n{shown}");
    assert!(shown.contains("rows)"), "{shown}");

    // Filters: one symbol; a window with nothing in it.
    let csv = dir.path().join("d.csv");
    let out =
        mirai(&data, &[], &["decision-outcomes", "--symbol", "btcusdt", "--csv", csv.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    let rows = std::fs::read_to_string(&csv).unwrap();
    assert!(rows.lines().skip(1).all(|l| l.split(',').nth(2) == Some("BTCUSDT")), "{rows}");
    assert!(rows.lines().count() > 1, "BTCUSDT decided something in {} trades", trades.len());
    let out = mirai(&data, &[], &["decision-outcomes", "--from", "2001-01-01", "--to", "2001-01-02"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("(0 rows)"), "{}", text(&out));

    // Bad input: a clear message, exit 2, nothing written.
    for (args, says) in [
        (&["round-trips", "--from", "yesterday"][..], "is not a day"),
        (&["round-trips", "--from", "2026-02-01", "--to", "2026-01-01"][..], "--from must be before --to"),
        (&["model-usage", "--symbol", "BTCUSDT"][..], "per model"),
        (&["round-trips", "--symbol", "btc/usdt"][..], "--symbol"),
        (&["purge", "--older-than", "6y", "--dry-run"][..], "seven years"),
        (&["purge", "--older-than", "seven", "--dry-run"][..], "--older-than"),
        (&["purge", "--older-than", "7y", "--dry-run"][..], "Snowflake is not configured"),
    ] {
        let out = mirai(&data, &[], args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
        assert!(text(&out).contains(says), "{args:?} should say {says:?}: {}", text(&out));
    }
    let out = mirai(&dir.path().join("nothing-here"), &[], &["round-trips"]);
    assert_eq!(out.status.code(), Some(1), "a missing store: {}", text(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_purge_counts_then_deletes_only_what_is_older_than_seven_years() {
    let database = fresh_database("purge");
    let store = mirai_store_snowflake::fakesnow_compat::connect(
        mirai_store_snowflake::fakesnow_compat::settings(&fakesnow_url(), &database),
    )
    .await
    .unwrap_or_else(|e| panic!("fakesnow: {e}"));
    let day = 86_400_000_i64;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
    let old = mirai_core::Timestamp::from_millis(now - 8 * 366 * day);
    let recent = mirai_core::Timestamp::from_millis(now - 30 * day);
    let record = |id: &str, ts| {
        mirai_core::AnalyticsRecord::RiskEvent(mirai_core::RiskEventRecord {
            id: id.into(),
            ts,
            decision_id: None,
            symbol: mirai_core::Symbol::new("BTCUSDT"),
            gate: "max_position".into(),
            reason: "too big".into(),
        })
    };
    store.write(&[record("1", old), record("2", recent), record("3", old)]).await.unwrap();

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let env = snowflake_env(&fakesnow_url(), &database);
    let out = mirai(&data, &env, &["purge", "--older-than", "7y", "--dry-run"]);
    assert!(out.status.success(), "{}", text(&out));
    let said = text(&out);
    assert!(said.contains("RISK_EVENTS    would delete 2"), "{said}");
    assert!(said.contains("nothing was deleted"), "{said}");
    let count = async || store.query_static("SELECT TO_VARCHAR(COUNT(*)) FROM RISK_EVENTS").await.unwrap();
    assert_eq!(count().await[0][0].as_deref(), Some("3"), "a dry run deletes nothing");

    let out = mirai(&data, &env, &["purge", "--older-than", "7y"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("RISK_EVENTS    deleted 2"), "{}", text(&out));
    assert_eq!(count().await[0][0].as_deref(), Some("1"), "the recent refusal stays");
}
