//! Scheduled news ingestion: runs the news job at start and then every `poll_every`, applies
//! retention (two years, for news and rationales) once per `retain_every`, backs off while the
//! vector store or embedder is failing, and stops when told.
//!
//! The task is generic over [`NewsJob`] so the schedule is tested without a network;
//! `crate::knowledge` hands it a `NewsPoller` (`knowledge/news_job.rs`) over
//! `mirai_news::NewsService`, which picks its sources (bundled sample, import files, Polygon)
//! from the settings.

use std::future::Future;
use std::time::Duration;

use mirai_core::{Clock, Timestamp};
use tokio::sync::oneshot;

/// One poll's outcome, for the log and the status page.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NewsRun {
    /// Articles read from the sources.
    pub items: usize,
    /// Chunks embedded and stored.
    pub chunks: usize,
    /// Records refused (bad lines, undated articles); each is logged by the job.
    pub issues: usize,
    /// Sources that failed this time; the others still ran.
    pub failures: Vec<String>,
}

/// What the task schedules. An `Err` means nothing could be stored (the vector store or the
/// embedder is down): the task retries sooner than the next regular poll.
pub trait NewsJob: Send {
    fn poll(&mut self, now: Timestamp) -> impl Future<Output = anyhow::Result<NewsRun>> + Send;

    /// Deletes what is past retention; returns how many documents went.
    fn retain(&mut self, now: Timestamp) -> impl Future<Output = anyhow::Result<u64>> + Send;
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NewsSchedule {
    pub poll_every: Duration,
    pub retain_every: Duration,
    /// The first retry after a failed poll; doubled up to `poll_every`.
    pub first_retry: Duration,
}

impl Default for NewsSchedule {
    fn default() -> Self {
        Self {
            poll_every: Duration::from_secs(15 * 60),
            retain_every: Duration::from_secs(24 * 3600),
            first_retry: Duration::from_secs(30),
        }
    }
}

#[derive(Debug)]
pub struct NewsTask<J, C> {
    job: J,
    clock: C,
    schedule: NewsSchedule,
    last_retention: Option<Timestamp>,
    retry: Option<Duration>,
    last: Option<Result<NewsRun, String>>,
}

impl<J: NewsJob, C: Clock + Send> NewsTask<J, C> {
    pub fn new(job: J, clock: C, schedule: NewsSchedule) -> Self {
        Self { job, clock, schedule, last_retention: None, retry: None, last: None }
    }

    /// The last poll's outcome (`None` before the first).
    pub fn last(&self) -> Option<&Result<NewsRun, String>> {
        self.last.as_ref()
    }

    /// One round: a poll, and retention when it is due. Returns how long to wait before the
    /// next round. Tests drive the task through this.
    pub async fn step(&mut self) -> Duration {
        let now = self.clock.now();
        let wait = match self.job.poll(now).await {
            Ok(run) => {
                if run.items > 0 || !run.failures.is_empty() {
                    tracing::info!(items = run.items, chunks = run.chunks, issues = run.issues, failures = ?run.failures, "news poll");
                }
                self.retry = None;
                self.last = Some(Ok(run));
                self.schedule.poll_every
            }
            Err(e) => {
                let wait =
                    self.retry.map_or(self.schedule.first_retry, |d| d * 2).min(self.schedule.poll_every);
                tracing::warn!(error = %e, retry_in_s = wait.as_secs(), "news poll failed");
                self.retry = Some(wait);
                self.last = Some(Err(e.to_string()));
                wait
            }
        };
        let due =
            self.last_retention.is_none_or(|t| now.since(t) >= self.schedule.retain_every.as_millis() as i64);
        if due {
            match self.job.retain(now).await {
                Ok(n) => {
                    if n > 0 {
                        tracing::info!(deleted = n, "vector retention applied");
                    }
                    self.last_retention = Some(now);
                }
                Err(e) => tracing::warn!(error = %e, "vector retention failed; retrying next round"),
            }
        }
        wait
    }

    /// Runs rounds until `stop` fires (or its sender is dropped). A round in progress finishes.
    pub async fn run(mut self, mut stop: oneshot::Receiver<()>) {
        loop {
            let wait = self.step().await;
            tokio::select! {
                _ = &mut stop => break,
                () = tokio::time::sleep(wait) => {}
            }
        }
        tracing::debug!("news task stopped");
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use mirai_core::ManualClock;

    use super::*;

    #[derive(Default)]
    struct Counts {
        polls: AtomicUsize,
        retains: AtomicUsize,
    }

    struct Fake {
        counts: Arc<Counts>,
        fail_polls: usize,
    }

    impl NewsJob for Fake {
        async fn poll(&mut self, _now: Timestamp) -> anyhow::Result<NewsRun> {
            let n = self.counts.polls.fetch_add(1, Ordering::SeqCst);
            if n < self.fail_polls {
                anyhow::bail!("vector store unavailable");
            }
            Ok(NewsRun { items: 2, chunks: 3, ..NewsRun::default() })
        }

        async fn retain(&mut self, _now: Timestamp) -> anyhow::Result<u64> {
            self.counts.retains.fetch_add(1, Ordering::SeqCst);
            Ok(0)
        }
    }

    const HOUR: i64 = 3_600_000;

    #[tokio::test]
    async fn failures_back_off_then_the_regular_interval_resumes() {
        let counts = Arc::new(Counts::default());
        let clock = ManualClock::new(Timestamp::from_millis(0));
        let mut task =
            NewsTask::new(Fake { counts: counts.clone(), fail_polls: 3 }, &clock, NewsSchedule::default());
        let waits: Vec<u64> = {
            let mut w = Vec::new();
            for _ in 0..5 {
                w.push(task.step().await.as_secs());
            }
            w
        };
        assert_eq!(waits, [30, 60, 120, 900, 900]);
        assert_eq!(task.last(), Some(&Ok(NewsRun { items: 2, chunks: 3, ..NewsRun::default() })));
    }

    #[tokio::test]
    async fn retention_runs_at_start_and_then_once_a_day() {
        let counts = Arc::new(Counts::default());
        let clock = ManualClock::new(Timestamp::from_millis(0));
        let mut task =
            NewsTask::new(Fake { counts: counts.clone(), fail_polls: 0 }, &clock, NewsSchedule::default());
        for hour in [0, 1, 23, 24, 25, 48] {
            clock.set(Timestamp::from_millis(hour * HOUR));
            task.step().await;
        }
        assert_eq!(counts.polls.load(Ordering::SeqCst), 6);
        assert_eq!(counts.retains.load(Ordering::SeqCst), 3, "hours 0, 24 and 48");
    }

    #[tokio::test]
    async fn run_stops_when_told() {
        let counts = Arc::new(Counts::default());
        let schedule = NewsSchedule { poll_every: Duration::from_millis(10), ..NewsSchedule::default() };
        let task =
            NewsTask::new(Fake { counts: counts.clone(), fail_polls: 0 }, mirai_core::SystemClock, schedule);
        let (stop, stopped) = oneshot::channel();
        let handle = tokio::spawn(task.run(stopped));
        tokio::time::sleep(Duration::from_millis(60)).await;
        stop.send(()).unwrap();
        tokio::time::timeout(Duration::from_secs(2), handle).await.unwrap().unwrap();
        assert!(counts.polls.load(Ordering::SeqCst) >= 2);
    }
}
