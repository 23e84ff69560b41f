//! Test stand-ins (feature `testing`), on 127.0.0.1: a webhook that answers from a script of statuses, and a Telegram Bot API
//! (`sendMessage`, `getUpdates`) that checks the bot token in the path and serves queued updates.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

pub const TOKEN: &str = "123456:AAE-fake_bot_token_for_tests";

async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("fake server");
    let base = format!("http://{}", listener.local_addr().expect("fake server"));
    tokio::spawn(async move { axum::serve(listener, app).await.expect("fake server") });
    base
}

#[derive(Clone, Debug, Default)]
struct Hook {
    /// Statuses to answer before answering 200.
    script: Arc<Mutex<VecDeque<u16>>>,
    /// Every request's JSON body and the status it got.
    seen: Arc<Mutex<Vec<(Value, u16)>>>,
}

#[derive(Debug)]
pub struct FakeWebhook {
    pub url: String,
    hook: Hook,
}

impl FakeWebhook {
    /// Answers each status of `script` in turn, then 200.
    pub async fn start(script: &[u16]) -> Self {
        let hook = Hook { script: Arc::new(Mutex::new(script.iter().copied().collect())), ..Hook::default() };
        let app = Router::new().fallback(webhook).with_state(hook.clone());
        let base = serve(app).await;
        Self { url: format!("{base}/services/T000/B000/hook-secret"), hook }
    }

    /// Texts of the requests answered 200.
    pub fn delivered(&self) -> Vec<String> {
        let seen = self.hook.seen.lock().expect("fake webhook");
        seen.iter()
            .filter(|(_, s)| *s == 200)
            .map(|(b, _)| b["text"].as_str().expect("text").to_owned())
            .collect()
    }

    pub fn attempts(&self) -> usize {
        self.hook.seen.lock().expect("fake webhook").len()
    }

    /// Waits up to `secs` for `n` delivered messages.
    pub async fn wait_for(&self, n: usize, secs: u64) -> Vec<String> {
        wait(secs, || {
            let d = self.delivered();
            (d.len() >= n).then_some(d)
        })
        .await
        .unwrap_or_else(|| panic!("fewer than {n} webhook messages: {:?}", self.delivered()))
    }
}

async fn webhook(State(h): State<Hook>, body: Bytes) -> Response {
    let status = h.script.lock().expect("fake webhook").pop_front().unwrap_or(200);
    let json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    h.seen.lock().expect("fake webhook").push((json, status));
    let body = if status == 200 { "ok" } else { "no_service" };
    (StatusCode::from_u16(status).expect("status"), body).into_response()
}

#[derive(Clone, Debug, Default)]
struct Bot {
    sent: Arc<Mutex<Vec<(i64, String)>>>,
    updates: Arc<Mutex<VecDeque<Value>>>,
    next_id: Arc<Mutex<i64>>,
    /// `sendMessage` answers 429 this many times first.
    throttle: Arc<Mutex<u32>>,
}

#[derive(Debug)]
pub struct FakeTelegram {
    pub base: String,
    bot: Bot,
}

impl FakeTelegram {
    pub async fn start() -> Self {
        let bot = Bot::default();
        let app = Router::new().fallback(telegram).with_state(bot.clone());
        Self { base: serve(app).await, bot }
    }

    /// `sendMessage` answers 429 (`retry_after` 1 s) `n` times before it delivers.
    pub fn throttle(&self, n: u32) {
        *self.bot.throttle.lock().expect("fake telegram") = n;
    }

    /// Queues a text message from `chat`, sent now.
    pub fn say(&self, chat: i64, text: &str) {
        let mut id = self.bot.next_id.lock().expect("fake telegram");
        *id += 1;
        let now =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs();
        self.bot.updates.lock().expect("fake telegram").push_back(json!({
            "update_id": *id,
            "message": { "message_id": *id, "date": now, "chat": { "id": chat, "type": "private" }, "text": text }
        }));
    }

    /// (chat id, text) of every message the bot sent.
    pub fn sent(&self) -> Vec<(i64, String)> {
        self.bot.sent.lock().expect("fake telegram").clone()
    }

    /// Waits up to `secs` for a sent message that satisfies `f`.
    pub async fn wait_for(&self, secs: u64, f: impl Fn(&(i64, String)) -> bool) -> (i64, String) {
        wait(secs, || self.sent().into_iter().find(|m| f(m)))
            .await
            .unwrap_or_else(|| panic!("no such Telegram message among {:?}", self.sent()))
    }
}

async fn telegram(State(bot): State<Bot>, uri: Uri, body: Bytes) -> Response {
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let Some(method) = uri.path().strip_prefix(&format!("/bot{TOKEN}/")) else {
        return (StatusCode::UNAUTHORIZED, r#"{"ok":false,"error_code":401,"description":"Unauthorized"}"#)
            .into_response();
    };
    let ok = |result: Value| json!({ "ok": true, "result": result }).to_string().into_response();
    match method {
        "sendMessage" => {
            {
                let mut t = bot.throttle.lock().expect("fake telegram");
                if *t > 0 {
                    *t -= 1;
                    let said = json!({ "ok": false, "error_code": 429, "description": "Too Many Requests: retry after 1", "parameters": { "retry_after": 1 } });
                    return (StatusCode::TOO_MANY_REQUESTS, said.to_string()).into_response();
                }
            }
            let chat = body["chat_id"].as_i64().expect("chat_id");
            let text = body["text"].as_str().expect("text").to_owned();
            bot.sent.lock().expect("fake telegram").push((chat, text));
            ok(json!({ "message_id": 1 }))
        }
        "getUpdates" => {
            let offset = body["offset"].as_i64().unwrap_or(0);
            let pending: Vec<Value> = {
                let mut q = bot.updates.lock().expect("fake telegram");
                q.retain(|u| u["update_id"].as_i64().unwrap_or(0) >= offset);
                q.iter().cloned().collect()
            };
            if pending.is_empty() {
                // A short long poll: tests should not wait 25 s for nothing.
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            ok(Value::Array(pending))
        }
        _ => (StatusCode::NOT_FOUND, r#"{"ok":false,"error_code":404,"description":"Not Found"}"#)
            .into_response(),
    }
}

/// Polls `f` every 20 ms for up to `secs`.
pub async fn wait<T>(secs: u64, f: impl Fn() -> Option<T>) -> Option<T> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if tokio::time::Instant::now() > deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
