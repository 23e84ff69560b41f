//! The subcommands as a user calls them, with arguments parsed by clap from the command line.

use clap::Parser;

use super::*;

#[derive(Debug, Parser)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Debug, clap::Subcommand)]
enum Cmd {
    Backtest(BacktestArgs),
    Sweep(SweepArgs),
    WalkForward(WalkForwardArgs),
    GenBars(GenBarsArgs),
}

fn goog() -> String {
    format!("{}/../../packages/backtest/tests/data/GOOG.csv", env!("CARGO_MANIFEST_DIR"))
}

fn parse(args: &[&str]) -> Cmd {
    Cli::try_parse_from(std::iter::once("mirai").chain(args.iter().copied())).expect("arguments parse").cmd
}

fn exec(cmd: &Cmd) -> Result<(), Failure> {
    match cmd {
        Cmd::Backtest(a) => backtest(a),
        Cmd::Sweep(a) => sweep(a),
        Cmd::WalkForward(a) => walk_forward(a),
        Cmd::GenBars(a) => gen_bars(a),
    }
}

#[test]
fn backtest_writes_the_report_and_the_trades_as_asked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (report, trades) = (dir.path().join("out.html"), dir.path().join("trades.csv"));
    let data = goog();
    let cmd = parse(&[
        "backtest",
        "--data",
        &data,
        "--strategy",
        "sma-cross",
        "--param",
        "fast=10",
        "--param",
        "slow=20",
        "--cash",
        "10000",
        "--fee",
        "0.001",
        "--fill",
        "next-open",
        "--sizing",
        "whole",
        "--json",
        "--report",
        report.to_str().expect("utf-8"),
        "--trades",
        trades.to_str().expect("utf-8"),
    ]);
    exec(&cmd).expect("runs");
    assert!(std::fs::read_to_string(&report).expect("report").contains("<svg"));
    assert_eq!(std::fs::read_to_string(&trades).expect("trades").lines().count(), 48);
}

#[test]
fn bad_arguments_and_bad_data_are_usage_errors_naming_the_problem() {
    let data = goog();
    let err = |args: &[&str]| match exec(&parse(args)) {
        Err(Failure::Usage(m)) => m,
        other => panic!("{args:?}: {other:?}"),
    };
    let m = err(&["backtest", "--data", &data, "--param", "fast=30", "--param", "slow=20", "--fee=-1"]);
    assert!(m.contains("must be shorter") && m.contains("fee -1"), "{m}");
    assert!(err(&["backtest", "--data", &data, "--param", "fast"]).contains("not NAME=VALUE"));
    assert!(err(&["backtest", "--data", "/nonexistent.csv"]).contains("cannot open /nonexistent.csv"));
    assert!(err(&["sweep", "--data", &data, "--grid", "fast=9..1"]).contains("empty"));
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "timestamp,open,high,low,close,volume\n2024-01-01,1,2,1,1,1\n2024-01-01,1,2,1,1,1\n",
    )
    .expect("write");
    let m = err(&["backtest", "--data", bad.to_str().expect("utf-8")]);
    assert!(m.contains("line 3: duplicate timestamp"), "{m}");
    assert!(Cli::try_parse_from(["mirai", "backtest", "--data", "x", "--fill", "tomorrow"]).is_err());
}

#[test]
fn generated_bars_feed_sweeps_and_walk_forward() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bars.csv");
    let out = path.to_str().expect("utf-8");
    exec(&parse(&["gen-bars", "--bars", "3000", "--seed", "5", "--out", out])).expect("generates");
    let first = std::fs::read(&path).expect("file");
    exec(&parse(&["gen-bars", "--bars", "3000", "--seed", "5", "--out", out])).expect("generates");
    assert_eq!(first, std::fs::read(&path).expect("file"), "the same seed gives the same bytes");
    let csv = dir.path().join("rows.csv");
    exec(&parse(&[
        "backtest",
        "--data",
        out,
        "--grid",
        "fast=5,10",
        "--grid",
        "slow=20,30",
        "--csv",
        csv.to_str().expect("utf-8"),
    ]))
    .expect("sweeps");
    assert_eq!(std::fs::read_to_string(&csv).expect("rows").lines().count(), 5);
    exec(&parse(&[
        "walk-forward",
        "--data",
        out,
        "--grid",
        "fast=5,10",
        "--train",
        "1000",
        "--test",
        "500",
        "--json",
    ]))
    .expect("walks forward");
    assert!(matches!(exec(&parse(&["gen-bars", "--bars", "0", "--out", out])), Err(Failure::Usage(_))));
}

#[test]
fn gen_bars_models_and_their_settings() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bars.csv");
    let out = path.to_str().expect("utf-8");
    let run = |extra: &[&str]| {
        let mut args = vec!["gen-bars", "--bars", "2000", "--seed", "3", "--out", out];
        args.extend_from_slice(extra);
        exec(&parse(&args)).map(|()| std::fs::read(&path).expect("file"))
    };
    // The old random walk, byte for byte as the library writes it (the benchmarks' input).
    let walk = run(&["--model", "random-walk"]).expect("generates");
    let mut want = Vec::new();
    mirai_backtest::generate::Generate {
        bars: 2000,
        seed: 3,
        start_ms: mirai_backtest::generate::DEFAULT_START_MS,
        interval_ms: 60_000,
        start_price: mirai_core::Price::new(mirai_core::Decimal::from(100)),
    }
    .write_csv(&mut want, |_| {})
    .expect("in memory");
    assert_eq!(walk, want);
    let regimes = run(&[]).expect("generates");
    assert_ne!(regimes, walk, "the default is the regimes model");
    assert_eq!(
        run(&["--model", "regimes", "--drift", "0", "--vol", "0.6", "--tick", "0.001"]).ok(),
        Some(regimes)
    );
    assert_ne!(
        run(&["--drift", "-0.3"]).expect("a negative drift"),
        run(&["--drift", "0.3"]).expect("generates")
    );
    let usage = |extra: &[&str]| match run(extra) {
        Err(Failure::Usage(m)) => m,
        other => panic!("{extra:?}: {other:?}"),
    };
    assert!(usage(&["--model", "random-walk", "--vol", "0.5"]).contains("regimes only"));
    assert!(usage(&["--vol", "-1"]).contains("vol -1"));
    assert!(usage(&["--tick", "1000"]).contains("tick 1000"));
}
