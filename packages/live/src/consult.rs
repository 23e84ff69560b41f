//! `Consultant`: the external advisor (a language model) the trading task asks about entries.
//! The task never waits on it: each request runs as its own task and its answer comes back on a
//! channel, so operator commands — the kill switch first — and market data are served meanwhile.
//! Whatever comes back, the engine sizes and gates it (`Engine::on_advice`).

use std::future::Future;
use std::pin::Pin;

use mirai_core::{AdviceRequest, AdvisorStats, ExternalAdvice};

/// A request's answer, in its own time: never an error (failures are fallbacks with a reason).
pub type AdviceFuture = Pin<Box<dyn Future<Output = ExternalAdvice> + Send + 'static>>;

pub trait Consultant: Send + Sync {
    /// Starts asking about `request`: finds the news available at its time, asks the model,
    /// validates the answer.
    fn consult(&self, request: AdviceRequest) -> AdviceFuture;

    /// The totals `/api/status` shows.
    fn stats(&self) -> AdvisorStats;
}
