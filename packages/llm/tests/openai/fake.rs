//! A local stand-in for `POST /v1/embeddings`, scripted per test, recording what it was sent.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use mirai_llm::{OpenAiEmbedder, OpenAiSettings};
use secrecy::SecretString;
use serde_json::{Value, json};

pub const KEY: &str = "sk-test-0123456789abcdefSECRET";

/// How the server answers.
#[derive(Clone)]
pub enum Script {
    /// Valid answers of `dim` values per input, listed in reverse order (indices tell).
    Echo { dim: usize },
    /// This status, body and headers, every time.
    Fixed { status: u16, body: String, headers: Vec<(&'static str, &'static str)> },
    /// A valid JSON answer, rewritten by the function before it is sent.
    Mangle { dim: usize, f: fn(&mut Value) },
    /// Never answers.
    Hang,
}

#[derive(Clone)]
struct Shared {
    script: Script,
    seen: Arc<Mutex<Vec<(Value, String)>>>,
}

pub struct Fake {
    pub base: String,
    seen: Arc<Mutex<Vec<(Value, String)>>>,
}

impl Fake {
    pub async fn start(script: Script) -> Self {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let app = Router::new()
            .route("/v1/embeddings", post(handle))
            .with_state(Shared { script, seen: seen.clone() });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("fake OpenAI server");
        let addr = listener.local_addr().expect("fake OpenAI server");
        tokio::spawn(async move { axum::serve(listener, app).await.expect("fake OpenAI server") });
        Self { base: format!("http://{addr}/v1"), seen }
    }

    /// (request body, Authorization header) of every request so far.
    pub fn seen(&self) -> Vec<(Value, String)> {
        self.seen.lock().expect("fake OpenAI server").clone()
    }

    pub fn embedder(&self, dim: usize, batch: usize, timeout: Duration) -> OpenAiEmbedder {
        OpenAiEmbedder::new(OpenAiSettings {
            base_url: Some(self.base.clone()),
            dimension: dim,
            batch,
            timeout,
            ..OpenAiSettings::new(SecretString::from(KEY))
        })
        .expect("fake OpenAI server")
    }
}

async fn handle(State(s): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let auth = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    s.seen.lock().expect("fake OpenAI server").push((request.clone(), auth));
    match s.script {
        Script::Echo { dim } => axum::Json(answer(&request, dim)).into_response(),
        Script::Mangle { dim, f } => {
            let mut v = answer(&request, dim);
            f(&mut v);
            axum::Json(v).into_response()
        }
        Script::Fixed { status, body, headers } => {
            let mut r = (StatusCode::from_u16(status).expect("fake OpenAI server"), body).into_response();
            for (k, v) in headers {
                r.headers_mut().insert(k, v.parse().expect("fake OpenAI server"));
            }
            r
        }
        Script::Hang => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            StatusCode::OK.into_response()
        }
    }
}

/// A well-formed answer: input `i` gets `dim` values derived from its text, entries reversed.
fn answer(request: &Value, dim: usize) -> Value {
    let inputs: Vec<String> = request["input"]
        .as_array()
        .map(|a| a.iter().map(|v| v.as_str().unwrap_or("").to_owned()).collect())
        .unwrap_or_default();
    let mut data: Vec<Value> = inputs
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let v: Vec<f32> = (0..dim).map(|j| (text.len() + j + 1) as f32 / 100.0).collect();
            json!({"object": "embedding", "index": i, "embedding": v})
        })
        .collect();
    data.reverse();
    json!({"object": "list", "data": data, "model": request["model"], "usage": {"prompt_tokens": 3, "total_tokens": 3}})
}
