//! The decision model: an OpenAI-compatible chat model asked about one entry signal at a time,
//! whose answer is validated in code and replaced by the rule-based advice whenever it cannot be
//! used — with the reason recorded, never silently. See docs/ai.md.
//!
//! [`LlmAdvisor::advise`] never fails in the worker: a timeout, a rate limit, an open breaker, a
//! spent budget, a refusal or an invalid answer all become [`ExternalAdvice::Fallback`]. Only a
//! replay-only advisor (backtests) errs, when a call was never recorded.

pub mod answer;
pub mod calls;
pub mod chat;
pub mod guard;
mod private_file;
pub mod prompt;
pub mod retrieval;
pub mod sanitize;
pub mod settings;

use std::sync::Mutex;
use std::time::{Duration, Instant};

use mirai_core::{
    AdviceRequest, AdvisorStats, CallUsage, Clock, ExternalAdvice, ModelAdvice, SystemClock, Timestamp,
};

use self::answer::{ModelAction, ValidAnswer};
use self::calls::{CallLog, CallLogError, RecordedCall};
use self::chat::{ChatClient, RawAnswer};
use self::guard::{Breaker, FallbackCause, Guards, Prices, StateFile};
use self::prompt::{Prompt, PromptNews};
use self::settings::LlmSettings;
use crate::LlmError;

/// Where answers come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The recorded answer if this exact request was made before, else the network (and the
    /// answer is recorded). The worker's mode, and `backtest --record`.
    Network,
    /// Recorded answers only; a request never recorded is an error. Backtests, by default: two
    /// replays are identical and make no network call.
    ReplayOnly,
}

/// A replay-only advisor met a request that was never recorded.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error(
        "no recorded model call for this decision ({symbol} at {time_ms} ms, key {key}); run once with --record to make it"
    )]
    NotRecorded { key: String, symbol: String, time_ms: i64 },
    #[error(transparent)]
    Log(#[from] CallLogError),
}

pub struct LlmAdvisor {
    chat: Option<ChatClient>,
    model: String,
    log: CallLog,
    source: Source,
    timeout: Duration,
    prices: Prices,
    guards: Mutex<Guards>,
    /// What [`LlmAdvisor::stats`] returns, refreshed after every change: the status page never
    /// waits for a decision's disk write. Tagged with its UTC day.
    shown: Mutex<(i64, AdvisorStats)>,
}

impl std::fmt::Debug for LlmAdvisor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LlmAdvisor")
            .field("model", &self.model)
            .field("source", &self.source)
            .field("log", &self.log.dir())
            .finish_non_exhaustive()
    }
}

impl LlmAdvisor {
    /// An advisor that asks `s.base_url` (recording every call in `log`), or with
    /// [`Source::ReplayOnly`] answers from `log` alone.
    ///
    /// With [`Source::Network`] the breaker, the day's spend and its counts are kept in
    /// [`StateFile::beside`] the log and read back here, so a restart neither reopens a spent
    /// budget nor closes an open breaker, and every process recording into the same log (the
    /// worker, `backtest --record`) spends from one budget. A replay-only advisor spends nothing
    /// and never touches that file.
    pub fn new(s: &LlmSettings, log: CallLog, source: Source) -> Result<Self, LlmError> {
        let chat = match source {
            Source::Network => {
                Some(ChatClient::new(s.api_key.clone(), &s.base_url, &s.model, s.max_retries)?)
            }
            Source::ReplayOnly => None,
        };
        let breaker_ms = i64::try_from(s.breaker_cooldown.as_millis()).unwrap_or(i64::MAX);
        let breaker = Breaker::new(s.breaker_failures, breaker_ms);
        let now = now_ms();
        let guards = match source {
            Source::Network => {
                Guards::persisted(s.daily_budget_usd, breaker, StateFile::beside(log.dir()), now)
            }
            Source::ReplayOnly => Guards::in_memory(s.daily_budget_usd, breaker, now),
        };
        let advisor = Self {
            chat,
            model: s.model.clone(),
            log,
            source,
            timeout: s.timeout,
            prices: s.prices,
            guards: Mutex::new(guards),
            shown: Mutex::new((i64::MIN, AdvisorStats::default())),
        };
        advisor.show(&lock(&advisor.guards), now);
        Ok(advisor)
    }

    pub fn model(&self) -> &str {
        &self.model
    }

    /// Today's totals (UTC), for `/api/status`.
    pub fn stats(&self) -> AdvisorStats {
        let (day, mut stats) = lock(&self.shown).clone();
        let now = now_ms();
        if Timestamp::from_millis(now).utc_day() > day {
            // No decision yet today: yesterday's figures are not today's; the breaker carries on.
            stats = AdvisorStats {
                daily_budget_usd: stats.daily_budget_usd,
                breaker_open_until: stats.breaker_open_until,
                ..self.zero_stats()
            };
        }
        stats.breaker_open_until = stats.breaker_open_until.filter(|until| until.millis() > now);
        stats
    }

    /// The model's advice on `request`, shown `news` (already filtered to what was available at
    /// the signal's time, and ranked). Returns by the deadline whatever the server does.
    pub async fn advise(
        &self,
        request: &AdviceRequest,
        news: &[PromptNews],
    ) -> Result<ExternalAdvice, ReplayError> {
        let prompt = prompt::build(request, news);
        let schema = answer::schema();
        let key = prompt::prompt_hash(&self.model, &prompt, &schema);
        let recorded = match self.log.get(&key) {
            Ok(r) => r,
            // A replay miss is the caller's error, not a fallback: a backtest stops on it.
            Err(e) if self.source == Source::ReplayOnly => return Err(e.into()),
            Err(e) => {
                tracing::warn!(error = %e, "the model call log could not be read; asking the model");
                None
            }
        };
        let advice = match (recorded, self.source) {
            (Some(call), _) => {
                // Reused from the record: nothing spent, so nothing written; the counts go to
                // disk with the next call's.
                let raw = RawAnswer {
                    content: call.content,
                    refusal: call.refusal,
                    tokens_in: call.tokens_in,
                    tokens_out: call.tokens_out,
                };
                lock(&self.guards).replayed(now_ms(), raw.tokens_in, raw.tokens_out);
                // No call was made for this decision: it carries no usage.
                self.judge(raw, None, request, &prompt, key)
            }
            (None, Source::ReplayOnly) => {
                return Err(ReplayError::NotRecorded {
                    key,
                    symbol: request.signal.symbol.to_string(),
                    time_ms: request.signal.ts.millis(),
                });
            }
            (None, Source::Network) => {
                let advice = match self.call(&prompt, &schema, &key).await {
                    Err(no) => self.fallback(no.cause, no.reason, Some(&key), no.usage),
                    Ok((raw, usage)) => self.judge(raw, Some(usage), request, &prompt, key),
                };
                // One write per decision that reached the guards: what it spent, how the breaker
                // stands, and why it fell back, together.
                let now = now_ms();
                let mut guards = lock(&self.guards);
                guards.sync(now);
                self.show(&guards, now);
                return Ok(advice);
            }
        };
        self.show(&lock(&self.guards), now_ms());
        Ok(advice)
    }

    /// An answer checked against the schema and the rules: the model's advice, or a fallback.
    /// `usage` is what the call that produced it used (none when it was replayed from the log).
    fn judge(
        &self,
        raw: RawAnswer,
        usage: Option<CallUsage>,
        request: &AdviceRequest,
        prompt: &Prompt,
        key: String,
    ) -> ExternalAdvice {
        match (raw.content, raw.refusal) {
            (Some(content), _) => match answer::validate(&content, request.signal.action, &prompt.shown) {
                Ok(valid) => ExternalAdvice::Model(self.advice(valid, key, usage)),
                Err(rejection) => {
                    self.fallback(FallbackCause::InvalidAnswer, rejection.to_string(), Some(&key), usage)
                }
            },
            (None, Some(refusal)) => {
                // Model output, stored and shown: cleaned like a rationale.
                let refusal = sanitize::untrusted_text(&refusal, 200);
                let reason = format!("the model refused: {refusal}");
                self.fallback(FallbackCause::Refused, reason, Some(&key), usage)
            }
            (None, None) => {
                let reason = "the answer had no content".into();
                self.fallback(FallbackCause::InvalidAnswer, reason, Some(&key), usage)
            }
        }
    }

    /// One paid call, within the breaker and the budget, recorded when it answered; with what
    /// it used.
    async fn call(
        &self,
        prompt: &Prompt,
        schema: &serde_json::Value,
        key: &str,
    ) -> Result<(RawAnswer, CallUsage), NoAnswer> {
        let Some(chat) = &self.chat else {
            return Err(NoAnswer::before_calling(FallbackCause::Misconfigured, "no model client".into()));
        };
        let now = now_ms();
        // The guard is dropped before anything else is locked.
        let refusal = lock(&self.guards).refusal(now);
        if let Some(refusal) = refusal {
            return Err(NoAnswer::before_calling(refusal.cause(), refusal.reason(now)));
        }
        let started = Instant::now();
        let answer = chat.ask(prompt, schema, answer::SCHEMA_NAME, started + self.timeout).await;
        let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let now = now_ms();
        match answer {
            Err(failure) => {
                if failure.is_outage() {
                    lock(&self.guards).outage(now);
                }
                // The request went out: nothing counted or charged, but the wait was real.
                let usage = CallUsage { latency_ms, ..CallUsage::default() };
                Err(NoAnswer {
                    cause: FallbackCause::from(&failure),
                    reason: failure.to_string(),
                    usage: Some(usage),
                })
            }
            Ok(raw) => {
                let cost = self.prices.cost(raw.tokens_in, raw.tokens_out);
                let usage = CallUsage {
                    tokens_in: raw.tokens_in,
                    tokens_out: raw.tokens_out,
                    cost_usd: cost,
                    latency_ms,
                };
                lock(&self.guards).paid(now, raw.tokens_in, raw.tokens_out, cost);
                let record = RecordedCall {
                    key: key.to_owned(),
                    model: self.model.clone(),
                    system: prompt.system.clone(),
                    user: prompt.user.clone(),
                    content: raw.content.clone(),
                    refusal: raw.refusal.clone(),
                    tokens_in: raw.tokens_in,
                    tokens_out: raw.tokens_out,
                    latency_ms,
                    cost_usd: cost.normalize().to_string(),
                };
                if let Err(e) = self.log.put(&record) {
                    tracing::warn!(error = %e, "a model call could not be recorded");
                }
                Ok((raw, usage))
            }
        }
    }

    fn advice(&self, valid: ValidAnswer, prompt_hash: String, usage: Option<CallUsage>) -> ModelAdvice {
        ModelAdvice {
            enter: valid.action == ModelAction::Buy,
            abstained: valid.action == ModelAction::Abstain,
            confidence: valid.confidence,
            size_fraction: valid.size_fraction,
            rationale: valid.rationale,
            citations: valid.citations,
            model: self.model.clone(),
            prompt_hash,
            usage,
        }
    }

    fn fallback(
        &self,
        cause: FallbackCause,
        reason: String,
        key: Option<&str>,
        usage: Option<CallUsage>,
    ) -> ExternalAdvice {
        tracing::warn!(model = %self.model, %cause, %reason, "the model's answer was not used; deciding by the rules");
        let now = now_ms();
        let mut guards = lock(&self.guards);
        guards.fell_back(now, cause, &reason);
        self.show(&guards, now);
        ExternalAdvice::Fallback {
            model: self.model.clone(),
            reason,
            prompt_hash: key.map(str::to_owned),
            usage,
        }
    }

    fn zero_stats(&self) -> AdvisorStats {
        AdvisorStats { kind: "llm".into(), model: Some(self.model.clone()), ..AdvisorStats::default() }
    }

    /// Refreshes what [`LlmAdvisor::stats`] returns from `guards`.
    fn show(&self, guards: &Guards, now_ms: i64) {
        let t = guards.today(now_ms);
        let stats = AdvisorStats {
            calls: t.calls,
            fallbacks: t.fallbacks,
            last_fallback_reason: t.last_fallback_reason,
            tokens_in: t.tokens_in,
            tokens_out: t.tokens_out,
            cost_usd: t.spent_usd,
            spent_today_usd: t.spent_usd,
            daily_budget_usd: Some(guards.daily_usd()),
            fallbacks_by_cause: t.by_cause,
            breaker_open_until: guards.breaker_open_until(now_ms).map(Timestamp::from_millis),
            budget_closed_reason: t.closed,
            ..self.zero_stats()
        };
        *lock(&self.shown) = (t.day, stats);
    }
}

/// Why [`LlmAdvisor::call`] has no answer, and what the attempt used (none when no request went
/// out: no client, the breaker open, the budget spent).
#[derive(Debug)]
struct NoAnswer {
    cause: FallbackCause,
    reason: String,
    usage: Option<CallUsage>,
}

impl NoAnswer {
    fn before_calling(cause: FallbackCause, reason: String) -> Self {
        Self { cause, reason, usage: None }
    }
}

impl Drop for LlmAdvisor {
    /// Answers reused from the record since the last call are written now, so a clean stop loses
    /// no count.
    fn drop(&mut self) {
        let guards = self.guards.get_mut().unwrap_or_else(|p| p.into_inner());
        if guards.unsaved() {
            guards.sync(now_ms());
        }
    }
}

fn now_ms() -> i64 {
    SystemClock.now().millis()
}

/// The counters stay usable after a panic elsewhere: they are plain numbers.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
