//! `BacktestJobs`: the jobs one backend knows, bounded: at most `max_active` queued or running
//! (more are refused, not queued, so a burst of requests cannot starve the machine), and the
//! `max_kept` most recent kept in all. Each `LocalBackend` owns its registry, so two workers in
//! one process (tests) never see each other's jobs. With a store attached, every finished run is
//! queued in its outbox as an analytics record (Snowflake's `BACKTEST_RUNS`).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use mirai_core::Clock;
use mirai_store_local::LocalStore;
use mirai_web::{BackendError, BacktestJobView, BacktestRequest, BacktestResultView, BacktestSummaryView};

use super::budget::Budget;
use super::job::Job;
use super::spec::spec;
use crate::secret::random_hex;
use mirai_core::SystemClock;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Jobs queued or running at once.
    pub max_active: usize,
    /// Jobs remembered, finished ones included; the oldest finished go first.
    pub max_kept: usize,
    /// What each job may use.
    pub budget: Budget,
}

impl Default for Limits {
    /// Two at a time (the machines this runs on have two cores, and the trading task needs
    /// one), and the last 32.
    fn default() -> Self {
        Self { max_active: 2, max_kept: 32, budget: Budget::default() }
    }
}

#[derive(Debug)]
pub struct BacktestJobs {
    limits: Limits,
    jobs: Mutex<VecDeque<Arc<Job>>>,
    /// Where finished runs are recorded for analytics; none records nothing.
    store: Option<Arc<LocalStore>>,
}

impl BacktestJobs {
    pub fn new(limits: Limits) -> Self {
        Self { limits, jobs: Mutex::new(VecDeque::new()), store: None }
    }

    /// Records each finished run in `store`'s outbox (as `AnalyticsRecord::BacktestRun`), from
    /// where the shipper sends it to the analytics store with everything else.
    pub fn recording_to(mut self, store: Arc<LocalStore>) -> Self {
        self.store = Some(store);
        self
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<Arc<Job>>> {
        self.jobs.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Checks the request and starts it on tokio's blocking pool.
    pub fn create(&self, request: BacktestRequest) -> Result<BacktestJobView, BackendError> {
        let spec = spec(&request, &self.limits.budget)?;
        let handle = tokio::runtime::Handle::try_current()
            .map_err(|_| BackendError::Internal("backtests need the tokio runtime".into()))?;
        let id = format!("bt-{}", random_hex(8).map_err(|e| BackendError::Internal(e.to_string()))?);
        let job = Arc::new(Job::new(id, request, spec.bars, SystemClock.now()));
        {
            let mut jobs = self.lock();
            let active = jobs.iter().filter(|j| j.is_active()).count();
            if active >= self.limits.max_active {
                return Err(BackendError::Refused(format!(
                    "{active} backtests are already running (at most {}); try again when one finishes",
                    self.limits.max_active
                )));
            }
            while jobs.len() >= self.limits.max_kept {
                match jobs.iter().position(|j| !j.is_active()) {
                    Some(i) => {
                        jobs.remove(i);
                    }
                    None => break,
                }
            }
            jobs.push_back(job.clone());
        }
        let view = job.view();
        tracing::info!(id = %job.id, bars = spec.bars, memory_bound_mb = spec.memory_bound >> 20, "backtest started");
        let store = self.store.clone();
        let time = self.limits.budget.time;
        handle.spawn_blocking(move || job.run(&spec, time, store.as_deref()));
        Ok(view)
    }

    fn find(&self, id: &str) -> Result<Arc<Job>, BackendError> {
        self.lock()
            .iter()
            .find(|j| j.id == id)
            .cloned()
            .ok_or_else(|| BackendError::NotFound(format!("no backtest {id}")))
    }

    pub fn view(&self, id: &str) -> Result<BacktestJobView, BackendError> {
        Ok(self.find(id)?.view())
    }

    pub fn result(&self, id: &str) -> Result<BacktestResultView, BackendError> {
        self.find(id)?.result()
    }

    /// Every job kept, each with its headline once done, in the order they were created.
    pub fn list(&self) -> Vec<BacktestSummaryView> {
        let jobs: Vec<Arc<Job>> = self.lock().iter().cloned().collect();
        jobs.iter().map(|j| j.summary()).collect()
    }
}

/// Checks `request` against `budget` and runs it on the calling thread, as a job would: the same
/// checks, the same run, the same result. For measuring what a request costs (the memory
/// property test) and for callers that are already on a blocking thread.
pub fn run_now(request: &BacktestRequest, budget: &Budget) -> Result<BacktestResultView, BackendError> {
    let spec = spec(request, budget)?;
    let job = Job::new("bt-now".into(), request.clone(), spec.bars, SystemClock.now());
    job.run(&spec, budget.time, None);
    job.result()
}
