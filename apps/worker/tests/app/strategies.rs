//! `mirai strategies` lists every strategy with its defaults, and each new strategy backtests from
//! the command line: the real binary, as a user runs it.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

fn mirai(dir: &Path, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_mirai"))
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove("STRATEGY")
        .env_remove("STRATEGY_PARAMS")
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("mirai runs: {e}"))
}

fn stdout(out: &Output) -> String {
    assert!(out.status.success(), "{:?}: {}", out.status, String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn goog() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../packages/backtest/tests/data/GOOG.csv")
}

#[test]
fn the_listing_names_every_strategy_with_its_defaults() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let json: Value = serde_json::from_str(&stdout(&mirai(dir.path(), &["strategies", "--json"])))
        .unwrap_or_else(|e| panic!("one JSON object: {e}"));
    let listed = json["strategies"].as_array().unwrap_or_else(|| panic!("a list: {json}"));
    let defaults = |name: &str| -> Vec<(String, String)> {
        let s = listed.iter().find(|s| s["name"] == name).unwrap_or_else(|| panic!("{name} is listed"));
        assert!(s["description"].as_str().is_some_and(|d| d.len() > 20), "{s}");
        let params = s["params"].as_array().unwrap_or_else(|| panic!("{s}"));
        params
            .iter()
            .map(|p| {
                assert!(p["range"].as_str().is_some_and(|r| !r.is_empty()), "{p}");
                (
                    p["name"].as_str().unwrap_or_default().to_owned(),
                    p["default"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    };
    let pairs =
        |v: &[(&str, &str)]| v.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>();
    assert_eq!(listed.len(), 5);
    assert_eq!(defaults("sma-cross"), pairs(&[("fast", "10"), ("slow", "20")]));
    assert_eq!(defaults("rsi-reversion"), pairs(&[("period", "14"), ("lower", "30"), ("upper", "70")]));
    assert_eq!(defaults("donchian"), pairs(&[("entry", "20"), ("exit", "10")]));
    assert_eq!(defaults("macd"), pairs(&[("fast", "12"), ("slow", "26"), ("signal", "9")]));
    assert_eq!(defaults("bollinger"), pairs(&[("period", "20"), ("k", "2")]));

    // The table for people says the same.
    let table = stdout(&mirai(dir.path(), &["strategies"]));
    for name in ["sma-cross", "rsi-reversion", "donchian", "macd", "bollinger"] {
        assert!(table.lines().any(|l| l == name), "{name} missing from:\n{table}");
    }
    assert!(table.lines().any(|l| l.split_whitespace().take(2).eq(["entry", "20"])), "{table}");
    assert!(table.lines().any(|l| l.split_whitespace().take(2).eq(["signal", "9"])), "{table}");
}

#[test]
fn donchian_backtests_from_the_command_line_and_reports_its_trades() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let data = goog();
    let data = data.to_str().unwrap_or_else(|| panic!("a UTF-8 path"));
    let out = mirai(dir.path(), &["backtest", "--data", data, "--strategy", "donchian", "--json"]);
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}"));
    let trades = report["trades"].as_u64().unwrap_or_else(|| panic!("trades: {report}"));
    assert!(trades > 10, "donchian(20, 10) on 2,148 days of GOOG: {trades} trades");
    let list = report["trade_list"].as_array().unwrap_or_else(|| panic!("{report}"));
    assert_eq!(list.len() as u64, trades);

    // The table form and parameters, too.
    let out = mirai(
        dir.path(),
        &["backtest", "--data", data, "--strategy", "donchian", "--param", "entry=55", "--param", "exit=20"],
    );
    let table = stdout(&out);
    assert!(table.lines().any(|l| l.starts_with("# Trades")), "{table}");

    // A parameter out of range is refused with its reason (exit 2: input to fix).
    let out =
        mirai(dir.path(), &["backtest", "--data", data, "--strategy", "donchian", "--param", "entry=0"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("donchian parameter entry: must be at least 1 bar"), "{err}");
}

#[test]
fn macd_and_bollinger_trade_on_generated_bars_and_sweep_their_grids() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let made = mirai(dir.path(), &["gen-bars", "--bars", "3000", "--seed", "7", "--out", "bars.csv"]);
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    for strategy in ["macd", "bollinger"] {
        let out = mirai(dir.path(), &["backtest", "--data", "bars.csv", "--strategy", strategy, "--json"]);
        let report: Value = serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}"));
        let trades = report["trades"].as_u64().unwrap_or_default();
        assert!(trades > 5, "{strategy} on 3,000 generated bars: {trades} trades");
    }
    // Sweeps take the new parameters like any other; combinations the strategy refuses are
    // counted and skipped (fast 30 is not shorter than slow 26).
    let out = mirai(
        dir.path(),
        &[
            "sweep",
            "--data",
            "bars.csv",
            "--strategy",
            "macd",
            "--grid",
            "fast=6,12,30",
            "--grid",
            "signal=5,9",
            "--json",
        ],
    );
    let sweep: Value = serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (sweep["combinations"].as_u64(), sweep["skipped_invalid"].as_u64()),
        (Some(6), Some(2)),
        "{sweep}"
    );
    let out = mirai(
        dir.path(),
        &["sweep", "--data", "bars.csv", "--strategy", "bollinger", "--grid", "k=1.5..2.5:0.5", "--json"],
    );
    let sweep: Value = serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sweep["rows"].as_array().map(Vec::len), Some(3), "{sweep}");
}
