//! `ChatClient`: one structured-output chat call to an OpenAI-compatible server, under a deadline
//! that covers every retry, with our own retry policy.
//!
//! async-openai's default transport retries 429 and 5xx itself, waiting as long as `Retry-After`
//! says (a day, if the server says a day). We install the plain transport instead
//! (`with_http_service`) so no wait happens that we did not decide: a rate limit ends the call at
//! once, a server error or a dropped connection is retried while the deadline allows.

use std::time::{Duration, Instant};

use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use async_openai::middleware::ReqwestService;
use async_openai::types::chat::{
    ChatCompletionRequestMessage, ChatCompletionRequestSystemMessage, ChatCompletionRequestUserMessage,
    CreateChatCompletionRequest, ResponseFormat, ResponseFormatJsonSchema,
};
use secrecy::{ExposeSecret, SecretString};

use super::prompt::Prompt;
use crate::LlmError;
use crate::scrub::scrub;

/// The longest answer accepted: the schema's fields fit in a few hundred tokens.
const MAX_ANSWER_TOKENS: u32 = 800;
/// The first pause before a retry; doubled each time, never past the deadline.
const FIRST_RETRY_PAUSE: Duration = Duration::from_millis(200);

/// What came back from one successful call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawAnswer {
    pub content: Option<String>,
    pub refusal: Option<String>,
    pub tokens_in: u32,
    pub tokens_out: u32,
}

/// Why a call gave no answer. Each message is safe to record and show (no key, no body dump).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CallFailure {
    #[error("no answer within {ms} ms")]
    Timeout { ms: u64 },
    #[error("rate limited by the server ({0}); not waiting for it")]
    RateLimited(String),
    #[error("the server failed: {0}")]
    Server(String),
    #[error("the server refused the request: {0}")]
    Refused(String),
    /// A wrong key, a model the server does not have, no permission: every call will fail the
    /// same way until the settings change.
    #[error("the server rejects our settings: {0}")]
    Misconfigured(String),
    #[error("could not reach the server: {0}")]
    Transport(String),
    #[error("the answer had no message")]
    NoMessage,
}

impl CallFailure {
    /// Whether the breaker counts it: the server or the path to it failing, not one odd answer.
    pub fn is_outage(&self) -> bool {
        !matches!(self, Self::Refused(_) | Self::NoMessage)
    }
}

pub struct ChatClient {
    client: Client<OpenAIConfig>,
    model: String,
    api_key: SecretString,
    max_retries: u32,
}

impl std::fmt::Debug for ChatClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChatClient")
            .field("model", &self.model)
            .field("max_retries", &self.max_retries)
            .finish_non_exhaustive()
    }
}

impl ChatClient {
    pub fn new(
        api_key: SecretString,
        base_url: &str,
        model: &str,
        max_retries: u32,
    ) -> Result<Self, LlmError> {
        // Redirects are refused so the key is never replayed to another host.
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| LlmError::Config(format!("building the HTTP client: {e}")))?;
        let config = OpenAIConfig::new().with_api_key(api_key.expose_secret()).with_api_base(base_url);
        let client = Client::with_config(config).with_http_service(ReqwestService::new(http));
        Ok(Self { client, model: model.to_owned(), api_key, max_retries })
    }

    pub fn model(&self) -> &str {
        &self.model
    }

    /// Asks once (plus retries) and returns by `deadline` whatever happens.
    pub async fn ask(
        &self,
        prompt: &Prompt,
        schema: &serde_json::Value,
        name: &str,
        deadline: Instant,
    ) -> Result<RawAnswer, CallFailure> {
        let request = CreateChatCompletionRequest {
            model: self.model.clone(),
            messages: vec![
                ChatCompletionRequestMessage::System(ChatCompletionRequestSystemMessage::from(
                    prompt.system.as_str(),
                )),
                ChatCompletionRequestMessage::User(ChatCompletionRequestUserMessage::from(
                    prompt.user.as_str(),
                )),
            ],
            response_format: Some(ResponseFormat::JsonSchema {
                json_schema: ResponseFormatJsonSchema {
                    description: None,
                    name: name.to_owned(),
                    schema: schema.clone(),
                    strict: Some(true),
                },
            }),
            temperature: Some(0.0),
            max_completion_tokens: Some(MAX_ANSWER_TOKENS),
            ..Default::default()
        };
        let started = Instant::now();
        let mut pause = FIRST_RETRY_PAUSE;
        let mut attempt = 0;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(CallFailure::Timeout { ms: elapsed_ms(started) });
            }
            let failure = match tokio::time::timeout(left, self.client.chat().create(request.clone())).await {
                Err(_) => return Err(CallFailure::Timeout { ms: elapsed_ms(started) }),
                Ok(Ok(response)) => {
                    let usage = response.usage.as_ref();
                    let message = response
                        .choices
                        .into_iter()
                        .next()
                        .map(|c| c.message)
                        .ok_or(CallFailure::NoMessage)?;
                    return Ok(RawAnswer {
                        content: message.content,
                        refusal: message.refusal,
                        tokens_in: usage.map_or(0, |u| u.prompt_tokens),
                        tokens_out: usage.map_or(0, |u| u.completion_tokens),
                    });
                }
                Ok(Err(e)) => self.classify(e),
            };
            let retry = matches!(failure, CallFailure::Server(_) | CallFailure::Transport(_));
            if !retry
                || attempt >= self.max_retries
                || deadline.saturating_duration_since(Instant::now()) <= pause
            {
                return Err(failure);
            }
            attempt += 1;
            tokio::time::sleep(pause).await;
            pause = pause.saturating_mul(2);
        }
    }

    fn classify(&self, e: OpenAIError) -> CallFailure {
        let key = self.api_key.expose_secret();
        match e {
            OpenAIError::ApiError(r) => {
                let what = scrub(&bounded(&r.api_error.to_string()), key);
                match r.status_code.as_u16() {
                    429 => CallFailure::RateLimited(what),
                    500..=599 => CallFailure::Server(format!("{} {what}", r.status_code.as_u16())),
                    401 | 403 | 404 => {
                        CallFailure::Misconfigured(format!("{} {what}", r.status_code.as_u16()))
                    }
                    s => CallFailure::Refused(format!("{s} {what}")),
                }
            }
            OpenAIError::Reqwest(e) => CallFailure::Transport(scrub(&bounded(&e.to_string()), key)),
            OpenAIError::JSONDeserialize(e, _) => {
                CallFailure::Server(format!("an unreadable response: {}", bounded(&e.to_string())))
            }
            other => CallFailure::Transport(scrub(&bounded(&other.to_string()), key)),
        }
    }
}

fn elapsed_ms(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// Error texts from the network go into decisions and the status page: short ones only.
fn bounded(s: &str) -> String {
    s.chars().take(200).collect()
}
