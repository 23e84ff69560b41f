//! `mirai backtest`: one backtest, streamed from the file (constant memory, whatever its
//! length), printed as a stats table or as one JSON object; optionally an HTML report and the
//! trade list as CSV. With `--grid` it runs a sweep instead (see `sweep`). With `--advisor llm`
//! entries are decided with the model's advice, replayed from its recorded calls (`--record`
//! makes the missing ones), each shown the news the worker's store held at its time (unless
//! `--no-news`), so two runs on the same store print the same report byte for byte.

use std::cell::Cell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use clap::Args;
use mirai_backtest::report::{html_report, report_json, stats_table, write_fills_csv, write_trades_csv};
use mirai_backtest::{BacktestError, BacktestReport, ModelRun, run_csv, run_csv_with_advice};
use mirai_core::{
    AdviceRequest, Collection, Embedder, EmbeddingModel, ExternalAdvice, Symbol, Timestamp, VectorError,
};
use mirai_llm::AnyEmbedder;
use mirai_llm::advisor::calls::{CallLog, RecordedCall};
use mirai_llm::advisor::prompt::{self, PromptNews};
use mirai_llm::advisor::retrieval::{RetrievalSettings, news_at};
use mirai_llm::advisor::settings::AdvisorSettings;
use mirai_llm::advisor::{LlmAdvisor, ReplayError, Source};
use mirai_settings::Reader;
use mirai_store_local::vectors::VECTORS_FILE;

use super::args::{AdvisorArgs, AdvisorKind};
use super::failure::{print, write_file};
use super::sweep::{SweepArgs, SweepOptions, sweep};
use super::{Failure, StrategyArgs, progress};
use crate::knowledge::{AnyVectorStore, KnowledgeSettings};

#[derive(Debug, Clone, Args)]
pub struct BacktestArgs {
    #[command(flatten)]
    pub strategy: StrategyArgs,
    /// Print one JSON object on stdout instead of the table.
    #[arg(long)]
    pub json: bool,
    /// Write a self-contained HTML report (charts and trades) to this file.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Write the trade list as CSV to this file.
    #[arg(long, value_name = "FILE")]
    pub trades: Option<PathBuf>,
    /// Write every fill as CSV to this file (time, side, quantity, price, fee, ids), as the
    /// worker's ledger records fills: to hold a backtest against the worker's fills.
    #[arg(long, value_name = "FILE")]
    pub fills: Option<PathBuf>,
    /// Sweep a parameter grid instead, NAME=FROM..TO:STEP or NAME=A,B,C; repeat per parameter.
    #[arg(long, value_name = "SPEC")]
    pub grid: Vec<String>,
    #[command(flatten)]
    pub sweep: SweepOptions,
    #[command(flatten)]
    pub advisor: AdvisorArgs,
}

pub fn backtest(args: &BacktestArgs) -> Result<(), Failure> {
    let llm = args.advisor.advisor == AdvisorKind::Llm;
    if !llm && (args.advisor.record || args.advisor.calls.is_some() || args.advisor.no_news) {
        return Err(Failure::Usage("--record, --calls and --no-news go with --advisor llm".into()));
    }
    if llm && !args.grid.is_empty() {
        return Err(Failure::Usage(
            "--advisor llm runs one backtest; a sweep (--grid) decides with the rules".into(),
        ));
    }
    if !args.grid.is_empty() && args.fills.is_some() {
        return Err(Failure::Usage("--fills goes with one backtest, not a sweep (--grid)".into()));
    }
    if !args.grid.is_empty() {
        return sweep(&SweepArgs {
            strategy: args.strategy.clone(),
            grid: args.grid.clone(),
            options: args.sweep.clone(),
            json: args.json,
        });
    }
    let mut config = args.strategy.config()?;
    config.keep_fills = args.fills.is_some();
    // The model's settings and the news store are checked before the file is read: a mistake
    // there costs nothing.
    let model = if llm { Some(Model::from_env(&args.advisor, config.symbol)?) } else { None };
    let path = &args.strategy.data;
    let file = std::fs::File::open(path)
        .map_err(|e| Failure::Usage(format!("cannot open {}: {e}", path.display())))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let pb = progress::bar(size, "backtest", true);
    let result = match &model {
        None => run_csv(&config, file, |bytes| pb.set_position(bytes)),
        Some(m) => run_csv_with_advice(&config, file, |bytes| pb.set_position(bytes), m.run(), |r| m.ask(r)),
    };
    pb.finish_and_clear();
    let report = result.map_err(|e| match e {
        BacktestError::Data(d) => Failure::Usage(format!("{}: {d}", path.display())),
        // Not the user's input: the model's log lacks a decision (or cannot be read), or the
        // news could not be searched.
        BacktestError::Advice(why) => Failure::System(why),
        other => other.into(),
    })?;
    if let Some(m) = &model {
        eprintln!("{}", m.summary(&report));
        if m.training_cutoff.is_none() {
            eprintln!(
                "note: {}'s training cutoff is unknown; set LLM_TRAINING_CUTOFF=YYYY-MM-DD for the report to say which part of the backtest the model may have seen",
                m.advisor.model()
            );
        }
    }
    // Files first: a run whose report cannot be written fails before printing success.
    if let Some(out) = &args.report {
        write_file(out, html_report(&report).as_bytes())?;
    }
    if let Some(out) = &args.trades {
        let mut csv = Vec::new();
        write_trades_csv(&report, &mut csv).map_err(|e| Failure::System(e.to_string()))?;
        write_file(out, &csv)?;
    }
    if let Some(out) = &args.fills {
        let mut csv = Vec::new();
        write_fills_csv(&report, &mut csv).map_err(|e| Failure::System(e.to_string()))?;
        write_file(out, &csv)?;
    }
    if args.json { print(&format!("{}\n", report_json(&report))) } else { print(&stats_table(&report)) }
}

/// The model a backtest asks about its entries, and the one runtime its async client runs on
/// (the backtest itself is synchronous: it waits for each answer).
struct Model {
    advisor: LlmAdvisor,
    runtime: tokio::runtime::Runtime,
    calls: PathBuf,
    training_cutoff: Option<Timestamp>,
    /// `None` with `--no-news`.
    news: Option<News>,
    /// Decisions asked about, and how many of them were shown news (the summary line).
    asked: Cell<u64>,
    with_news: Cell<u64>,
}

impl Model {
    /// `ADVISOR=llm`'s settings from the environment (`ADVISOR` itself need not be set), the
    /// call log at `--calls`, recorded calls only unless `--record`, and the news store the
    /// worker uses unless `--no-news`.
    fn from_env(args: &AdvisorArgs, symbol: Symbol) -> Result<Self, Failure> {
        let record = args.record;
        let lookup = super::lookup::settings()?;
        let env = |key: &str| lookup(key).filter(|v| !v.trim().is_empty());
        let settings = AdvisorSettings::from_lookup(&|key| match key {
            "ADVISOR" => Some("llm".into()),
            // A replay asks no server and pays for no call: it needs no key and no prices
            // (whoever recorded the calls had them). Values that are set are still checked.
            "OPENAI_API_KEY" if !record => Some(env(key).unwrap_or_else(|| "unused".into())),
            "LLM_PRICE_INPUT_PER_MTOK" | "LLM_PRICE_OUTPUT_PER_MTOK" if !record => {
                Some(env(key).unwrap_or_else(|| "0".into()))
            }
            _ => env(key),
        });
        let settings = match settings {
            Ok(AdvisorSettings::Llm(s)) => s,
            Ok(AdvisorSettings::Rules) => {
                return Err(Failure::Usage("--advisor llm: the model settings were not read".into()));
            }
            Err(problems) => {
                return Err(Failure::Usage(format!(
                    "--advisor llm: invalid model settings:\n  {}",
                    problems.join("\n  ")
                )));
            }
        };
        let data_dir = env("DATA_DIR").map_or_else(|| PathBuf::from("./data"), PathBuf::from);
        let calls = args.calls.clone().unwrap_or_else(|| data_dir.join(crate::advice::CALL_LOG_DIR));
        let log = CallLog::open(&calls).map_err(|e| Failure::System(e.to_string()))?;
        let source = if record { Source::Network } else { Source::ReplayOnly };
        let advisor = LlmAdvisor::new(&settings, log, source)
            .map_err(|e| Failure::Usage(format!("--advisor llm: {e}")))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Failure::System(format!("cannot start the async runtime: {e}")))?;
        let news = if args.no_news { None } else { Some(News::open(&env, &data_dir, symbol, &runtime)?) };
        Ok(Self {
            advisor,
            runtime,
            calls,
            training_cutoff: settings.training_cutoff,
            news,
            asked: Cell::new(0),
            with_news: Cell::new(0),
        })
    }

    /// The model as the report names it.
    fn run(&self) -> ModelRun {
        ModelRun { name: self.advisor.model().to_owned(), training_cutoff: self.training_cutoff }
    }

    /// The advice on one entry, shown the news available at its signal's time. A replay miss
    /// and a failed news search are the only errors (a model that cannot answer while
    /// recording is a fallback to the rules, counted in the report).
    fn ask(&self, request: &AdviceRequest) -> Result<ExternalAdvice, String> {
        let news = match &self.news {
            None => Vec::new(),
            Some(n) => self.runtime.block_on(n.at(request.signal.symbol, request.signal.ts))?,
        };
        self.asked.set(self.asked.get() + 1);
        if !news.is_empty() {
            self.with_news.set(self.with_news.get() + 1);
        }
        match self.runtime.block_on(self.advisor.advise(request, &news)) {
            Ok(advice) => Ok(advice),
            Err(miss @ ReplayError::NotRecorded { .. }) => Err(self.explain_miss(request, &news, &miss)),
            Err(e) => Err(e.to_string()),
        }
    }

    /// Why a decision has no recorded call. The key hashes the whole prompt, news included, so
    /// a decision recorded with other news misses like one never recorded; the log says which.
    fn explain_miss(&self, request: &AdviceRequest, news: &[PromptNews], miss: &ReplayError) -> String {
        let recorded = recorded_news_for(&self.calls, self.advisor.model(), request);
        if recorded.is_empty() {
            return miss.to_string();
        }
        let ReplayError::NotRecorded { key, .. } = miss else { return miss.to_string() };
        let shown: Vec<String> = prompt::build(request, news).shown.into_iter().map(|s| s.id).collect();
        if self.news.is_none() && !recorded.contains(&shown) {
            return format!(
                "no recorded model call for this prompt (key {key}): the call recorded for this decision showed the model news, and --no-news shows it none, so the prompt differs from the recorded one; replay without --no-news, or run once with --record to make it"
            );
        }
        if recorded.contains(&shown) {
            format!(
                "no recorded model call for this prompt (key {key}): a call was recorded for this decision with the same news, but the prompt differs from the recorded one (other settings, or an earlier decision went otherwise?); run once with --record to make it"
            )
        } else {
            let then = recorded.iter().map(|ids| ids.len().to_string()).collect::<Vec<_>>().join(" or ");
            format!(
                "no recorded model call for this prompt (key {key}): a call was recorded for this decision, but with other news ({then} items then, {} now), so the prompt differs from the recorded one. Did the news store change since --record? Restore it to replay, or run once with --record to ask the model with today's news",
                shown.len()
            )
        }
    }

    /// The stderr line after a run: what the model decided, what news it saw, where the calls are.
    fn summary(&self, report: &BacktestReport) -> String {
        let news = match &self.news {
            None => "asked without news (--no-news)".to_owned(),
            Some(n) => format!(
                "{} of {} decisions had news from {}, each item from {} min after its publication",
                self.with_news.get(),
                self.asked.get(),
                n.place,
                n.settings.delay_ms / 60_000
            ),
        };
        format!(
            "entries decided with {}'s advice: {} advised, {} fell back to the rules; {news} (calls in {})",
            self.advisor.model(),
            report.counts.model_advised,
            report.counts.model_fallbacks,
            self.calls.display()
        )
    }
}

/// The ids of the news shown in each call recorded for `request`'s decision (same model, symbol
/// and signal time), read from the log's prompts; empty when there is none. Read only after a
/// miss, which ends the run, so reading the whole log costs once.
fn recorded_news_for(calls: &Path, model: &str, request: &AdviceRequest) -> Vec<Vec<String>> {
    let Ok(dir) = std::fs::read_dir(calls) else { return Vec::new() };
    let (symbol, time_ms) = (request.signal.symbol.as_str(), request.signal.ts.millis());
    let mut found = Vec::new();
    for entry in dir.flatten() {
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let Ok(bytes) = std::fs::read(&path) else { continue };
        let Ok(call) = serde_json::from_slice::<RecordedCall>(&bytes) else { continue };
        if call.model != model {
            continue;
        }
        let Ok(user) = serde_json::from_str::<serde_json::Value>(&call.user) else { continue };
        if user["signal"]["symbol"] != symbol || user["signal"]["time_ms"] != time_ms {
            continue;
        }
        let ids = user["untrusted_news"]
            .as_array()
            .map(|items| items.iter().filter_map(|n| n["id"].as_str().map(str::to_owned)).collect())
            .unwrap_or_default();
        found.push(ids);
    }
    found
}

/// How long the store may take to answer its check at the start, and one search.
const STORE_TIMEOUT: Duration = Duration::from_secs(30);

/// The worker's news store, searched as of each decision's time.
struct News {
    embedder: Memo,
    store: AnyVectorStore,
    settings: RetrievalSettings,
    /// Which store, for messages: the embedded index's file or Milvus's address.
    place: String,
}

impl News {
    /// The embedder and store the worker's settings choose (`OPENAI_*`, `MILVUS_*`, `DATA_DIR`),
    /// and `NEWS_TOPK`, `NEWS_FINAL_K`, `NEWS_BACKTEST_DELAY_MINUTES`, read as the worker reads
    /// them. A missing embedded index is an error, not an empty one: a backtest that silently
    /// showed no news would be taken for one that did.
    fn open(
        env: &dyn Fn(&str) -> Option<String>,
        data_dir: &Path,
        symbol: Symbol,
        runtime: &tokio::runtime::Runtime,
    ) -> Result<Self, Failure> {
        let mut r = Reader::new(env);
        let read = crate::config::read_retrieval(&mut r);
        let mut problems = r.finish(()).err().unwrap_or_default();
        let knowledge = KnowledgeSettings::from_lookup(env, &[symbol]).map_err(|e| problems.extend(e)).ok();
        let Some(knowledge) = knowledge.filter(|_| problems.is_empty()) else {
            return Err(Failure::Usage(format!(
                "--advisor llm: invalid news settings (--no-news asks without news):\n  {}",
                problems.join("\n  ")
            )));
        };
        let settings = RetrievalSettings { backtest: true, ..read };
        let embedder = AnyEmbedder::from_settings(&knowledge.embedder)
            .map_err(|e| Failure::Usage(format!("--advisor llm: the news embedder: {e}")))?;
        let model = embedder.model().clone();
        let place = match &knowledge.milvus {
            None => {
                let file = data_dir.join(VECTORS_FILE);
                if !file.exists() {
                    return Err(Failure::Usage(format!(
                        "--advisor llm: no news store at {}: set DATA_DIR to the worker's data directory (or MILVUS_* to its Milvus) so each decision is shown the news of its time, or pass --no-news to ask the model without news",
                        file.display()
                    )));
                }
                format!("the embedded index {}", file.display())
            }
            Some(m) => format!("Milvus at {} ({})", m.address, m.news_collection),
        };
        // Milvus's client sets up its connection on the runtime it will run on.
        let store = {
            let _runtime = runtime.enter();
            AnyVectorStore::open(knowledge.milvus.as_ref(), data_dir, model)
                .map_err(|e| Failure::System(format!("--advisor llm: {place}: {e}")))?
        };
        // Only the news collection matters here; the worker's check covers rationales too.
        let checked = match &store {
            AnyVectorStore::Local(index) => index.check(Collection::News),
            AnyVectorStore::Milvus(m) => runtime
                // Built inside the runtime: a timeout needs its timer when created.
                .block_on(async { tokio::time::timeout(STORE_TIMEOUT, m.check()).await })
                .unwrap_or_else(|_| Err(VectorError::Unavailable("no answer within 30 s".into()))),
        };
        match checked {
            Ok(()) => {}
            Err(e @ VectorError::Unavailable(_)) => {
                return Err(Failure::System(format!("--advisor llm: {place}: {e}")));
            }
            Err(e) => return Err(Failure::Usage(format!("--advisor llm: {place}: {e}"))),
        }
        Ok(Self { embedder: Memo::new(embedder), store, settings, place })
    }

    /// The news about `symbol` available at `at`; an error stops the backtest.
    async fn at(&self, symbol: Symbol, at: Timestamp) -> Result<Vec<PromptNews>, String> {
        let found = news_at(&self.embedder, &self.store, symbol, at, self.settings);
        let why = match tokio::time::timeout(STORE_TIMEOUT, found).await {
            Ok(Ok(news)) => return Ok(news),
            Ok(Err(e)) => e.to_string(),
            Err(_) => format!("no answer within {} s", STORE_TIMEOUT.as_secs()),
        };
        Err(format!(
            "the news search in {} failed: {why}. A backtest stops rather than ask the model without the news, since a replay must show it what the recording did (--no-news asks without news throughout)",
            self.place
        ))
    }
}

/// The embedder, asked once per distinct text. A decision's query names only its symbol, so a
/// run embeds (and with OpenAI pays for) one query per symbol, and every decision ranks against
/// the same vector even where a remote embedder would not answer twice alike.
#[derive(Debug)]
struct Memo {
    inner: AnyEmbedder,
    seen: Mutex<HashMap<String, Vec<f32>>>,
}

impl Memo {
    fn new(inner: AnyEmbedder) -> Self {
        Self { inner, seen: Mutex::new(HashMap::new()) }
    }
}

impl Embedder for Memo {
    fn model(&self) -> &EmbeddingModel {
        self.inner.model()
    }

    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, VectorError> {
        let known: Option<Vec<Vec<f32>>> = {
            let seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
            texts.iter().map(|t| seen.get(t).cloned()).collect()
        };
        if let Some(vectors) = known {
            return Ok(vectors);
        }
        let vectors = self.inner.embed(texts).await?;
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        for (text, vector) in texts.iter().zip(&vectors) {
            seen.insert(text.clone(), vector.clone());
        }
        Ok(vectors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mirai_llm::LocalEmbedder;

    #[test]
    fn a_failed_search_is_an_error_saying_why_the_backtest_stops() {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
        // Nothing listens on a port just released.
        let port =
            std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a port").port();
        let milvus = mirai_store_milvus::MilvusSettings::new(format!("http://127.0.0.1:{port}"));
        let embedder = Memo::new(AnyEmbedder::Local(LocalEmbedder::new()));
        let store = {
            let _runtime = runtime.enter();
            AnyVectorStore::open(Some(&milvus), Path::new("unused"), embedder.model().clone())
                .expect("opening contacts nothing")
        };
        let news = News {
            embedder,
            store,
            settings: RetrievalSettings { backtest: true, ..RetrievalSettings::default() },
            place: "Milvus at the test's port".into(),
        };
        let err = runtime
            .block_on(news.at(Symbol::new("BTCUSDT"), Timestamp::from_millis(1_704_067_200_000)))
            .expect_err("nothing answers");
        assert!(err.starts_with("the news search in Milvus at the test's port failed: "), "{err}");
        assert!(err.contains("stops rather than ask the model without the news"), "{err}");
        assert!(err.contains("--no-news"), "{err}");
    }

    #[tokio::test]
    async fn the_memo_embeds_each_text_once_and_answers_alike() {
        let memo = Memo::new(AnyEmbedder::Local(LocalEmbedder::new()));
        let texts = vec!["BTCUSDT bitcoin market news".to_owned()];
        let first = memo.embed(&texts).await.expect("embedded");
        assert_eq!(memo.seen.lock().expect("unpoisoned").len(), 1);
        // What the inner embedder gives, and the same vector when asked again.
        assert_eq!(first, memo.inner.embed(&texts).await.expect("embedded"));
        memo.seen.lock().expect("unpoisoned").insert(texts[0].clone(), vec![0.5]);
        assert_eq!(memo.embed(&texts).await.expect("remembered"), vec![vec![0.5]], "not asked again");
        let two = vec![texts[0].clone(), "ETHUSDT ethereum market news".to_owned()];
        assert_eq!(memo.embed(&two).await.expect("embedded").len(), 2, "an unseen text is embedded");
    }
}
