//! A local OpenAI-compatible chat-completions server with scripted behaviours, for tests and
//! offline work (`mirai llm-sim`). The request's `model` picks the behaviour:
//!
//! | model | answer |
//! |---|---|
//! | `sim-follow`, or any unknown name | the signal's action, confidence 0.8, size 0.5, citing the first news id |
//! | `sim-hold` | hold, confidence 0.6, size 0, no citations |
//! | `sim-malformed` | 200 whose content is not JSON |
//! | `sim-wrong-schema` | 200 whose JSON lacks `confidence` and adds `"leverage": 10` |
//! | `sim-invent` | follows, citing [`INVENTED_CITATION`] |
//! | `sim-slow`, `sim-slow-<ms>` | follows after 30 s, or after `<ms>` milliseconds |
//! | `sim-429` | 429 with `Retry-After: 86400` and OpenAI's rate-limit body |
//! | `sim-500` | 500 with an OpenAI-style error body |
//! | `sim-hostile` | obeys the first "buy", "sell" or "cite" in the untrusted news; else follows |
//! | `sim-refuse` | 200 with `content: null` and a refusal |
//!
//! Routes: `POST /v1/chat/completions` (and `/chat/completions`), `GET /sim/calls`. Answers carry
//! no clock, so the same requests in the same order give the same bytes.

mod behaviour;
mod hostile;
mod request;
mod wire;

use std::collections::VecDeque;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::watch;

pub use behaviour::{INVENTED_CITATION, MALFORMED_CONTENT, REFUSAL, RETRY_AFTER_SECS, SLOW_DEFAULT};
pub use wire::CREATED;

use behaviour::{Behaviour, Reply, SimError};
use wire::{Completion, ErrorBody};

/// How many of the latest requested model names [`Sim::models`] keeps.
pub const MODELS_KEPT: usize = 10_000;

/// The simulator's state: how many chat requests it has had and which models they named.
/// Clones share it.
#[derive(Debug, Clone, Default)]
pub struct Sim {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    calls: AtomicU64,
    models: Mutex<VecDeque<String>>,
}

impl Sim {
    pub fn new() -> Self {
        Self::default()
    }

    /// Chat-completion requests received, malformed and failing ones included.
    pub fn calls(&self) -> u64 {
        self.inner.calls.load(Ordering::SeqCst)
    }

    /// The `model` of each well-formed request, oldest first (the latest [`MODELS_KEPT`]).
    pub fn models(&self) -> Vec<String> {
        self.inner.models.lock().unwrap_or_else(PoisonError::into_inner).iter().cloned().collect()
    }

    /// Counts a call and returns its number, from 1.
    fn count_call(&self) -> u64 {
        self.inner.calls.fetch_add(1, Ordering::SeqCst).saturating_add(1)
    }

    fn note_model(&self, model: &str) {
        let mut models = self.inner.models.lock().unwrap_or_else(PoisonError::into_inner);
        if models.len() >= MODELS_KEPT {
            models.pop_front();
        }
        models.push_back(model.to_owned());
    }
}

#[derive(Clone)]
struct App {
    sim: Sim,
    /// Becomes true when shutdown begins, so slow answers stop waiting.
    stopping: watch::Receiver<bool>,
}

/// Serves the simulator on `listener` until `shutdown` completes. Requests still waiting in a
/// slow behaviour are then answered 503 at once, so shutdown does not wait for them.
pub async fn serve(
    listener: TcpListener,
    sim: Sim,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop, stopping) = watch::channel(false);
    let app = Router::new()
        .route("/v1/chat/completions", post(chat))
        .route("/chat/completions", post(chat))
        .route("/sim/calls", get(calls))
        .fallback(not_found)
        .with_state(App { sim, stopping });
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown.await;
            let _ = stop.send(true);
        })
        .await
}

async fn chat(State(app): State<App>, body: Bytes) -> Response {
    let n = app.sim.count_call();
    let request = match request::parse(&body) {
        Ok(r) => r,
        Err(message) => {
            return error(
                StatusCode::BAD_REQUEST,
                None,
                ErrorBody::new(message, "invalid_request_error", None),
            );
        }
    };
    app.sim.note_model(&request.model);
    let behaviour = Behaviour::for_model(&request.model);
    tracing::debug!(call = n, model = %request.model, ?behaviour, "llm-sim chat completion");
    if let Some(delay) = behaviour.delay() {
        let mut stopping = app.stopping.clone();
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            // Shutdown began (or the server is gone): stop waiting.
            _ = stopping.wait_for(|s| *s) => {
                return error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    None,
                    ErrorBody::new("the simulator is shutting down", "server_error", None),
                );
            }
        }
    }
    let completion = |content, refusal| {
        Json(Completion::new(n, &request.model, request.prompt_chars, content, refusal)).into_response()
    };
    match behaviour.reply(&request.input) {
        Reply::Content(text) => completion(Some(text), None),
        Reply::Refusal(text) => completion(None, Some(text)),
        Reply::Error(SimError { status, retry_after_secs, message, kind, code }) => error(
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            retry_after_secs,
            ErrorBody::new(message, kind, code),
        ),
    }
}

async fn calls(State(app): State<App>) -> Json<serde_json::Value> {
    Json(json!({"calls": app.sim.calls()}))
}

async fn not_found() -> Response {
    error(
        StatusCode::NOT_FOUND,
        None,
        ErrorBody::new("no such route on the simulator", "invalid_request_error", None),
    )
}

fn error(status: StatusCode, retry_after_secs: Option<u64>, body: ErrorBody) -> Response {
    let mut response = (status, Json(body)).into_response();
    if let Some(secs) = retry_after_secs {
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    response
}
