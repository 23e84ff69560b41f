//! The WebSocket API (`/ws-api/v3`): JSON requests `{"id","method","params"}` answered with
//! `{"id","status","result"|"error","rateLimits"}`. Signed methods carry `apiKey`, `timestamp`
//! and a `signature` over their sorted, unencoded parameters. `userDataStream.subscribe.signature`
//! starts pushing this account's executionReports as `{"subscriptionId","event"}`.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use tokio::sync::broadcast::error::RecvError;
use tokio_tungstenite::tungstenite::Message;

use super::{Socket, upgrade};
use crate::auth;
use crate::error::ApiError;
use crate::params::Params;
use crate::rest::trading;
use crate::server::{Shared, now_ms};

pub(super) async fn handler(State(sim): State<Arc<Shared>>, req: Request) -> Response {
    upgrade(req, move |ws| session(sim, ws))
}

struct Session {
    subscription: Option<u64>,
    next_subscription: u64,
}

async fn session(sim: Arc<Shared>, ws: Socket) {
    let (mut sink, mut incoming) = ws.split();
    let mut events = sim.user_events.subscribe();
    let mut state = Session { subscription: None, next_subscription: 0 };
    let mut ping =
        tokio::time::interval_at(tokio::time::Instant::now() + sim.config.ping_every, sim.config.ping_every);
    loop {
        tokio::select! {
            msg = incoming.next() => match msg {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return,
                Some(Ok(Message::Ping(p))) => {
                    if sink.send(Message::Pong(p)).await.is_err() {
                        return;
                    }
                }
                Some(Ok(Message::Text(t))) => {
                    let reply = request(&sim, &mut state, t.as_str()).await;
                    if sink.send(Message::text(reply.to_string())).await.is_err() {
                        return;
                    }
                }
                Some(Ok(_)) => {}
            },
            event = events.recv() => match event {
                Ok(e) => {
                    if let Some(id) = state.subscription {
                        let frame = json!({ "subscriptionId": id, "event": *e });
                        if sink.send(Message::text(frame.to_string())).await.is_err() {
                            return;
                        }
                    }
                }
                Err(RecvError::Lagged(n)) => tracing::warn!(missed = n, "a user-data subscriber fell behind"),
                Err(RecvError::Closed) => return,
            },
            _ = ping.tick() => {
                if sink.send(Message::Ping(Vec::new().into())).await.is_err() {
                    return;
                }
            }
        }
    }
}

fn rate_limits(sim: &Shared) -> Value {
    json!([{
        "rateLimitType": "REQUEST_WEIGHT",
        "interval": "MINUTE",
        "intervalNum": 1,
        "limit": sim.config.weight_per_minute,
        "count": sim.limits.used_weight(now_ms())
    }])
}

async fn request(sim: &Arc<Shared>, state: &mut Session, text: &str) -> Value {
    let Ok(req) = serde_json::from_str::<Value>(text) else {
        return json!({ "id": null, "status": 400, "error": { "code": -1135, "msg": "Invalid JSON Request" } });
    };
    let id = req.get("id").cloned().unwrap_or(Value::Null);
    let method = req.get("method").and_then(Value::as_str).unwrap_or("").trim_start_matches("v3/").to_owned();
    let params = req.get("params").and_then(Value::as_object).map(Params::from_json).unwrap_or_default();
    match call(sim, state, &method, &params).await {
        Ok(result) => json!({ "id": id, "status": 200, "result": result, "rateLimits": rate_limits(sim) }),
        Err(e) => {
            sim.count_error(e.status.as_u16(), e.code);
            let mut v = json!({ "id": id, "status": e.status.as_u16(), "error": { "code": e.code, "msg": e.msg }, "rateLimits": rate_limits(sim) });
            if let (Some(s), Some(o)) = (e.retry_after_s, v.as_object_mut()) {
                o.insert("retryAfter".into(), json!(now_ms() + s as i64 * 1000));
            }
            v
        }
    }
}

/// Weight, then authentication for signed methods, then the method.
async fn call(sim: &Arc<Shared>, state: &mut Session, method: &str, p: &Params) -> Result<Value, ApiError> {
    let (weight, signed) = match method {
        "ping" | "time" => (1, false),
        "userDataStream.subscribe.signature" => (2, true),
        "userDataStream.unsubscribe" => (2, false),
        "order.place" | "order.cancel" => (1, true),
        "order.status" => (4, true),
        "openOrders.status" => (6, true),
        "account.status" => (20, true),
        _ => return Err(ApiError::new(StatusCode::BAD_REQUEST, -1020, "This operation is not supported.")),
    };
    // As over REST: limits on the wall clock, the timestamp check and `time` on the venue's.
    let now = now_ms();
    sim.limits.charge(weight, now)?;
    if signed {
        auth::check_api_key(&sim.config, p.get("apiKey"))?;
        let signature = p.require("signature")?;
        auth::check_signature(&sim.config, p.sorted_payload().as_bytes(), signature)?;
        auth::check_timestamp(p, sim.now())?;
    }
    match method {
        "ping" => Ok(json!({})),
        "time" => Ok(json!({ "serverTime": sim.now() })),
        "userDataStream.subscribe.signature" => {
            if state.subscription.is_some() {
                return Err(ApiError::bad(-2035, "User Data Stream subscription already active."));
            }
            let n = state.next_subscription;
            state.next_subscription += 1;
            state.subscription = Some(n);
            Ok(json!({ "subscriptionId": n }))
        }
        "userDataStream.unsubscribe" => {
            state.subscription = None;
            Ok(json!({}))
        }
        "order.place" => trading::new_order(sim, p, now).await.map(|r| r.body),
        "order.cancel" => trading::cancel_order(sim, p, now),
        "order.status" => trading::query_order(sim, p),
        "openOrders.status" => trading::open_orders(sim, p),
        _ => trading::account(sim, p, now),
    }
}
