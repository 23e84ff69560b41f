//! The model the trading task consults about entries when `ADVISOR=llm`: news available at the
//! signal's time from the knowledge store, then the model through `mirai_llm`'s advisor (its
//! deadline, breaker, budget and call log). Every failure is a fallback to the rules, with the
//! reason on the decision.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use mirai_core::{AdviceRequest, AdvisorStats, ExternalAdvice};
use mirai_live::consult::{AdviceFuture, Consultant};
use mirai_llm::advisor::calls::CallLog;
use mirai_llm::advisor::retrieval::{RetrievalSettings, news_at};
use mirai_llm::advisor::settings::AdvisorSettings;
use mirai_llm::advisor::{LlmAdvisor, Source};

use crate::config::Settings;
use crate::knowledge::Knowledge;

/// Where the model's calls are recorded, under the data directory.
pub const CALL_LOG_DIR: &str = "llm-calls";
/// Finding the news may take this long before the model is asked without it.
const RETRIEVAL_TIMEOUT: Duration = Duration::from_secs(3);

#[derive(Debug)]
pub struct ModelConsultant {
    advisor: Arc<LlmAdvisor>,
    knowledge: Arc<Knowledge>,
    retrieval: RetrievalSettings,
}

/// The consultant the settings ask for; `None` with `ADVISOR=rules`.
pub fn start(settings: &Settings, knowledge: &Arc<Knowledge>) -> anyhow::Result<Option<Arc<dyn Consultant>>> {
    let AdvisorSettings::Llm(s) = &settings.advisor else { return Ok(None) };
    let log = CallLog::open(settings.data_dir.join(CALL_LOG_DIR)).context("opening the model call log")?;
    let advisor = LlmAdvisor::new(s, log, Source::Network).context("setting up the model")?;
    tracing::info!(model = %s.model, base_url = %s.base_url, timeout_ms = s.timeout.as_millis() as u64, "entries are decided with the model's advice");
    let retrieval = RetrievalSettings { backtest: false, ..settings.retrieval };
    Ok(Some(Arc::new(ModelConsultant {
        advisor: Arc::new(advisor),
        knowledge: knowledge.clone(),
        retrieval,
    })))
}

impl Consultant for ModelConsultant {
    fn consult(&self, request: AdviceRequest) -> AdviceFuture {
        let (advisor, knowledge, retrieval) = (self.advisor.clone(), self.knowledge.clone(), self.retrieval);
        Box::pin(async move {
            let symbol = request.signal.symbol;
            let found = news_at(
                &**knowledge.embedder(),
                &**knowledge.vectors(),
                symbol,
                request.signal.ts,
                retrieval,
            );
            let news = match tokio::time::timeout(RETRIEVAL_TIMEOUT, found).await {
                Ok(Ok(news)) => news,
                Ok(Err(e)) => {
                    tracing::warn!(error = %e, %symbol, "no news for the decision; asking the model without it");
                    Vec::new()
                }
                Err(_) => {
                    tracing::warn!(%symbol, "news search too slow; asking the model without it");
                    Vec::new()
                }
            };
            match advisor.advise(&request, &news).await {
                Ok(advice) => advice,
                // Only a replay-only advisor errs; the worker's asks the network.
                Err(e) => ExternalAdvice::Fallback {
                    model: advisor.model().to_owned(),
                    reason: e.to_string(),
                    prompt_hash: None,
                    usage: None,
                },
            }
        })
    }

    fn stats(&self) -> AdvisorStats {
        self.advisor.stats()
    }
}
