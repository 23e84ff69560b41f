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
pub mod prompt;
pub mod retrieval;
pub mod sanitize;
pub mod settings;

use std::sync::Mutex;
use std::time::{Duration, Instant};

use mirai_core::{AdviceRequest, AdvisorStats, Clock, ExternalAdvice, ModelAdvice, SystemClock};
use rust_decimal::Decimal;

use self::answer::{ModelAction, ValidAnswer};
use self::calls::{CallLog, CallLogError, RecordedCall};
use self::chat::{ChatClient, RawAnswer};
use self::guard::{Breaker, Budget, Prices};
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
    breaker: Mutex<Breaker>,
    budget: Mutex<Budget>,
    stats: Mutex<AdvisorStats>,
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
    pub fn new(s: &LlmSettings, log: CallLog, source: Source) -> Result<Self, LlmError> {
        let chat = match source {
            Source::Network => {
                Some(ChatClient::new(s.api_key.clone(), &s.base_url, &s.model, s.max_retries)?)
            }
            Source::ReplayOnly => None,
        };
        let breaker_ms = i64::try_from(s.breaker_cooldown.as_millis()).unwrap_or(i64::MAX);
        Ok(Self {
            chat,
            model: s.model.clone(),
            log,
            source,
            timeout: s.timeout,
            prices: s.prices,
            breaker: Mutex::new(Breaker::new(s.breaker_failures, breaker_ms)),
            budget: Mutex::new(Budget::new(s.daily_budget_usd)),
            stats: Mutex::new(AdvisorStats {
                kind: "llm".into(),
                model: Some(s.model.clone()),
                daily_budget_usd: Some(s.daily_budget_usd),
                ..AdvisorStats::default()
            }),
        })
    }

    pub fn model(&self) -> &str {
        &self.model
    }

    /// The totals since start, for `/api/status`.
    pub fn stats(&self) -> AdvisorStats {
        let mut s = lock(&self.stats).clone();
        s.spent_today_usd = lock(&self.budget).spent_today();
        s
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
            Err(e) if self.source == Source::ReplayOnly => return Err(e.into()),
            Err(e) => {
                tracing::warn!(error = %e, "the model call log could not be read; asking the model");
                None
            }
        };
        let raw = match (recorded, self.source) {
            (Some(call), _) => Ok(RawAnswer {
                content: call.content,
                refusal: call.refusal,
                tokens_in: call.tokens_in,
                tokens_out: call.tokens_out,
            }),
            (None, Source::ReplayOnly) => {
                return Err(ReplayError::NotRecorded {
                    key,
                    symbol: request.signal.symbol.to_string(),
                    time_ms: request.signal.ts.millis(),
                });
            }
            (None, Source::Network) => self.call(&prompt, &schema, &key).await,
        };
        let advice = match raw {
            Err(reason) => self.fallback(reason, Some(&key)),
            Ok(raw) => {
                self.count_call(&raw);
                match (raw.content, raw.refusal) {
                    (Some(content), _) => {
                        match answer::validate(&content, request.signal.action, &prompt.shown) {
                            Ok(valid) => ExternalAdvice::Model(self.advice(valid, key)),
                            Err(rejection) => self.fallback(rejection.to_string(), Some(&key)),
                        }
                    }
                    (None, Some(refusal)) => {
                        // Model output, stored and shown: cleaned like a rationale.
                        let refusal = sanitize::untrusted_text(&refusal, 200);
                        self.fallback(format!("the model refused: {refusal}"), Some(&key))
                    }
                    (None, None) => self.fallback("the answer had no content".into(), Some(&key)),
                }
            }
        };
        Ok(advice)
    }

    /// One paid call, within the breaker and the budget, recorded when it answered.
    async fn call(
        &self,
        prompt: &Prompt,
        schema: &serde_json::Value,
        key: &str,
    ) -> Result<RawAnswer, String> {
        let Some(chat) = &self.chat else { return Err("no model client".into()) };
        let now = SystemClock.now().millis();
        if let Some(until) = lock(&self.breaker).refuses(now) {
            return Err(format!(
                "the model failed repeatedly; not asked again for {} s",
                (until - now + 999) / 1000
            ));
        }
        // The guard is dropped before the message reads the limit (the same lock).
        let allowed = lock(&self.budget).allows(now);
        if let Err(spent) = allowed {
            return Err(format!(
                "today's model budget of ${} is spent (${spent}); deciding by the rules until 00:00 UTC",
                self.budget_limit()
            ));
        }
        let started = Instant::now();
        let answer = chat.ask(prompt, schema, answer::SCHEMA_NAME, started + self.timeout).await;
        let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let now = SystemClock.now().millis();
        match answer {
            Err(failure) => {
                if failure.is_outage() {
                    lock(&self.breaker).failure(now);
                }
                Err(failure.to_string())
            }
            Ok(raw) => {
                lock(&self.breaker).success();
                let cost = self.prices.cost(raw.tokens_in, raw.tokens_out);
                lock(&self.budget).spend(now, cost);
                lock(&self.stats).cost_usd += cost;
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
                Ok(raw)
            }
        }
    }

    fn advice(&self, valid: ValidAnswer, prompt_hash: String) -> ModelAdvice {
        ModelAdvice {
            enter: valid.action == ModelAction::Buy,
            abstained: valid.action == ModelAction::Abstain,
            confidence: valid.confidence,
            size_fraction: valid.size_fraction,
            rationale: valid.rationale,
            citations: valid.citations,
            model: self.model.clone(),
            prompt_hash,
        }
    }

    fn fallback(&self, reason: String, key: Option<&str>) -> ExternalAdvice {
        tracing::warn!(model = %self.model, %reason, "the model's answer was not used; deciding by the rules");
        let mut stats = lock(&self.stats);
        stats.fallbacks += 1;
        stats.last_fallback_reason = Some(reason.clone());
        ExternalAdvice::Fallback { model: self.model.clone(), reason, prompt_hash: key.map(str::to_owned) }
    }

    fn count_call(&self, raw: &RawAnswer) {
        let mut stats = lock(&self.stats);
        stats.calls += 1;
        stats.tokens_in += u64::from(raw.tokens_in);
        stats.tokens_out += u64::from(raw.tokens_out);
    }

    fn budget_limit(&self) -> Decimal {
        lock(&self.budget).daily_usd()
    }
}

/// The counters stay usable after a panic elsewhere: they are plain numbers.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
