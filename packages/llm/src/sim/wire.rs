//! The JSON the simulator sends: `chat.completion` objects and OpenAI error bodies, as structs so
//! the bytes (field order included) never depend on serde_json's features, and with no clock.

use serde::Serialize;

/// The `created` of every completion: fixed, so a replayed answer is byte-for-byte the same.
pub const CREATED: u32 = 1_700_000_000;

#[derive(Debug, Serialize)]
pub(crate) struct Completion {
    id: String,
    object: &'static str,
    created: u32,
    model: String,
    choices: [Choice; 1],
    usage: Usage,
}

#[derive(Debug, Serialize)]
struct Choice {
    index: u32,
    message: Message,
    finish_reason: &'static str,
    logprobs: Option<()>,
}

#[derive(Debug, Serialize)]
struct Message {
    role: &'static str,
    content: Option<String>,
    refusal: Option<String>,
}

#[derive(Debug, Serialize)]
struct Usage {
    prompt_tokens: u32,
    completion_tokens: u32,
    total_tokens: u32,
}

impl Completion {
    /// Call `n`'s answer: either content or a refusal, with token counts of about four
    /// characters a token.
    pub(crate) fn new(
        n: u64,
        model: &str,
        prompt_chars: usize,
        content: Option<String>,
        refusal: Option<String>,
    ) -> Self {
        let answer_chars = content.as_deref().or(refusal.as_deref()).map_or(0, |t| t.chars().count());
        let prompt_tokens = tokens(prompt_chars);
        let completion_tokens = tokens(answer_chars);
        Self {
            id: format!("chatcmpl-sim-{n}"),
            object: "chat.completion",
            created: CREATED,
            model: model.to_owned(),
            choices: [Choice {
                index: 0,
                message: Message { role: "assistant", content, refusal },
                finish_reason: "stop",
                logprobs: None,
            }],
            usage: Usage {
                prompt_tokens,
                completion_tokens,
                total_tokens: prompt_tokens.saturating_add(completion_tokens),
            },
        }
    }
}

/// ceil(chars / 4), saturating.
fn tokens(chars: usize) -> u32 {
    u32::try_from(chars.div_ceil(4)).unwrap_or(u32::MAX)
}

/// `{"error": {"message", "type", "param", "code"}}`, as OpenAI sends it.
#[derive(Debug, Serialize)]
pub(crate) struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Debug, Serialize)]
struct ErrorDetail {
    message: String,
    #[serde(rename = "type")]
    kind: String,
    param: Option<String>,
    code: Option<String>,
}

impl ErrorBody {
    pub(crate) fn new(message: impl Into<String>, kind: &str, code: Option<&str>) -> Self {
        Self {
            error: ErrorDetail {
                message: message.into(),
                kind: kind.to_owned(),
                param: None,
                code: code.map(str::to_owned),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_completion_is_byte_stable() {
        let c = Completion::new(3, "sim-follow", 9, Some("{}".into()), None);
        assert_eq!(
            serde_json::to_string(&c).expect("json"),
            r#"{"id":"chatcmpl-sim-3","object":"chat.completion","created":1700000000,"model":"sim-follow","choices":[{"index":0,"message":{"role":"assistant","content":"{}","refusal":null},"finish_reason":"stop","logprobs":null}],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}"#
        );
    }

    #[test]
    fn an_error_has_openai_s_shape() {
        let e = ErrorBody::new("Rate limit reached", "requests", Some("rate_limit_exceeded"));
        assert_eq!(
            serde_json::to_string(&e).expect("json"),
            r#"{"error":{"message":"Rate limit reached","type":"requests","param":null,"code":"rate_limit_exceeded"}}"#
        );
    }
}
