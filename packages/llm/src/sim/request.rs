//! What the simulator reads from a chat-completions request: the model, the size of the prompt,
//! and the signal and news of the JSON document in the last user message, all read leniently.

use serde_json::Value;

/// A request the simulator can answer.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ChatRequest {
    pub model: String,
    /// Characters in all message contents, for the usage counts.
    pub prompt_chars: usize,
    pub input: Input,
}

/// The decision document written by Mirai's prompt builder; missing parts are defaults.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Input {
    pub signal: Signal,
    pub news: Vec<News>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Signal {
    pub symbol: String,
    pub strategy: String,
    /// "hold" when the document has no signal.
    pub action: String,
}

impl Default for Signal {
    fn default() -> Self {
        Self { symbol: "unknown".into(), strategy: "unknown".into(), action: "hold".into() }
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct News {
    pub id: String,
    pub title: String,
    pub text: String,
}

/// Reads a request body, or says in a sentence why it is not a chat-completions request.
pub(crate) fn parse(body: &[u8]) -> Result<ChatRequest, String> {
    let request: Value =
        serde_json::from_slice(body).map_err(|e| format!("the request body is not JSON: {e}"))?;
    if !request.is_object() {
        return Err("the request body must be a JSON object".into());
    }
    let model =
        request.get("model").and_then(Value::as_str).ok_or("you must provide a model parameter")?.to_owned();
    let messages =
        request.get("messages").and_then(Value::as_array).ok_or("you must provide a messages array")?;
    let prompt_chars = messages.iter().map(|m| content_text(m).chars().count()).sum();
    let input = messages
        .iter()
        .rev()
        .find(|m| m.get("role").and_then(Value::as_str) == Some("user"))
        .map(|m| read_input(&content_text(m)))
        .unwrap_or_default();
    Ok(ChatRequest { model, prompt_chars, input })
}

/// A message's text: a plain string, or the text parts of a content array.
fn content_text(message: &Value) -> String {
    match message.get("content") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(parts)) => {
            parts.iter().filter_map(|p| p.get("text").and_then(Value::as_str)).collect::<Vec<_>>().join("")
        }
        _ => String::new(),
    }
}

/// The decision document; text that is not a JSON object means no signal and no news.
fn read_input(content: &str) -> Input {
    let Ok(doc) = serde_json::from_str::<Value>(content) else {
        return Input::default();
    };
    let signal = match doc.get("signal") {
        Some(s) if s.is_object() => {
            let d = Signal::default();
            Signal {
                symbol: string_or(s, "symbol", d.symbol),
                strategy: string_or(s, "strategy", d.strategy),
                action: string_or(s, "action", d.action),
            }
        }
        _ => Signal::default(),
    };
    let news = doc
        .get("untrusted_news")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter(|n| n.is_object())
                .map(|n| News {
                    id: string_or(n, "id", String::new()),
                    title: string_or(n, "title", String::new()),
                    text: string_or(n, "text", String::new()),
                })
                .collect()
        })
        .unwrap_or_default();
    Input { signal, news }
}

/// A field as text: strings as they are, numbers written out, anything else the default.
fn string_or(object: &Value, key: &str, default: String) -> String {
    match object.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => default,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn body(v: Value) -> Vec<u8> {
        v.to_string().into_bytes()
    }

    #[test]
    fn reads_the_last_user_message() {
        let doc = json!({"signal": {"symbol": "ETHUSDT", "strategy": "breakout", "action": "sell"},
            "untrusted_news": [{"id": "n1", "title": "T", "text": "x"}, {"id": 7}]});
        let r = parse(&body(json!({"model": "m", "messages": [
            {"role": "system", "content": "sys"},
            {"role": "user", "content": "not this one"},
            {"role": "user", "content": [{"type": "text", "text": doc.to_string()}]},
        ]})))
        .expect("a chat request");
        assert_eq!(r.model, "m");
        assert_eq!(r.input.signal.action, "sell");
        assert_eq!(r.input.signal.symbol, "ETHUSDT");
        assert_eq!(r.input.news.len(), 2);
        assert_eq!(r.input.news[1].id, "7");
        assert_eq!(r.prompt_chars, 3 + 12 + doc.to_string().chars().count());
    }

    #[test]
    fn a_user_message_that_is_not_json_has_no_signal() {
        let r = parse(&body(json!({"model": "m", "messages": [{"role": "user", "content": "hi {"}]})))
            .expect("a chat request");
        assert_eq!(r.input, Input::default());
        assert_eq!(r.input.signal.action, "hold");
    }

    #[test]
    fn malformed_requests_are_refused() {
        assert!(parse(b"{nope").is_err());
        assert!(parse(b"[1]").is_err());
        assert!(parse(&body(json!({"messages": []}))).is_err());
        assert!(parse(&body(json!({"model": "m"}))).is_err());
    }
}
