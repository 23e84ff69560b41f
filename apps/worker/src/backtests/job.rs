//! `Job`: one backtest — its request, its progress (bars done, updated as it runs) and how it
//! ended — and the run itself.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use mirai_backtest::data::CsvReader;
use mirai_backtest::{Backtest, BacktestError, BacktestReport};
use mirai_core::{AnalyticsRecord, BacktestRunRecord, Clock, Timestamp};
use mirai_store_local::LocalStore;
use mirai_web::{
    BacktestJobView, BacktestMetricsView, BacktestRequest, BacktestResultView, BacktestSummaryView, JobStatus,
};

use super::spec::{Source, Spec};
use mirai_core::SystemClock;

/// Bars between progress updates.
const PROGRESS_EVERY: u64 = 4_096;

#[derive(Debug)]
pub(super) enum State {
    Queued,
    Running,
    Done(Box<BacktestResultView>),
    Failed(String),
}

#[derive(Debug)]
pub(super) struct Job {
    pub(super) id: String,
    created_at: Timestamp,
    request: BacktestRequest,
    bars_total: u64,
    bars_done: AtomicU64,
    pub(super) state: Mutex<(State, Option<Timestamp>)>,
}

impl Job {
    pub(super) fn new(id: String, request: BacktestRequest, bars_total: u64, now: Timestamp) -> Self {
        Self {
            id,
            created_at: now,
            request,
            bars_total,
            bars_done: AtomicU64::new(0),
            state: Mutex::new((State::Queued, None)),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (State, Option<Timestamp>)> {
        // A panic while holding the lock cannot leave it half-written: each write is one assignment.
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(super) fn is_active(&self) -> bool {
        matches!(self.lock().0, State::Queued | State::Running)
    }

    pub(super) fn view(&self) -> BacktestJobView {
        let guard = self.lock();
        let (status, error) = match &guard.0 {
            State::Queued => (JobStatus::Queued, None),
            State::Running => (JobStatus::Running, None),
            State::Done(_) => (JobStatus::Done, None),
            State::Failed(e) => (JobStatus::Failed, Some(e.clone())),
        };
        BacktestJobView {
            id: self.id.clone(),
            status,
            bars_done: self.bars_done.load(Ordering::Relaxed).min(self.bars_total),
            bars_total: self.bars_total,
            created_at: self.created_at,
            finished_at: guard.1,
            error,
            request: self.request.clone(),
        }
    }

    /// The job as the list shows it: its view, and its headline once done (only when the view
    /// says done, so a job that finishes meanwhile is never listed running with figures).
    pub(super) fn summary(&self) -> BacktestSummaryView {
        let view = self.view();
        let metrics = match &self.lock().0 {
            State::Done(r) if view.status == JobStatus::Done => Some(BacktestMetricsView::of(r)),
            _ => None,
        };
        BacktestSummaryView::new(view, metrics)
    }

    pub(super) fn result(&self) -> Result<BacktestResultView, mirai_web::BackendError> {
        use mirai_web::BackendError::Refused;
        match &self.lock().0 {
            State::Done(r) => Ok((**r).clone()),
            State::Failed(e) => Err(Refused(format!("backtest {} failed: {e}", self.id))),
            State::Queued | State::Running => Err(Refused(format!("backtest {} is still running", self.id))),
        }
    }

    /// Runs the backtest to its end, or until `time` has passed (then it fails), on the calling
    /// (blocking) thread; a finished run is recorded in `store`'s outbox for analytics.
    pub(super) fn run(&self, spec: &Spec, time: Duration, store: Option<&LocalStore>) {
        self.lock().0 = State::Running;
        let outcome = catch_unwind(AssertUnwindSafe(|| self.backtest(spec, time)));
        let state = match outcome {
            Ok(Ok(report)) => {
                self.bars_done.store(self.bars_total, Ordering::Relaxed);
                if let Some(store) = store {
                    self.record(store, &report);
                }
                State::Done(Box::new(result_view(&self.id, &report)))
            }
            Ok(Err(Stop::Failed(e))) => State::Failed(e.to_string()),
            Ok(Err(Stop::OutOfTime { bars })) => {
                tracing::warn!(id = %self.id, bars, budget_secs = time.as_secs_f64(), "backtest ran out of time");
                State::Failed(format!(
                    "stopped after {bars} of {} bars: the worker allows {} s a backtest",
                    self.bars_total,
                    time.as_secs_f64()
                ))
            }
            Err(_) => {
                tracing::error!(id = %self.id, "backtest panicked");
                State::Failed("internal error".into())
            }
        };
        *self.lock() = (state, Some(SystemClock.now()));
        tracing::info!(id = %self.id, "backtest finished");
    }

    /// Queues the run for the analytics store. A failure to queue is logged, not the job's
    /// failure: the result is still there for whoever asked.
    fn record(&self, store: &LocalStore, report: &BacktestReport) {
        let record =
            AnalyticsRecord::BacktestRun(run_record(&self.id, self.created_at, &self.request, report));
        if let Err(e) = store.enqueue(&record) {
            tracing::warn!(id = %self.id, error = %e, "backtest run not queued for analytics");
        }
    }

    fn backtest(&self, spec: &Spec, time: Duration) -> Result<BacktestReport, Stop> {
        // The clock is read with each progress update only: a few hundred times a second.
        let deadline = Instant::now().checked_add(time);
        let mut bt = Backtest::new(&spec.config)?;
        let mut n = 0u64;
        let mut step = |bt: &mut Backtest, c| {
            bt.step(&c);
            n += 1;
            if n.is_multiple_of(PROGRESS_EVERY) {
                self.bars_done.store(n, Ordering::Relaxed);
                if deadline.is_some_and(|d| Instant::now() >= d) {
                    return Err(Stop::OutOfTime { bars: n });
                }
            }
            Ok(())
        };
        match &spec.source {
            Source::Generated(g) => {
                for c in g.candles() {
                    step(&mut bt, c)?;
                }
            }
            Source::Bundled { csv } => {
                for bar in CsvReader::new(csv.as_bytes()).map_err(BacktestError::from)? {
                    step(&mut bt, bar.map_err(BacktestError::from)?.candle(spec.config.symbol))?;
                }
            }
        }
        Ok(bt.finish()?)
    }
}

/// Why a run ended early.
enum Stop {
    Failed(BacktestError),
    /// The time budget ran out after `bars` bars.
    OutOfTime {
        bars: u64,
    },
}

impl From<BacktestError> for Stop {
    fn from(e: BacktestError) -> Self {
        Stop::Failed(e)
    }
}

/// What analysts get of a run: the request's strategy, parameters and data as asked, and every
/// statistic (the same JSON as the result's `stats`).
fn run_record(
    id: &str,
    created_at: Timestamp,
    request: &BacktestRequest,
    r: &BacktestReport,
) -> BacktestRunRecord {
    let json = |v: serde_json::Result<String>| v.unwrap_or_else(|_| "null".to_owned());
    let settings = serde_json::json!({
        "params": request.params,
        "cash": request.cash,
        "fee": request.fee,
        "slippage_bps": request.slippage_bps,
        "fill": request.fill,
        "sizing": request.sizing,
    });
    BacktestRunRecord {
        id: id.to_owned(),
        created_at,
        strategy: request.strategy.clone(),
        params_json: json(serde_json::to_string(&settings)),
        data_source: json(serde_json::to_string(&request.data)),
        metrics_json: json(serde_json::to_string(&r.stats)),
    }
}

fn result_view(id: &str, r: &BacktestReport) -> BacktestResultView {
    let s = &r.stats;
    let finite = |v: f64| v.is_finite().then_some(v);
    let skip = r.trade_list.len().saturating_sub(BacktestResultView::MAX_TRADES);
    BacktestResultView {
        id: id.to_owned(),
        trades: s.trades,
        open_trades: s.open_trades,
        final_equity: s.final_equity,
        return_pct: finite(s.return_pct),
        max_drawdown_pct: finite(s.max_drawdown_pct),
        sharpe: s.sharpe,
        stats: serde_json::to_value(s).unwrap_or_default(),
        trade_list: serde_json::to_value(&r.trade_list[skip..]).unwrap_or_default(),
        trade_list_truncated: skip > 0,
        open_trade_list: serde_json::to_value(&r.open_trade_list).unwrap_or_default(),
        curve: serde_json::to_value(&r.curve).unwrap_or_default(),
    }
}
