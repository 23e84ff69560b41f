//! Local stand-ins for OpenAI's `POST /v1/embeddings` and Polygon's `GET /v2/reference/news`,
//! recording the `Authorization` header each request carried.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use mirai_core::Timestamp;
use serde_json::{Value, json};

pub type Seen = Arc<Mutex<Vec<(Value, String)>>>;

pub struct Fake {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    seen: Seen,
}

impl Fake {
    /// Every request so far: (what it asked, its `Authorization` header).
    pub fn seen(&self) -> Vec<(Value, String)> {
        self.seen.lock().expect("fake server").clone()
    }
}

async fn serve(app: Router<Seen>, seen: Seen) -> Fake {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("fake server");
    let base = format!("http://{}", listener.local_addr().expect("fake server"));
    let app = app.with_state(seen.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.expect("fake server") });
    Fake { base, seen }
}

fn record(seen: &Seen, what: Value, headers: &HeaderMap) {
    let auth = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    seen.lock().expect("fake server").push((what, auth));
}

fn json_response(v: &Value) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], v.to_string()).into_response()
}

/// Embeddings of the requested `dimensions`: each word of the input adds to one bucket, so texts
/// sharing words point the same way (a crude model, but a real one for the wire format).
pub async fn openai() -> Fake {
    async fn embeddings(State(seen): State<Seen>, headers: HeaderMap, body: Bytes) -> Response {
        let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        record(&seen, request.clone(), &headers);
        let dim = request["dimensions"].as_u64().unwrap_or(1536) as usize;
        let inputs: Vec<String> = match &request["input"] {
            Value::String(s) => vec![s.clone()],
            Value::Array(a) => a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect(),
            _ => Vec::new(),
        };
        let data: Vec<Value> = inputs
            .iter()
            .enumerate()
            .map(|(index, text)| {
                let mut v = vec![0f32; dim];
                v[0] = 0.01;
                for word in text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
                    let h = word
                        .to_lowercase()
                        .bytes()
                        .fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
                    v[(h % dim as u64) as usize] += 1.0;
                }
                json!({ "object": "embedding", "index": index, "embedding": v })
            })
            .collect();
        json_response(&json!({
            "object": "list",
            "data": data,
            "model": request["model"],
            "usage": { "prompt_tokens": 1, "total_tokens": 1 }
        }))
    }
    serve(Router::new().route("/v1/embeddings", post(embeddings)), Seen::default()).await
}

/// One article about bitcoin, published an hour ago, whatever the ticker asked.
pub async fn polygon() -> Fake {
    async fn news(State(seen): State<Seen>, headers: HeaderMap, query: axum::extract::RawQuery) -> Response {
        record(&seen, Value::String(query.0.unwrap_or_default()), &headers);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or_default();
        let published = Timestamp::from_millis(now - 3_600_000 - now % 1000).to_iso8601();
        json_response(&json!({
            "status": "OK",
            "count": 1,
            "results": [{
                "id": "fake-1",
                "publisher": { "name": "Fake Wire" },
                "title": "Lighthouse miners hoard zeppelin bitcoin",
                "published_utc": published,
                "article_url": "https://news.example.com/zeppelin",
                "tickers": ["X:BTCUSD"],
                "description": "Miners with lighthouse power contracts held their zeppelin output."
            }]
        }))
    }
    serve(Router::new().route("/v2/reference/news", get(news)), Seen::default()).await
}
