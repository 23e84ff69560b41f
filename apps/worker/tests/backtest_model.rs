//! `mirai backtest --advisor llm`: the real binary, against the local model simulator started in
//! this test process. A recording run asks the simulator about each entry; replays, with the
//! simulator gone, answer from the log alone and print the same report byte for byte; a decision
//! never recorded stops the run (exit 1) saying to record it; the model's answer (follow the
//! signal at half size) is what the trades show.

use std::path::Path;
use std::process::{Command, Output};

use mirai_backtest::generate::{DEFAULT_START_MS, Generate};
use mirai_core::Price;
use mirai_llm::sim::{Sim, serve};
use rust_decimal::Decimal;
use serde_json::Value;

/// The simulator on its own runtime (the test thread blocks on the binary meanwhile).
struct RunningSim {
    url: String,
    sim: Sim,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    served: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    runtime: tokio::runtime::Runtime,
}

impl RunningSim {
    fn start() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime");
        let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).expect("a free port");
        let addr = listener.local_addr().expect("a bound address");
        let sim = Sim::new();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let served = runtime.spawn(serve(listener, sim.clone(), async move {
            let _ = stopped.await;
        }));
        Self { url: format!("http://{addr}/v1"), sim, stop: Some(stop), served: Some(served), runtime }
    }

    /// Shuts the server down and waits until its port is closed.
    fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(served) = self.served.take() {
            self.runtime.block_on(served).expect("the server task ends").expect("the server ran");
        }
    }
}

/// Bars for the backtests: a minute random walk on which the default SMA cross trades often.
fn bars(dir: &Path) -> String {
    let g = Generate {
        bars: 3_000,
        seed: 42,
        start_ms: DEFAULT_START_MS,
        interval_ms: 60_000,
        start_price: Price::new(Decimal::from(100)),
    };
    let path = dir.join("BTCUSDT.csv");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).expect("the bars file"));
    g.write_csv(&mut file, |_| {}).expect("the bars are written");
    drop(file);
    path.display().to_string()
}

/// `mirai ARGS` in `dir`, with only `vars` (and `PATH`) in its environment.
fn mirai(dir: &Path, vars: &[(&str, &str)], args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mirai"))
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(vars.iter().copied())
        .args(args)
        .output()
        .expect("mirai runs")
}

/// The JSON report of a run that must succeed.
fn report(out: &Output) -> (String, Value) {
    let stdout = String::from_utf8(out.stdout.clone()).expect("UTF-8 output");
    assert!(out.status.success(), "{:?}: {}", out.status, String::from_utf8_lossy(&out.stderr));
    let json = serde_json::from_str(&stdout).expect("one JSON object");
    (stdout, json)
}

/// A port nothing listens on: bound, then released.
fn closed_url() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let addr = l.local_addr().expect("an address");
    drop(l);
    format!("http://{addr}/v1")
}

#[test]
fn a_recorded_backtest_replays_byte_for_byte_without_the_model() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = bars(dir.path());
    let data_dir = dir.path().join("data");
    let data_dir = data_dir.to_str().expect("a UTF-8 path");
    let mut sim = RunningSim::start();
    let url = sim.url.clone();
    let vars = [("DATA_DIR", data_dir), ("OPENAI_BASE_URL", url.as_str()), ("OPENAI_MODEL", "sim-follow")];
    let args = ["backtest", "--data", &data, "--advisor", "llm", "--json"];

    let recording = mirai(dir.path(), &vars, &[&args[..], &["--record"]].concat());
    let (recorded, json) = report(&recording);
    let asked = sim.sim.calls();
    let advised = json["counts"]["model_advised"].as_u64().expect("advised entries counted");
    assert!(advised > 10, "{}", json["counts"]);
    assert_eq!(asked, advised, "one call per entry");
    assert!(json["counts"].get("model_fallbacks").is_none(), "{}", json["counts"]);
    // By default the log is the worker's own, under DATA_DIR.
    let logged = std::fs::read_dir(Path::new(data_dir).join("llm-calls")).expect("the call log").count();
    assert_eq!(logged as u64, advised);

    sim.stop();
    for _ in 0..2 {
        let (replayed, _) = report(&mirai(dir.path(), &vars, &args));
        assert_eq!(replayed, recorded, "a replay prints the recording's report byte for byte");
    }
    // And with the server address pointing nowhere at all.
    let elsewhere = closed_url();
    let vars = [("DATA_DIR", data_dir), ("OPENAI_BASE_URL", &elsewhere), ("OPENAI_MODEL", "sim-follow")];
    assert_eq!(report(&mirai(dir.path(), &vars, &args)).0, recorded);
    // Or at OpenAI's default address, with no API key and no prices for the model: a replay
    // needs neither.
    let vars = [("DATA_DIR", data_dir), ("OPENAI_MODEL", "sim-follow")];
    assert_eq!(report(&mirai(dir.path(), &vars, &args)).0, recorded);
    assert_eq!(sim.sim.calls(), asked, "replays ask no model");
}

#[test]
fn a_decision_never_recorded_stops_the_replay_saying_to_record() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = bars(dir.path());
    let calls = dir.path().join("empty-log");
    let url = closed_url();
    let out = mirai(
        dir.path(),
        &[("OPENAI_BASE_URL", &url), ("OPENAI_MODEL", "sim-follow")],
        &[
            "backtest",
            "--data",
            &data,
            "--advisor",
            "llm",
            "--calls",
            calls.to_str().expect("UTF-8"),
            "--json",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(out.stdout.is_empty(), "no report is printed");
    assert!(stderr.contains("no recorded model call for this decision"), "{stderr}");
    assert!(stderr.contains("BTCUSDT entry signalled at 2024-01-01T"), "names the decision: {stderr}");
    assert!(stderr.contains("run once with --record"), "{stderr}");
}

#[test]
fn the_models_advice_shapes_the_trades() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = bars(dir.path());
    let calls = dir.path().join("calls");
    let calls = calls.to_str().expect("UTF-8");
    let sim = RunningSim::start();
    let rules = report(&mirai(dir.path(), &[], &["backtest", "--data", &data, "--json"])).1;
    let (_, model) = report(&mirai(
        dir.path(),
        &[("OPENAI_BASE_URL", &sim.url), ("OPENAI_MODEL", "sim-follow")],
        &["backtest", "--data", &data, "--advisor", "llm", "--record", "--calls", calls, "--json"],
    ));
    assert!(rules["counts"].get("model_advised").is_none(), "{}", rules["counts"]);
    let qty = |r: &Value| -> Decimal {
        r["trade_list"][0]["qty"].as_str().expect("a quantity").parse().expect("a decimal")
    };
    let (r, m) = (&rules["trade_list"][0], &model["trade_list"][0]);
    // The same entry, on the same bar at the same price...
    assert_eq!((&m["entry_time"], &m["entry_price"]), (&r["entry_time"], &r["entry_price"]));
    // ...at the half size sim-follow asks for: the model's size shrinks the rules' own.
    assert_eq!(qty(&model), qty(&rules) / Decimal::from(2));
    assert_eq!(model["counts"]["decisions"], rules["counts"]["decisions"], "it follows every signal");
    assert_ne!(model["final_equity"], rules["final_equity"]);
}

#[test]
fn model_flags_are_checked_before_anything_runs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = bars(dir.path());
    let usage = |vars: &[(&str, &str)], args: &[&str]| {
        let out = mirai(dir.path(), vars, &[&["backtest", "--data", data.as_str()][..], args].concat());
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    assert!(usage(&[], &["--record"]).contains("--advisor llm"));
    assert!(usage(&[], &["--advisor", "llm", "--grid", "fast=5..10:5"]).contains("--grid"));
    let bad = usage(&[("OPENAI_MODEL", "not a model")], &["--advisor", "llm"]);
    assert!(bad.contains("invalid model settings") && bad.contains("OPENAI_MODEL"), "{bad}");
    // Recording asks a real server: it needs a key unless the server is on this machine.
    let keyless = usage(&[("OPENAI_MODEL", "gpt-4o-mini")], &["--advisor", "llm", "--record"]);
    assert!(keyless.contains("OPENAI_API_KEY"), "{keyless}");
}
