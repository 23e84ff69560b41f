//! What the advisor tests share: a simulator on a free loopback port, settings pointing an advisor
//! at it, a hand-built buy request on BTCUSDT, plain news, and temporary directories.

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{RecvTimeoutError, channel};
use std::time::Duration;

use mirai_core::{
    Action, AdviceRequest, Amount, CallUsage, Confidence, Decimal, ExternalAdvice, ModelAdvice, Price, Qty,
    RiskBudget, Signal, Symbol, Timestamp,
};
use mirai_llm::advisor::calls::CallLog;
use mirai_llm::advisor::guard::{Prices, StateFile};
use mirai_llm::advisor::prompt::PromptNews;
use mirai_llm::advisor::settings::LlmSettings;
use mirai_llm::advisor::{LlmAdvisor, Source};
use mirai_llm::sim::{Sim, serve};
use secrecy::SecretString;
use tokio::sync::oneshot;

/// The decision time of the hand-built request.
pub const T: i64 = 1_700_000_000_000;

/// A simulator serving on 127.0.0.1; dropping it shuts the server down.
pub struct Running {
    pub addr: SocketAddr,
    pub sim: Sim,
    stop: Option<oneshot::Sender<()>>,
}

impl Running {
    /// Binds before serving, so the first request never races the server's start.
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let addr = listener.local_addr().expect("a bound address");
        let sim = Sim::new();
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(serve(listener, sim.clone(), async move {
            let _ = stopped.await;
        }));
        Self { addr, sim, stop: Some(stop) }
    }

    /// Settings for `model` on this simulator.
    pub fn settings(&self, model: &str) -> LlmSettings {
        settings(self.addr, model)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A free local model with a generous deadline, no retries, a breaker that does not trip and a
/// budget that is not reached: each test changes what it is about.
pub fn settings(addr: SocketAddr, model: &str) -> LlmSettings {
    LlmSettings {
        api_key: SecretString::from("test"),
        base_url: format!("http://{addr}/v1"),
        model: model.to_owned(),
        timeout: Duration::from_secs(10),
        max_retries: 0,
        breaker_failures: 100,
        breaker_cooldown: Duration::from_secs(300),
        daily_budget_usd: Decimal::from(5),
        prices: Prices { input_per_mtok: Decimal::ZERO, output_per_mtok: Decimal::ZERO },
        training_cutoff: None,
    }
}

/// An advisor on a call log in `dir`.
pub fn advisor(s: &LlmSettings, dir: &Path, source: Source) -> LlmAdvisor {
    let log = CallLog::open(dir).expect("a call log");
    LlmAdvisor::new(s, log, source).expect("an advisor")
}

/// A directory under the system's temporary directory, unique to the test and this process,
/// removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(name: &str) -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("mirai-advisor-{name}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        Self(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        // A network advisor keeps its guards beside its call log, outside the directory.
        let _ = std::fs::remove_file(StateFile::beside(&self.0).path());
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn dec(s: &str) -> Decimal {
    s.parse().expect("a decimal")
}

/// A `sma-cross` buy on BTCUSDT at 110, decided at `ts_ms`, with the default limits' room.
pub fn request_at(ts_ms: i64) -> AdviceRequest {
    AdviceRequest {
        signal: Signal {
            symbol: Symbol::new("BTCUSDT"),
            ts: Timestamp::from_millis(ts_ms),
            strategy: "sma-cross",
            action: Action::Buy,
            price: Price::new(Decimal::from(110)),
            strength: Confidence::new_checked(dec("0.6")).expect("a confidence"),
            reason: "SMA(2) 103 crossed above SMA(4) 100.25".into(),
        },
        position_qty: Qty::ZERO,
        cash: Amount::new(Decimal::from(10_000)),
        equity: Amount::new(Decimal::from(10_000)),
        budget: RiskBudget {
            max_order_notional: Amount::new(Decimal::from(1_000)),
            position_room: Amount::new(Decimal::from(1_000)),
            trades_left_today: 50,
            daily_loss_room: Amount::new(Decimal::from(500)),
            min_confidence: Confidence::new_checked(dec("0.7")).expect("a confidence"),
        },
    }
}

pub fn request() -> AdviceRequest {
    request_at(T)
}

/// A plain news item published `i` minutes before [`T`].
pub fn news(i: i64) -> PromptNews {
    PromptNews {
        id: format!("n-{i}"),
        published_at: Timestamp::from_millis(T - i * 60_000),
        source: "wire".into(),
        title: format!("Headline {i}"),
        text: format!("Spot ETF flows were steady on day {i}."),
        url: Some(format!("https://example.com/{i}")),
    }
}

/// The model's advice, or a panic naming what came instead.
pub fn model_advice(advice: &ExternalAdvice) -> &ModelAdvice {
    match advice {
        ExternalAdvice::Model(m) => m,
        other => panic!("expected the model's advice, got {other:?}"),
    }
}

/// `advice` as it reads back from the call log: the same, with no usage (no call was made).
pub fn without_usage(advice: &ExternalAdvice) -> ExternalAdvice {
    let mut advice = advice.clone();
    match &mut advice {
        ExternalAdvice::Model(m) => m.usage = None,
        ExternalAdvice::Fallback { usage, .. } => *usage = None,
    }
    advice
}

/// What the call behind `advice` used, if one was made.
pub fn usage(advice: &ExternalAdvice) -> Option<CallUsage> {
    match advice {
        ExternalAdvice::Model(m) => m.usage,
        ExternalAdvice::Fallback { usage, .. } => *usage,
    }
}

/// A fallback's reason, or a panic naming what came instead.
pub fn fallback_reason(advice: &ExternalAdvice) -> &str {
    match advice {
        ExternalAdvice::Fallback { reason, .. } => reason,
        other => panic!("expected a fallback, got {other:?}"),
    }
}

/// Runs `test` on a runtime of its own thread and fails if it has not finished within `limit`: a
/// decision that blocks its thread (a lock never released) fails the test instead of hanging the
/// suite. A timer on the same runtime could not tell, as a blocked thread runs no timer.
pub fn within<F, Fut>(limit: Duration, test: F)
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = ()>,
{
    let (done, finished) = channel::<()>();
    let worker = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
        rt.block_on(test());
        let _ = done.send(());
    });
    match finished.recv_timeout(limit) {
        Ok(()) => {}
        Err(RecvTimeoutError::Disconnected) => {
            if let Err(panic) = worker.join() {
                std::panic::resume_unwind(panic);
            }
        }
        Err(RecvTimeoutError::Timeout) => {
            panic!("not finished within {limit:?}: the decision blocked its thread (a deadlock?)")
        }
    }
}
