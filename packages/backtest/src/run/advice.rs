//! Backtests whose entries are decided with an external advisor (a language model): the engine
//! parks each entry signal as an [`AdviceRequest`], the backtest asks a plain callback, and feeds
//! the answer back; sizing and every risk gate then run exactly as for the rules. This crate does
//! not know how the callback answers (the CLI replays recorded model calls through `mirai-llm`).
//!
//! Which kind of backtest it is, is a type parameter of [`Backtest`] rather than a flag read per
//! bar: the rules-only loop is compiled with the advice step removed, so it costs nothing there
//! (docs/benchmarks.md, *Backtests with the model*).

use std::io::Read;

use mirai_core::{AdviceRequest, ExternalAdvice, MarketEvent, Timestamp};

use super::report::cutoff_end;
use super::runner::Backtest;
use super::{BacktestReport, ModelNote, ModelRun};
use crate::config::BacktestConfig;
use crate::data::{CsvReader, DataError};
use crate::error::{BacktestError, Result};

/// Who decides a backtest's entries: [`RulesOnly`] (the rule-based advisor, the default) or
/// [`Asking`] (an external advisor, through a callback). Sealed: these two are the only kinds.
pub trait EntryAdvice: sealed::Sealed {
    /// Entries wait for [`EntryAdvice::ask`]. A constant, so the check vanishes from the
    /// rules-only loop.
    const CONSULTS: bool;

    /// The answer to `request`, or why there is none (which stops the backtest).
    fn ask(&mut self, request: &AdviceRequest) -> Result<ExternalAdvice, String>;

    /// Why the backtest stopped, once an `ask` failed.
    fn failure(&self) -> Option<&str>;

    /// Records why the backtest stops.
    fn fail(&mut self, why: String);

    /// Sees each bar's open time, to count the bars on or before the model's training cutoff.
    fn see_bar(&mut self, open_time: Timestamp);

    /// The report's model section for a run whose bars open from `start` to `end`; `None`
    /// unless a model was named ([`Backtest::with_model`]).
    fn model_note(&self, start: Timestamp, end: Timestamp) -> Option<ModelNote>;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::RulesOnly {}
    impl<F> Sealed for super::Asking<F> {}
}

/// Entries are decided by the rule-based advisor; nothing is asked.
#[derive(Clone, Copy, Debug, Default)]
pub struct RulesOnly;

impl EntryAdvice for RulesOnly {
    const CONSULTS: bool = false;

    fn ask(&mut self, _request: &AdviceRequest) -> Result<ExternalAdvice, String> {
        // Unreachable: the engine parks no request unless told to consult.
        Err("no external advisor in this backtest".into())
    }

    fn failure(&self) -> Option<&str> {
        None
    }

    fn fail(&mut self, _why: String) {}

    fn see_bar(&mut self, _open_time: Timestamp) {}

    fn model_note(&self, _start: Timestamp, _end: Timestamp) -> Option<ModelNote> {
        None
    }
}

/// Entries are decided with the answers of `F` ([`Backtest::with_advice`]).
pub struct Asking<F> {
    ask: F,
    failure: Option<String>,
    model: Option<ModelRun>,
    /// Bars opening before this (the end of the cutoff day) fall on or before the cutoff; no
    /// bar does while the cutoff is unknown.
    cutoff_end: i64,
    bars_before: u64,
}

impl<F> Asking<F> {
    pub(super) fn new(ask: F) -> Self {
        Self { ask, failure: None, model: None, cutoff_end: i64::MIN, bars_before: 0 }
    }

    pub(super) fn set_model(&mut self, model: ModelRun) {
        self.cutoff_end = model.training_cutoff.map_or(i64::MIN, cutoff_end);
        self.model = Some(model);
    }
}

impl<F> std::fmt::Debug for Asking<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Asking").field("failure", &self.failure).finish_non_exhaustive()
    }
}

impl<F> EntryAdvice for Asking<F>
where
    F: FnMut(&AdviceRequest) -> Result<ExternalAdvice, String>,
{
    const CONSULTS: bool = true;

    fn ask(&mut self, request: &AdviceRequest) -> Result<ExternalAdvice, String> {
        (self.ask)(request)
    }

    fn failure(&self) -> Option<&str> {
        self.failure.as_deref()
    }

    fn fail(&mut self, why: String) {
        // The first failure is the one to report: nothing is asked after it.
        self.failure.get_or_insert(why);
    }

    fn see_bar(&mut self, open_time: Timestamp) {
        if open_time.millis() < self.cutoff_end {
            self.bars_before += 1;
        }
    }

    fn model_note(&self, start: Timestamp, end: Timestamp) -> Option<ModelNote> {
        self.model.as_ref().map(|m| ModelNote::new(m, self.bars_before, start, end))
    }
}

/// As [`crate::run_csv`], with every entry decided with `ask`'s answers, which come from
/// `model` (named in the report with how much of the run falls before its training cutoff).
/// An `Err` from `ask` stops the test at that bar: the result is [`BacktestError::Advice`]
/// naming the decision.
///
/// The file is parsed on this thread: unlike the rules-only run, the time here goes to the
/// advisor, not to parsing.
pub fn run_csv_with_advice<F>(
    config: &BacktestConfig,
    src: impl Read,
    mut progress: impl FnMut(u64),
    model: ModelRun,
    ask: F,
) -> Result<BacktestReport>
where
    F: FnMut(&AdviceRequest) -> Result<ExternalAdvice, String>,
{
    /// Bars between two progress reports.
    const PROGRESS_EVERY: u64 = 8_192;
    let mut bt = Backtest::new(config)?.with_advice(ask).with_model(model);
    let symbol = config.symbol;
    let mut reader = CsvReader::new(src)?;
    let mut n = 0u64;
    while let Some(bar) = reader.next() {
        bt.on_bar(&MarketEvent::Candle(bar?.candle(symbol)));
        if bt.stopped() {
            break;
        }
        n += 1;
        if n.is_multiple_of(PROGRESS_EVERY) {
            progress(reader.bytes_read());
        }
    }
    progress(reader.bytes_read());
    bt.finish().map_err(|e| match e {
        BacktestError::NoBars => DataError::File("no bars in the file".into()).into(),
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use mirai_core::{Action, Confidence, Decimal, ModelAdvice, Price, Timestamp};
    use rust_decimal_macros::dec;

    use super::*;
    use crate::FillAt;
    use crate::generate::{DEFAULT_START_MS, Generate};

    fn config(fill: FillAt) -> BacktestConfig {
        BacktestConfig {
            params: vec![("fast".into(), "3".into()), ("slow".into(), "8".into())],
            fill,
            ..BacktestConfig::default()
        }
    }

    fn candles() -> Vec<mirai_core::Candle> {
        Generate {
            bars: 3_000,
            seed: 7,
            start_ms: DEFAULT_START_MS,
            interval_ms: 60_000,
            start_price: Price::new(dec!(100)),
        }
        .candles()
        .collect()
    }

    fn model(enter: bool, size_fraction: Decimal) -> ExternalAdvice {
        ExternalAdvice::Model(ModelAdvice {
            enter,
            abstained: false,
            confidence: Confidence::new_checked(dec!(0.8)).unwrap(),
            size_fraction,
            rationale: "test".into(),
            citations: vec![],
            model: "test-model".into(),
            prompt_hash: "ab".repeat(32),
            usage: None,
        })
    }

    fn run_with(
        fill: FillAt,
        ask: impl FnMut(&AdviceRequest) -> Result<ExternalAdvice, String>,
    ) -> Result<BacktestReport> {
        let mut bt = Backtest::new(&config(fill)).unwrap().with_advice(ask);
        for c in candles() {
            bt.step(&c);
        }
        bt.finish()
    }

    #[test]
    fn a_fallback_on_every_entry_trades_exactly_as_the_rules() {
        // The same decisions at the same prices and times: asking changes when nothing is decided.
        for fill in [FillAt::NextOpen, FillAt::Close] {
            let rules = crate::run(&config(fill), candles()).unwrap();
            let mut asked = 0;
            let advised = run_with(fill, |r| {
                assert_eq!(r.signal.action, Action::Buy, "only entries are asked about");
                asked += 1;
                Ok(ExternalAdvice::Fallback {
                    model: "m".into(),
                    reason: "test".into(),
                    prompt_hash: None,
                    usage: None,
                })
            })
            .unwrap();
            assert!(rules.trade_list.len() > 10, "{fill:?}: the strategy trades");
            assert_eq!(advised.trade_list, rules.trade_list, "{fill:?}");
            assert_eq!(advised.stats.final_equity, rules.stats.final_equity);
            assert_eq!(advised.counts.model_fallbacks, asked);
            assert_eq!(advised.counts.model_advised, 0);
            let mut counts = advised.counts.clone();
            counts.model_fallbacks = 0;
            assert_eq!(counts, rules.counts, "{fill:?}");
            let json = serde_json::to_value(&rules.counts).unwrap();
            assert!(json.get("model_advised").is_none() && json.get("model_fallbacks").is_none());
        }
    }

    #[test]
    fn the_models_answer_sizes_and_declines_entries() {
        for fill in [FillAt::NextOpen, FillAt::Close] {
            let rules = crate::run(&config(fill), candles()).unwrap();
            let halved = run_with(fill, |_| Ok(model(true, dec!(0.5)))).unwrap();
            let (r, h) = (&rules.trade_list[0], &halved.trade_list[0]);
            assert_eq!((h.entry_time, h.entry_price), (r.entry_time, r.entry_price), "{fill:?}");
            // Half the rules' quantity, rounded down to the lot step (whole-unit sizing is the
            // rules' size; the engine shrinks it to the symbol's lot, not to a whole unit).
            assert_eq!(h.qty.get(), r.qty.get() * dec!(0.5), "{fill:?}");
            assert!(halved.counts.model_advised > 0);
            assert_eq!(halved.counts.model_fallbacks, 0);
            assert_eq!(
                serde_json::to_value(&halved.counts).unwrap()["model_advised"],
                halved.counts.model_advised
            );

            let declined = run_with(fill, |_| Ok(model(false, dec!(1)))).unwrap();
            assert!(declined.trade_list.is_empty() && declined.open_trade_list.is_empty());
            assert_eq!(declined.counts.orders, 0);
            assert_eq!(declined.counts.model_advised, declined.counts.decisions);
        }
    }

    #[test]
    fn a_failed_ask_stops_the_test_naming_the_decision() {
        for fill in [FillAt::NextOpen, FillAt::Close] {
            let mut first = None;
            let err = run_with(fill, |r| {
                first.get_or_insert(r.signal.ts);
                Err("not recorded".into())
            })
            .unwrap_err();
            let BacktestError::Advice(why) = &err else { panic!("{err:?}") };
            let ts: Timestamp = first.expect("asked once");
            assert!(why.contains(&ts.to_string()) && why.ends_with(": not recorded"), "{why}");
            assert!(why.contains("BTCUSDT"), "{why}");
        }
        // Asked once, and no bar after it is taken.
        let mut calls = 0;
        let mut bt = Backtest::new(&config(FillAt::Close)).unwrap().with_advice(|_| {
            calls += 1;
            Err("no".into())
        });
        let mut stopped_at = None;
        for c in candles() {
            bt.step(&c);
            if bt.stopped() && stopped_at.is_none() {
                stopped_at = Some(bt.bars());
            }
        }
        assert_eq!(Some(bt.bars()), stopped_at);
        assert!(bt.finish().is_err());
        assert_eq!(calls, 1);
    }

    #[test]
    fn a_csv_file_runs_with_advice() {
        let mut csv = Vec::new();
        Generate {
            bars: 2_000,
            seed: 7,
            start_ms: DEFAULT_START_MS,
            interval_ms: 60_000,
            start_price: Price::new(dec!(100)),
        }
        .write_csv(&mut csv, |_| {})
        .unwrap();
        let rules = crate::run_csv(&config(FillAt::NextOpen), &csv[..], |_| {}).unwrap();
        let mut last = 0;
        // The generated bars start on 2024-01-01 and last 2,000 minutes: the first 1,440 fall on
        // a cutoff of that day.
        let cutoff = Timestamp::from_millis(DEFAULT_START_MS + 86_399_999);
        let advised = run_csv_with_advice(
            &config(FillAt::NextOpen),
            &csv[..],
            |b| last = b,
            ModelRun { name: "m".into(), training_cutoff: Some(cutoff) },
            |_| {
                Ok(ExternalAdvice::Fallback {
                    model: "m".into(),
                    reason: "r".into(),
                    prompt_hash: None,
                    usage: None,
                })
            },
        )
        .unwrap();
        assert_eq!(advised.trade_list, rules.trade_list);
        let note = advised.model.as_ref().expect("the model is named");
        assert_eq!((note.name.as_str(), note.bars_before_cutoff), ("m", Some(1_440)));
        assert!(rules.model.is_none());
        assert_eq!(last, csv.len() as u64);
        let empty = run_csv_with_advice(
            &config(FillAt::NextOpen),
            &b"timestamp,open,high,low,close,volume\n"[..],
            |_| {},
            ModelRun { name: "m".into(), training_cutoff: None },
            |_| Err("never asked".into()),
        );
        assert!(matches!(empty, Err(BacktestError::Data(_))), "{empty:?}");
    }

    /// A run on the generated bars (2024-01-01T00:00Z, 3,000 minutes: the last bar opens on
    /// 2024-01-03 at 01:59) with the model named and its cutoff on `day`.
    fn with_cutoff(cutoff: Option<Timestamp>) -> BacktestReport {
        let mut bt = Backtest::new(&config(FillAt::NextOpen))
            .unwrap()
            .with_advice(|_| Ok(model(true, dec!(1))))
            .with_model(ModelRun { name: "gpt-4o-mini".into(), training_cutoff: cutoff });
        for c in candles() {
            bt.step(&c);
        }
        bt.finish().unwrap()
    }

    /// A time on the `n`th day of the generated bars: any time of the day names that day.
    fn day(n: i64) -> Option<Timestamp> {
        Some(Timestamp::from_millis(DEFAULT_START_MS + n * 86_400_000 + 13 * 3_600_000))
    }

    #[test]
    fn reports_say_how_much_of_the_run_falls_before_the_training_cutoff() {
        use crate::report::{html_report, report_json, stats_table};

        let pct = |r: &BacktestReport| r.model.as_ref().and_then(|m| m.pct_before_cutoff).unwrap();
        let warning = |r: &BacktestReport| {
            stats_table(r).lines().find(|l| l.starts_with("warning: ")).map(str::to_owned)
        };

        // Wholly before: the cutoff's day ends after the last bar.
        let before = with_cutoff(day(2));
        let note = before.model.as_ref().unwrap();
        assert_eq!(note.training_cutoff.as_deref(), Some("2024-01-03"));
        assert_eq!(note.bars_before_cutoff, Some(3_000));
        assert!((pct(&before) - 100.0).abs() < 1e-9);
        assert_eq!(
            warning(&before).as_deref(),
            Some(
                "warning: 100.0 % of this backtest falls before gpt-4o-mini's training cutoff (2024-01-03): the model may have seen what happened"
            )
        );
        assert!(
            stats_table(&before)
                .contains("\nOn or before the cutoff  3000 of 3000 bars, 100.0 % of the time range\n")
        );

        // Wholly after: the cutoff is the day before the first bar. Said, but no warning.
        let after = with_cutoff(day(-1));
        let note = after.model.as_ref().unwrap();
        assert_eq!((note.training_cutoff.as_deref(), note.bars_before_cutoff), (Some("2023-12-31"), Some(0)));
        assert!(pct(&after).abs() < 1e-9);
        assert_eq!(warning(&after), None);
        assert!(!html_report(&after).contains("Warning:"));
        assert!(stats_table(&after).contains("0 of 3000 bars, 0.0 % of the time range"));

        // Straddling: the first day's 1,440 bars, 1,440 of the 2,999 minutes from first bar to last.
        let straddling = with_cutoff(day(0));
        let note = straddling.model.as_ref().unwrap();
        assert_eq!(
            (note.training_cutoff.as_deref(), note.bars_before_cutoff),
            (Some("2024-01-01"), Some(1_440))
        );
        assert!((pct(&straddling) - 1_440.0 / 2_999.0 * 100.0).abs() < 1e-9);
        let line = "48.0 % of this backtest falls before gpt-4o-mini's training cutoff (2024-01-01): the model may have seen what happened";
        assert_eq!(warning(&straddling), Some(format!("warning: {line}")));
        let html = html_report(&straddling);
        assert!(html.contains(&format!("Warning: {}</p>", line.replace('\'', "&#39;"))), "{html}");
        assert!(html.contains("<h2>Model</h2>") && html.contains("<td>2024-01-01</td>"));
        let json = report_json(&straddling);
        assert_eq!(json["model"]["name"], "gpt-4o-mini");
        assert_eq!(json["model"]["training_cutoff"], "2024-01-01");
        assert_eq!(json["model"]["bars_before_cutoff"], 1_440);
        assert!((json["model"]["pct_before_cutoff"].as_f64().unwrap() - 48.016).abs() < 1e-3);

        // Unknown: said as such, never guessed, and warned of.
        let unknown = with_cutoff(None);
        let json = report_json(&unknown);
        assert!(json["model"]["training_cutoff"].is_null() && json["model"]["bars_before_cutoff"].is_null());
        let table = stats_table(&unknown);
        assert!(table.contains("\nTraining cutoff          unknown\n"), "{table}");
        assert!(warning(&unknown).is_some_and(|w| w.contains("gpt-4o-mini's training cutoff is unknown")));

        // The trades do not depend on the note.
        assert_eq!(before.trade_list, after.trade_list);

        // Rules-only, or a model never named: no section at all.
        let rules = crate::run(&config(FillAt::NextOpen), candles()).unwrap();
        let mut unnamed =
            Backtest::new(&config(FillAt::NextOpen)).unwrap().with_advice(|_| Ok(model(true, dec!(1))));
        for c in candles() {
            unnamed.step(&c);
        }
        for r in [rules, unnamed.finish().unwrap()] {
            assert!(r.model.is_none());
            assert!(report_json(&r).get("model").is_none());
            assert!(!stats_table(&r).contains("Training cutoff"));
            assert!(!html_report(&r).contains("<h2>Model</h2>"));
        }
    }
}
