//! `mirai backtest --advisor llm`: the real binary, against the local model simulator started in
//! this test process. A recording run asks the simulator about each entry; replays, with the
//! simulator gone, answer from the log alone and print the same report byte for byte; a decision
//! never recorded stops the run (exit 1) saying to record it; the model's answer (follow the
//! signal at half size) is what the trades show. Each decision is shown the news the embedded
//! store held at its time less the delay, and a replay on a changed store says so.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

use mirai_backtest::generate::{DEFAULT_START_MS, Generate};
use mirai_core::{Embedder, Price, Symbol};
use mirai_llm::LocalEmbedder;
use mirai_llm::advisor::calls::RecordedCall;
use mirai_llm::sim::{Sim, serve};
use mirai_news::{DEFAULT_CHUNK_CHARS, Pipeline, SymbolMap, read_jsonl};
use mirai_store_local::vectors::LocalVectorIndex;
use rust_decimal::Decimal;
use serde_json::{Value, json};

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
    let args = ["backtest", "--data", &data, "--advisor", "llm", "--no-news", "--json"];

    let recording = mirai(dir.path(), &vars, &[&args[..], &["--record"]].concat());
    let (recorded, json) = report(&recording);
    let stderr = String::from_utf8_lossy(&recording.stderr);
    assert!(stderr.contains("asked without news (--no-news)"), "{stderr}");
    // sim-follow's training cutoff is unknown: the report says so rather than guess.
    assert!(json["model"]["training_cutoff"].is_null(), "{}", json["model"]);
    assert_eq!(json["model"]["name"], "sim-follow");
    assert!(stderr.contains("set LLM_TRAINING_CUTOFF"), "{stderr}");
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
            "--no-news",
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
        &[
            "backtest",
            "--data",
            &data,
            "--advisor",
            "llm",
            "--record",
            "--calls",
            calls,
            "--no-news",
            "--json",
        ],
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
    assert!(usage(&[], &["--no-news"]).contains("--advisor llm"));
    // No news store where the worker keeps it: said before any bar, not a run without news.
    let sim = [("OPENAI_BASE_URL", "http://127.0.0.1:9/v1"), ("OPENAI_MODEL", "sim-follow")];
    let storeless = usage(&sim, &["--advisor", "llm"]);
    assert!(
        storeless.contains("no news store at ./data/vectors.db") && storeless.contains("--no-news"),
        "{storeless}"
    );
    assert!(!dir.path().join("data/vectors.db").exists(), "nothing is created");
    let bad_news = usage(&[sim[0], sim[1], ("NEWS_FINAL_K", "13")], &["--advisor", "llm"]);
    assert!(bad_news.contains("invalid news settings") && bad_news.contains("NEWS_FINAL_K"), "{bad_news}");
    let bad_cutoff =
        usage(&[sim[0], sim[1], ("LLM_TRAINING_CUTOFF", "2023-10")], &["--advisor", "llm", "--no-news"]);
    assert!(bad_cutoff.contains("LLM_TRAINING_CUTOFF"), "{bad_cutoff}");
    assert!(usage(&[], &["--advisor", "llm", "--grid", "fast=5..10:5"]).contains("--grid"));
    let bad = usage(&[("OPENAI_MODEL", "not a model")], &["--advisor", "llm"]);
    assert!(bad.contains("invalid model settings") && bad.contains("OPENAI_MODEL"), "{bad}");
    // Recording asks a real server: it needs a key unless the server is on this machine.
    let keyless = usage(&[("OPENAI_MODEL", "gpt-4o-mini")], &["--advisor", "llm", "--record"]);
    assert!(keyless.contains("OPENAI_API_KEY"), "{keyless}");
}

/// The news delay these tests set (`NEWS_BACKTEST_DELAY_MINUTES=30`), in milliseconds.
const DELAY_MS: i64 = 30 * 60_000;

/// Writes news items (as `NEWS_IMPORT_PATHS` files hold them) into the embedded store under
/// `data_dir`, through the worker's own ingestion pipeline and embedder.
fn seed_news(data_dir: &Path, items: &[(&str, i64)]) {
    let jsonl: String = items
        .iter()
        .map(|(title, published)| {
            let line = json!({
                "title": title,
                "published_at": published,
                "text": format!("{title}: bitcoin traders weigh the market."),
                "url": format!("https://news.example/{published}"),
                "source": "Test Wire",
                "tickers": ["BTC"],
            });
            format!("{line}\n")
        })
        .collect();
    let imported = read_jsonl(jsonl.as_bytes(), "test.jsonl");
    assert!(imported.issues.is_empty(), "{:?}", imported.issues);
    let embedder = LocalEmbedder::new();
    let index = LocalVectorIndex::open(data_dir, embedder.model().clone()).expect("the embedded index");
    let pipeline = Pipeline {
        symbols: SymbolMap::for_symbols(&[Symbol::new("BTCUSDT")]),
        chunk_chars: DEFAULT_CHUNK_CHARS,
    };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    // When the worker would have seen them: long after the bars; backtests go by publication.
    let seen = mirai_core::Timestamp::from_millis(DEFAULT_START_MS + 30 * 86_400_000);
    let report =
        runtime.block_on(pipeline.ingest(&embedder, &index, &imported.items, seen)).expect("ingested");
    assert_eq!(report.articles, items.len());
}

/// The news titles each recorded prompt showed, by the decision's signal time.
fn prompts(calls: &Path) -> BTreeMap<i64, Vec<String>> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(calls).expect("the call log") {
        let bytes = std::fs::read(entry.expect("an entry").path()).expect("a record");
        let call: RecordedCall = serde_json::from_slice(&bytes).expect("a recorded call");
        let user: Value = serde_json::from_str(&call.user).expect("the prompt is JSON");
        let time = user["signal"]["time_ms"].as_i64().expect("the signal's time");
        let titles = user["untrusted_news"]
            .as_array()
            .expect("the news list")
            .iter()
            .map(|n| n["title"].as_str().expect("a title").to_owned())
            .collect();
        assert!(out.insert(time, titles).is_none(), "one call per decision");
    }
    out
}

#[test]
fn each_decision_sees_the_news_of_its_time_less_the_delay_and_replays_byte_for_byte() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = bars(dir.path());
    let data_dir = dir.path().join("data");
    let mut sim = RunningSim::start();
    let url = sim.url.clone();
    let model = [("OPENAI_BASE_URL", url.as_str()), ("OPENAI_MODEL", "sim-follow")];

    // Where the decisions fall, from a run without news: sim-follow follows every signal, so the
    // news changes no decision's time.
    let scout = dir.path().join("scout");
    let scout = scout.to_str().expect("UTF-8");
    let args = ["backtest", "--data", &data, "--advisor", "llm", "--json"];
    report(&mirai(dir.path(), &model, &[&args[..], &["--record", "--no-news", "--calls", scout]].concat()));
    let times: Vec<i64> = prompts(Path::new(scout)).into_keys().collect();
    let t = times[times.len() / 3];
    let later = *times.iter().find(|x| **x >= t + 60_000 + DELAY_MS).expect("a decision well after t");
    assert!(times[0] < t - 60_000, "a decision before the news");

    let known = "ETF inflows hit a record";
    let in_delay = "Exchange halts withdrawals";
    let after = "Miners capitulate";
    seed_news(
        &data_dir,
        &[(known, t - DELAY_MS - 60_000), (in_delay, t - DELAY_MS + 60_000), (after, t + 60_000)],
    );
    let data_dir_s = data_dir.to_str().expect("UTF-8");
    let vars = [model[0], model[1], ("DATA_DIR", data_dir_s), ("NEWS_BACKTEST_DELAY_MINUTES", "30")];
    let asked_before = sim.sim.calls();
    let recording = mirai(dir.path(), &vars, &[&args[..], &["--record"]].concat());
    let (recorded, json) = report(&recording);
    let decisions = json["counts"]["model_advised"].as_u64().expect("advised");
    assert_eq!(decisions as usize, times.len(), "the same decisions as without news");

    let shown = prompts(&data_dir.join("llm-calls"));
    // At t: the item published before t minus the delay, and neither the one inside the delay
    // nor the later one.
    assert_eq!(shown[&t], [known], "at t");
    // Both are in the store and found once their time comes: only time kept them out at t.
    let mut at_later = shown[&later].clone();
    at_later.sort();
    let mut all = [in_delay, known, after];
    all.sort_unstable();
    assert_eq!(at_later, all);
    // Nothing before the first item counts.
    assert!(shown[&times[0]].is_empty());
    let with_news = shown.values().filter(|n| !n.is_empty()).count();
    assert!(with_news > 0 && with_news < shown.len());
    let stderr = String::from_utf8_lossy(&recording.stderr);
    let summary = format!(
        "; {with_news} of {} decisions had news from the embedded index {}, each item from 30 min after its publication (calls in",
        shown.len(),
        data_dir.join("vectors.db").display()
    );
    assert!(stderr.contains(&summary), "{stderr}");
    assert_eq!(sim.sim.calls() - asked_before, decisions, "a new log: every decision asked");

    // Replay-only, the model gone: the same report byte for byte, from the same news.
    sim.stop();
    let asked = sim.sim.calls();
    let replay = mirai(dir.path(), &vars, &args);
    assert_eq!(report(&replay).0, recorded, "a replay prints the recording's report byte for byte");
    assert!(String::from_utf8_lossy(&replay.stderr).contains(&summary));
    assert_eq!(sim.sim.calls(), asked, "replays ask no model");

    // Without the news, the first decision that had some misses, saying that is why.
    let out = mirai(dir.path(), &vars, &[&args[..], &["--no-news"]].concat());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("showed the model news, and --no-news shows it none"), "{stderr}");

    // The store changes under the recording: the first decision's prompt differs, and the
    // replay stops saying why instead of asking or going on without it.
    seed_news(&data_dir, &[("Late-found archive story", times[0] - DELAY_MS - 60_000)]);
    let out = mirai(dir.path(), &vars, &args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(out.stdout.is_empty());
    assert!(stderr.contains("no recorded model call for this prompt"), "{stderr}");
    assert!(stderr.contains("with other news (0 items then, 1 now)"), "{stderr}");
    assert!(stderr.contains("the prompt differs from the recorded one"), "{stderr}");
    assert!(stderr.contains("Did the news store change since --record?"), "{stderr}");
}

#[test]
fn an_unreachable_news_store_stops_the_backtest_before_any_bar() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = bars(dir.path());
    let milvus = closed_url().trim_end_matches("/v1").to_owned();
    let out = mirai(
        dir.path(),
        &[
            ("MILVUS_ADDRESS", &milvus),
            ("OPENAI_BASE_URL", "http://127.0.0.1:9/v1"),
            ("OPENAI_MODEL", "sim-follow"),
        ],
        &["backtest", "--data", &data, "--advisor", "llm", "--json"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(out.stdout.is_empty(), "no report without the news");
    assert!(stderr.contains(&format!("Milvus at {milvus}")) && stderr.contains("unavailable"), "{stderr}");
}
