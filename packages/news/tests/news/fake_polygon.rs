//! A local stand-in for Polygon's `GET /v2/reference/news`, replaying the recorded pages in
//! `data/` (written from Polygon's documented response) with `{BASE}` set to its own address.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

pub const KEY: &str = "polygon-test-key-SECRET-42";

#[derive(Clone)]
pub enum Script {
    /// Page 1, then page 2 when asked for the cursor in page 1's `next_url`.
    Recorded,
    /// Page 1 whose `next_url` points at another host.
    ForeignNextUrl,
    Fixed(u16, String),
    /// An endless body.
    Flood,
}

#[derive(Clone)]
struct Shared {
    script: Script,
    base: String,
    seen: Arc<Mutex<Vec<(String, String)>>>,
}

pub struct FakePolygon {
    pub base: String,
    seen: Arc<Mutex<Vec<(String, String)>>>,
}

impl FakePolygon {
    pub async fn start(script: Script) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("fake Polygon server");
        let base = format!("http://{}", listener.local_addr().expect("fake Polygon server"));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let app = Router::new().route("/v2/reference/news", get(news)).with_state(Shared {
            script,
            base: base.clone(),
            seen: seen.clone(),
        });
        tokio::spawn(async move { axum::serve(listener, app).await.expect("fake Polygon server") });
        Self { base, seen }
    }

    /// (query string, Authorization header) of each request.
    pub fn seen(&self) -> Vec<(String, String)> {
        self.seen.lock().expect("fake Polygon server").clone()
    }
}

async fn news(State(s): State<Shared>, RawQuery(query): RawQuery, headers: HeaderMap) -> Response {
    let query = query.unwrap_or_default();
    let auth = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    s.seen.lock().expect("fake Polygon server").push((query.clone(), auth.clone()));
    if auth != format!("Bearer {KEY}") {
        return (StatusCode::UNAUTHORIZED, r#"{"status":"ERROR","error":"Unknown API Key"}"#).into_response();
    }
    let page1 = include_str!("data/polygon-news-page1.json");
    let page2 = include_str!("data/polygon-news-page2.json");
    let json = |body: String| ([(header::CONTENT_TYPE, "application/json")], body).into_response();
    match s.script {
        Script::Recorded if query.contains("cursor=") => json(page2.to_owned()),
        Script::Recorded => json(page1.replace("{BASE}", &s.base)),
        Script::ForeignNextUrl => json(page1.replace("{BASE}", "https://evil.example.com")),
        Script::Fixed(status, body) => {
            (StatusCode::from_u16(status).expect("fake Polygon server"), body).into_response()
        }
        Script::Flood => json(format!("{{\"results\": [\"{}\"]}}", "x".repeat(9 << 20))),
    }
}
