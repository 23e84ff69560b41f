//! `mirai backtest`: one backtest, streamed from the file (constant memory, whatever its
//! length), printed as a stats table or as one JSON object; optionally an HTML report and the
//! trade list as CSV. With `--grid` it runs a sweep instead (see `sweep`). With `--advisor llm`
//! entries are decided with the model's advice, replayed from its recorded calls (`--record`
//! makes the missing ones), so two runs print the same report byte for byte.

use std::path::PathBuf;

use clap::Args;
use mirai_backtest::report::{html_report, report_json, stats_table, write_trades_csv};
use mirai_backtest::{BacktestError, run_csv, run_csv_with_advice};
use mirai_core::{AdviceRequest, ExternalAdvice, Symbol, Timestamp};
use mirai_llm::advisor::calls::CallLog;
use mirai_llm::advisor::prompt::PromptNews;
use mirai_llm::advisor::settings::AdvisorSettings;
use mirai_llm::advisor::{LlmAdvisor, Source};

use super::args::{AdvisorArgs, AdvisorKind};
use super::failure::{print, write_file};
use super::sweep::{SweepArgs, SweepOptions, sweep};
use super::{Failure, StrategyArgs, progress};

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
    if !llm && (args.advisor.record || args.advisor.calls.is_some()) {
        return Err(Failure::Usage("--record and --calls go with --advisor llm".into()));
    }
    if llm && !args.grid.is_empty() {
        return Err(Failure::Usage(
            "--advisor llm runs one backtest; a sweep (--grid) decides with the rules".into(),
        ));
    }
    if !args.grid.is_empty() {
        return sweep(&SweepArgs {
            strategy: args.strategy.clone(),
            grid: args.grid.clone(),
            options: args.sweep.clone(),
            json: args.json,
        });
    }
    let config = args.strategy.config()?;
    // The model's settings are checked before the file is read: a mistake there costs nothing.
    let model = if llm { Some(Model::from_env(&args.advisor)?) } else { None };
    let path = &args.strategy.data;
    let file = std::fs::File::open(path)
        .map_err(|e| Failure::Usage(format!("cannot open {}: {e}", path.display())))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let pb = progress::bar(size, "backtest", true);
    let result = match &model {
        None => run_csv(&config, file, |bytes| pb.set_position(bytes)),
        Some(m) => run_csv_with_advice(&config, file, |bytes| pb.set_position(bytes), |r| m.ask(r)),
    };
    pb.finish_and_clear();
    let report = result.map_err(|e| match e {
        BacktestError::Data(d) => Failure::Usage(format!("{}: {d}", path.display())),
        // Not the user's input: the model's log lacks a decision (or cannot be read).
        BacktestError::Advice(why) => Failure::System(why),
        other => other.into(),
    })?;
    if let Some(m) = &model {
        eprintln!(
            "entries decided with {}'s advice: {} advised, {} fell back to the rules (calls in {})",
            m.advisor.model(),
            report.counts.model_advised,
            report.counts.model_fallbacks,
            m.calls.display()
        );
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
    if args.json { print(&format!("{}\n", report_json(&report))) } else { print(&stats_table(&report)) }
}

/// The model a backtest asks about its entries, and the one runtime its async client runs on
/// (the backtest itself is synchronous: it waits for each answer).
struct Model {
    advisor: LlmAdvisor,
    runtime: tokio::runtime::Runtime,
    calls: PathBuf,
}

impl Model {
    /// `ADVISOR=llm`'s settings from the environment (`ADVISOR` itself need not be set), the
    /// call log at `--calls`, recorded calls only unless `--record`.
    fn from_env(args: &AdvisorArgs) -> Result<Self, Failure> {
        let record = args.record;
        let env = |key: &str| std::env::var(key).ok().filter(|v| !v.trim().is_empty());
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
        let calls = args.calls.clone().unwrap_or_else(|| {
            std::env::var_os("DATA_DIR")
                .filter(|v| !v.is_empty())
                .map_or_else(|| PathBuf::from("./data"), PathBuf::from)
                .join(crate::advice::CALL_LOG_DIR)
        });
        let log = CallLog::open(&calls).map_err(|e| Failure::System(e.to_string()))?;
        let source = if record { Source::Network } else { Source::ReplayOnly };
        let advisor = LlmAdvisor::new(&settings, log, source)
            .map_err(|e| Failure::Usage(format!("--advisor llm: {e}")))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Failure::System(format!("cannot start the async runtime: {e}")))?;
        Ok(Self { advisor, runtime, calls })
    }

    /// The advice on one entry. A replay miss is the only error (a model that cannot answer
    /// while recording is a fallback to the rules, counted in the report).
    fn ask(&self, request: &AdviceRequest) -> Result<ExternalAdvice, String> {
        let news = news_at(request.signal.symbol, request.signal.ts);
        self.runtime.block_on(self.advisor.advise(request, &news)).map_err(|e| e.to_string())
    }
}

/// The news the model is shown for a decision on `symbol` at `at`: none yet. Point-in-time news
/// in backtests needs the knowledge store (`mirai_llm::advisor::retrieval::news_at` over the
/// worker's index); until it is wired here, backtests ask the model without news
/// (docs/backtesting.md).
fn news_at(_symbol: Symbol, _at: Timestamp) -> Vec<PromptNews> {
    Vec::new()
}
