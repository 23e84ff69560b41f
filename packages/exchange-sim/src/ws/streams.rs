//! Market streams: `/ws/<stream>` (raw), `/stream?streams=a/b` (combined, wrapped in
//! `{"stream":…,"data":…}`), and `/ws` with live SUBSCRIBE/UNSUBSCRIBE/LIST_SUBSCRIPTIONS. The
//! server pings on a timer, as Binance does every 20 s.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::extract::{Path, RawQuery, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use tokio::sync::broadcast::Receiver;
use tokio::sync::broadcast::error::RecvError;
use tokio_tungstenite::tungstenite::Message;

use super::{Socket, upgrade};
use crate::market::Tick;
use crate::render::stream_event;
use crate::server::{Shared, now_ms};

pub(super) async fn raw(
    State(sim): State<Arc<Shared>>,
    Path(streams): Path<String>,
    req: Request,
) -> Response {
    open(sim, split(&streams, '/'), false, req)
}

pub(super) async fn raw_bare(State(sim): State<Arc<Shared>>, req: Request) -> Response {
    open(sim, Vec::new(), false, req)
}

pub(super) async fn combined(
    State(sim): State<Arc<Shared>>,
    RawQuery(q): RawQuery,
    req: Request,
) -> Response {
    let streams = q
        .unwrap_or_default()
        .split('&')
        .find_map(|kv| kv.strip_prefix("streams="))
        .map(|s| split(s, '/'))
        .unwrap_or_default();
    open(sim, streams, true, req)
}

fn split(s: &str, sep: char) -> Vec<String> {
    s.split(sep).filter(|x| !x.is_empty()).map(|x| x.to_owned()).collect()
}

fn open(sim: Arc<Shared>, streams: Vec<String>, combined: bool, req: Request) -> Response {
    if !*sim.streams_up.borrow() {
        return (StatusCode::SERVICE_UNAVAILABLE, "streams are down").into_response();
    }
    sim.stream_connections.fetch_add(1, Ordering::Relaxed);
    // Subscribed before the handshake answer, so no bar published after the client sees the
    // connection open can be missed.
    let ticks = sim.ticks.subscribe();
    upgrade(req, move |ws| session(sim, ws, ticks, streams, combined))
}

async fn session(
    sim: Arc<Shared>,
    ws: Socket,
    mut ticks: Receiver<Arc<Vec<Tick>>>,
    mut streams: Vec<String>,
    combined: bool,
) {
    let mut up = sim.streams_up.subscribe();
    let mut ping =
        tokio::time::interval_at(tokio::time::Instant::now() + sim.config.ping_every, sim.config.ping_every);
    let (mut sink, mut incoming) = ws.split();
    let interval = sim.config.interval.clone();
    loop {
        tokio::select! {
            // A cut wins over pending bars: what is published after it is lost, as on a real drop.
            biased;
            _ = up.changed() => {
                if !*up.borrow() {
                    // An abrupt cut, like a network drop: no close handshake.
                    return;
                }
            }
            batch = ticks.recv() => match batch {
                Ok(batch) => {
                    for tick in batch.iter() {
                        for name in &streams {
                            let Some(event) = stream_event(name, tick, &interval) else { continue };
                            let frame = if combined { json!({ "stream": name, "data": event }) } else { event };
                            if sink.send(Message::text(frame.to_string())).await.is_err() {
                                return;
                            }
                        }
                    }
                }
                Err(RecvError::Lagged(n)) => tracing::warn!(missed = n, "a stream client fell behind; bars skipped"),
                Err(RecvError::Closed) => return,
            },
            _ = ping.tick() => {
                if sink.send(Message::Ping(now_ms().to_string().into_bytes().into())).await.is_err() {
                    return;
                }
            }
            msg = incoming.next() => match msg {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return,
                Some(Ok(Message::Ping(p))) => {
                    if sink.send(Message::Pong(p)).await.is_err() {
                        return;
                    }
                }
                Some(Ok(Message::Text(t))) => {
                    let reply = command(&mut streams, t.as_str());
                    if sink.send(Message::text(reply.to_string())).await.is_err() {
                        return;
                    }
                }
                Some(Ok(_)) => {}
            },
        }
    }
}

/// SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS, answered as Binance does.
fn command(streams: &mut Vec<String>, text: &str) -> Value {
    let Ok(req) = serde_json::from_str::<Value>(text) else {
        return json!({ "code": 3, "msg": "Invalid JSON: expected value at line 1 column 1" });
    };
    let id = req.get("id").cloned().unwrap_or(Value::Null);
    let names: Vec<String> = req
        .get("params")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    match req.get("method").and_then(Value::as_str) {
        Some("SUBSCRIBE") => {
            for n in names {
                if !streams.contains(&n) {
                    streams.push(n);
                }
            }
            json!({ "result": null, "id": id })
        }
        Some("UNSUBSCRIBE") => {
            streams.retain(|s| !names.contains(s));
            json!({ "result": null, "id": id })
        }
        Some("LIST_SUBSCRIPTIONS") => json!({ "result": streams, "id": id }),
        _ => json!({ "code": 2, "msg": "Invalid request: unknown method", "id": id }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_subscriptions_follow_commands() {
        let mut s = vec!["btcusdt@trade".to_owned()];
        assert_eq!(
            command(&mut s, r#"{"method":"SUBSCRIBE","params":["ethusdt@trade"],"id":1}"#),
            json!({"result": null, "id": 1})
        );
        assert_eq!(
            command(&mut s, r#"{"method":"LIST_SUBSCRIPTIONS","id":2}"#)["result"],
            json!(["btcusdt@trade", "ethusdt@trade"])
        );
        command(&mut s, r#"{"method":"UNSUBSCRIBE","params":["btcusdt@trade"],"id":3}"#);
        assert_eq!(s, vec!["ethusdt@trade".to_owned()]);
        assert_eq!(command(&mut s, "nope")["code"], json!(3));
    }
}
