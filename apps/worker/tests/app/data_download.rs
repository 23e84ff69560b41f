//! `mirai data download` against the exchange simulator's `/api/v3/klines`: several pages to a
//! CSV equal to the venue's bars, resumed after an interruption without a bar lost or repeated,
//! read by the backtester as it is, and bad arguments refused before any request.

use std::path::Path;
use std::process::Output;

use mirai_core::Symbol;

use crate::binance::sim_with;

fn mirai(dir: &Path, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_mirai"))
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove("BINANCE_LOCAL_URL")
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("mirai runs: {e}"))
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_download_pages_resumes_and_feeds_the_backtester() {
    let sim = sim_with(|c| {
        c.bar_every = None;
        c.history_bars = 2_600;
    })
    .await;
    let bars = sim.candles(Symbol::new("BTCUSDT"));
    assert!(bars.len() >= 2_600, "{} bars of history", bars.len());
    let (first, end) = (&bars[7], &bars[2_507]);
    // Values, not spellings: the venue writes "60155.03000000" where the simulator's book has
    // "60155.03".
    let want: Vec<Vec<rust_decimal::Decimal>> = bars[7..2_507]
        .iter()
        .map(|c| {
            vec![
                c.open_time.millis().into(),
                c.open.get(),
                c.high.get(),
                c.low.get(),
                c.close.get(),
                c.volume.get(),
                c.close_time.millis().into(),
            ]
        })
        .collect();
    let values = |lines: &[&str]| -> Vec<Vec<rust_decimal::Decimal>> {
        lines
            .iter()
            .map(|l| l.split(',').map(|v| v.parse().unwrap_or_else(|e| panic!("{v:?}: {e}"))).collect())
            .collect()
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("btc.csv");
    let (from, to) = (first.open_time.millis().to_string(), end.open_time.millis().to_string());
    let base = sim.base_url();
    let args = [
        "data",
        "download",
        "--symbol",
        "btcusdt",
        "--interval",
        "1m",
        "--from",
        &from,
        "--to",
        &to,
        "--out",
        out.to_str().unwrap(),
        "--base-url",
        &base,
    ];
    let run = mirai(dir.path(), &args);
    assert!(run.status.success(), "{}", text(&run));
    assert!(text(&run).contains("2500 bars written"), "three pages of 1,000: {}", text(&run));
    let full = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = full.lines().collect();
    assert_eq!(lines[0], "open_time,open,high,low,close,volume,close_time");
    assert_eq!(lines.len(), 2_501, "a header and 2,500 bars");
    assert!(values(&lines[1..]) == want, "the file holds the venue's bars, each once, in order");

    // Interrupted after 1,000 bars, in the middle of writing a line: the next run cuts the torn
    // line off and fetches the rest, and the file is as if never interrupted.
    let cut: String = lines[..1_001].iter().map(|l| format!("{l}\n")).collect::<String>() + "1767";
    std::fs::write(&out, cut).unwrap();
    let run = mirai(dir.path(), &args);
    assert!(run.status.success(), "{}", text(&run));
    assert!(text(&run).contains("1500 bars written, 1000 already there"), "{}", text(&run));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), full);
    // Run again when complete: nothing fetched, nothing changed.
    let run = mirai(dir.path(), &args);
    assert!(text(&run).contains("0 bars written, 2500 already there"), "{}", text(&run));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), full);

    // The backtester reads the file as it is.
    let run = mirai(dir.path(), &["backtest", "--data", out.to_str().unwrap(), "--symbol", "BTCUSDT"]);
    assert!(run.status.success(), "{}", text(&run));
    assert!(text(&run).contains("2500"), "the backtest saw every bar: {}", text(&run));

    // Bad arguments: a clear message and exit 2, before any request; a foreign file is not
    // appended to.
    let foreign = dir.path().join("foreign.csv");
    std::fs::write(&foreign, "date,price\n2026-01-01,1\n").unwrap();
    let foreign_path = foreign.to_string_lossy().into_owned();
    for (overrides, says) in [
        (vec![("--interval", "7m")], "--interval"),
        (vec![("--interval", "1M")], "months vary"),
        (vec![("--from", "soon")], "--from"),
        (vec![("--from", "2026-02-01"), ("--to", "2026-01-01")], "is not before"),
        (vec![("--symbol", "BTC/USDT")], "--symbol"),
        (vec![("--out", foreign_path.as_str())], "is not a download"),
    ] {
        let mut flags = vec![
            ("--symbol", "BTCUSDT"),
            ("--from", &from),
            ("--to", &to),
            ("--out", "x.csv"),
            ("--base-url", &base),
        ];
        for (k, v) in overrides {
            flags.retain(|(f, _)| *f != k);
            flags.push((k, v));
        }
        let mut full = vec!["data", "download"];
        full.extend(flags.iter().flat_map(|(k, v)| [*k, *v]));
        let run = mirai(dir.path(), &full);
        assert_eq!(run.status.code(), Some(2), "{full:?}: {}", text(&run));
        assert!(text(&run).contains(says), "{full:?} should say {says:?}: {}", text(&run));
    }
    assert_eq!(std::fs::read_to_string(&foreign).unwrap(), "date,price\n2026-01-01,1\n");
}
