//! Starting a simulator on a free port, and the requests Mirai's decision model would send it.

use std::net::SocketAddr;

use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use async_openai::types::chat::{
    ChatCompletionRequestSystemMessageArgs, ChatCompletionRequestUserMessageArgs,
    CreateChatCompletionRequest, CreateChatCompletionRequestArgs, CreateChatCompletionResponse,
    ResponseFormat, ResponseFormatJsonSchema,
};
use mirai_llm::sim::{Sim, serve};
use serde_json::{Value, json};
use tokio::sync::oneshot;

/// A running simulator; dropping it shuts the server down.
pub struct Running {
    pub addr: SocketAddr,
    pub sim: Sim,
    pub stop: Option<oneshot::Sender<()>>,
    pub served: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let addr = listener.local_addr().expect("a bound address");
        let sim = Sim::new();
        let (stop, stopped) = oneshot::channel::<()>();
        let served = tokio::spawn(serve(listener, sim.clone(), async move {
            let _ = stopped.await;
        }));
        Self { addr, sim, stop: Some(stop), served }
    }

    pub fn client(&self) -> Client<OpenAIConfig> {
        Client::with_config(
            OpenAIConfig::new().with_api_key("test").with_api_base(format!("http://{}/v1", self.addr)),
        )
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Asks `model` about `doc` as the decision model does.
    pub async fn ask(&self, model: &str, doc: &Value) -> Result<CreateChatCompletionResponse, OpenAIError> {
        self.client().chat().create(request(model, &doc.to_string())).await
    }

    /// The same request as raw JSON, to `path`, answered as (status, body).
    pub async fn post_raw(&self, path: &str, model: &str, doc: &Value) -> (u16, String) {
        let body = serde_json::to_value(request(model, &doc.to_string())).expect("a request as JSON");
        let r = reqwest::Client::new().post(self.url(path)).json(&body).send().await.expect("an answer");
        (r.status().as_u16(), r.text().await.expect("a body"))
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A chat request with a system prompt, `user` as the user message and a strict JSON schema.
pub fn request(model: &str, user: &str) -> CreateChatCompletionRequest {
    CreateChatCompletionRequestArgs::default()
        .model(model)
        .messages(vec![
            ChatCompletionRequestSystemMessageArgs::default()
                .content("You advise on one trading signal. Answer with JSON only.")
                .build()
                .expect("a system message")
                .into(),
            ChatCompletionRequestUserMessageArgs::default()
                .content(user)
                .build()
                .expect("a user message")
                .into(),
        ])
        .response_format(ResponseFormat::JsonSchema {
            json_schema: ResponseFormatJsonSchema {
                description: None,
                name: "mirai_advice".into(),
                schema: schema(),
                strict: Some(true),
            },
        })
        .build()
        .expect("a chat request")
}

fn schema() -> Value {
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["action", "confidence", "size_fraction", "rationale", "citations"],
        "properties": {
            "action": {"type": "string", "enum": ["buy", "sell", "hold"]},
            "confidence": {"type": "number"},
            "size_fraction": {"type": "number"},
            "rationale": {"type": "string"},
            "citations": {"type": "array", "items": {"type": "string"}}
        }
    })
}

/// The prompt builder's document for a `sma-cross` signal on BTCUSDT, with these news items
/// as (id, title, text).
pub fn doc(action: &str, news: &[(&str, &str, &str)]) -> Value {
    let news: Vec<Value> = news
        .iter()
        .map(|(id, title, text)| {
            json!({"id": id, "published_at_ms": 1_699_999_000_000_u64, "source": "wire", "title": title, "text": text})
        })
        .collect();
    json!({
        "prompt_version": "mirai-advice-v1",
        "signal": {"symbol": "BTCUSDT", "time_ms": 1_700_000_000_000_u64, "strategy": "sma-cross",
                   "action": action, "price": "100", "strength": "0.5", "reason": "fast SMA crossed above slow"},
        "position": {"qty": "0"},
        "risk_budget": {"max_fraction": "0.1"},
        "untrusted_news": news,
    })
}

/// The first choice's content, parsed as JSON.
pub fn answer(r: &CreateChatCompletionResponse) -> Value {
    let content = r.choices[0].message.content.as_deref().expect("content");
    serde_json::from_str(content).expect("JSON content")
}
