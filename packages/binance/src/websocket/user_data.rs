//! `UserDataStream`: order and balance events through the WebSocket API. listenKey streams are
//! retired (testnet 2026-02-04, live 2026-02-20), so the stream subscribes with
//! `userDataStream.subscribe.signature` on a WebSocket API connection, and re-subscribes after
//! every reconnect. Events missed while disconnected are not replayed by Binance: consumers
//! should query their open orders on each `Subscribed`.

use std::collections::HashMap;
use std::time::Duration;

use futures_util::SinkExt as _;
use mirai_core::{Asset, Symbol, Timestamp};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;

use mirai_core::Backoff;

use super::backoff;
use super::frames::{Ended, next_text};
use super::messages::{ExecutionReportEvent, WsApiMessage, WsApiRequest, decode_ws_api};
use super::parse::{OrderUpdate, order_update};
use crate::common::credential::{Credential, SharedCredential};
use crate::common::time::{ServerClock, local_millis};
use crate::http::query::ws_api_payload;

#[derive(Clone, Debug)]
pub struct UserDataConfig {
    /// The full WebSocket API URL, e.g. `wss://ws-api.testnet.binance.vision/ws-api/v3`.
    pub ws_api_url: String,
    pub recv_window_ms: u64,
    pub backoff: Backoff,
    pub max_age: Duration,
    /// The WebSocket API pings every few minutes; silence beyond this means a dead connection.
    pub idle_timeout: Duration,
    pub connect_timeout: Duration,
    /// Base and quote asset per symbol, to value commissions in the quote asset.
    pub assets: HashMap<Symbol, (Asset, Asset)>,
}

impl UserDataConfig {
    pub fn new(ws_api_url: impl Into<String>, assets: HashMap<Symbol, (Asset, Asset)>) -> Self {
        Self {
            ws_api_url: ws_api_url.into(),
            recv_window_ms: 5_000,
            backoff: backoff::default_stream(),
            max_age: Duration::from_secs(23 * 3600 + 50 * 60),
            idle_timeout: Duration::from_secs(600),
            connect_timeout: Duration::from_secs(10),
            assets,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UserDataEvent {
    /// Subscribed (again): anything that happened while down must be queried.
    Subscribed {
        at: Timestamp,
        subscription_id: u64,
        resubscribed: bool,
    },
    Disconnected {
        at: Timestamp,
        reason: String,
    },
    /// An `executionReport`: an order changed state, with its fill on TRADE.
    Order(Box<OrderUpdate>),
    /// Another event type (`outboundAccountPosition`, `balanceUpdate`, …), by name.
    Other(String),
}

#[derive(Debug)]
pub struct UserDataStream {
    rx: mpsc::Receiver<UserDataEvent>,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl UserDataStream {
    /// Connects and subscribes for the account of `credential`, signing with `clock`'s time. A
    /// [`SharedCredential`] replaced meanwhile (a rotated key) signs the next (re)subscription.
    pub fn spawn(
        config: UserDataConfig,
        credential: impl Into<SharedCredential>,
        clock: ServerClock,
    ) -> Self {
        let (tx, rx) = mpsc::channel(1024);
        let (stop, stop_rx) = watch::channel(false);
        let task = tokio::spawn(run(config, credential.into(), clock, tx, stop_rx));
        Self { rx, stop, task: Some(task) }
    }

    pub async fn next(&mut self) -> Option<UserDataEvent> {
        self.rx.recv().await
    }

    pub async fn stop(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for UserDataStream {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// The `userDataStream.subscribe.signature` request: `apiKey`, `timestamp` and `recvWindow`
/// signed over their sorted, unencoded `k=v&…` form.
pub fn subscribe_request(
    id: &str,
    credential: &Credential,
    timestamp_ms: i64,
    recv_window_ms: u64,
) -> WsApiRequest {
    let signed = [
        ("apiKey", credential.api_key().to_owned()),
        ("recvWindow", recv_window_ms.to_string()),
        ("timestamp", timestamp_ms.to_string()),
    ];
    let signature = credential.sign(ws_api_payload(&signed).as_bytes());
    let mut params = serde_json::Map::new();
    params.insert("apiKey".into(), credential.api_key().into());
    params.insert("recvWindow".into(), recv_window_ms.into());
    params.insert("timestamp".into(), timestamp_ms.into());
    params.insert("signature".into(), signature.into());
    WsApiRequest { id: id.to_owned(), method: "userDataStream.subscribe.signature".into(), params }
}

fn now() -> Timestamp {
    Timestamp::from_millis(local_millis())
}

async fn run(
    mut cfg: UserDataConfig,
    credential: SharedCredential,
    clock: ServerClock,
    tx: mpsc::Sender<UserDataEvent>,
    mut stop: watch::Receiver<bool>,
) {
    let mut subscribed_before = false;
    let mut announced_down = false;
    let mut request_number = 0u64;
    loop {
        if *stop.borrow() {
            return;
        }
        request_number += 1;
        let ended = match tokio::time::timeout(
            cfg.connect_timeout,
            tokio_tungstenite::connect_async(cfg.ws_api_url.as_str()),
        )
        .await
        {
            Err(_) => Ended::Dropped("connect timed out".into()),
            Ok(Err(e)) => Ended::Dropped(format!("connect failed: {e}")),
            Ok(Ok((ws, _))) => {
                let started = tokio::time::Instant::now();
                let id = format!("mirai-uds-{request_number}");
                let ended = session(
                    ws,
                    &cfg,
                    &credential.current(),
                    &clock,
                    &id,
                    &tx,
                    &mut stop,
                    &mut subscribed_before,
                    &mut announced_down,
                )
                .await;
                if started.elapsed() > Duration::from_secs(30) {
                    cfg.backoff.reset();
                }
                ended
            }
        };
        let reason = match ended {
            Ended::Stopped => return,
            Ended::Rotated => "rotated before the 24 h limit".to_owned(),
            Ended::Dropped(r) => r,
        };
        if !announced_down {
            tracing::warn!(%reason, "user data stream disconnected");
            if tx.send(UserDataEvent::Disconnected { at: now(), reason: reason.clone() }).await.is_err() {
                return;
            }
            announced_down = true;
        }
        if reason.starts_with("rotated") {
            continue;
        }
        let delay = cfg.backoff.next_delay();
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = stop.changed() => return,
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn session<S>(
    mut ws: tokio_tungstenite::WebSocketStream<S>,
    cfg: &UserDataConfig,
    credential: &Credential,
    clock: &ServerClock,
    id: &str,
    tx: &mpsc::Sender<UserDataEvent>,
    stop: &mut watch::Receiver<bool>,
    subscribed_before: &mut bool,
    announced_down: &mut bool,
) -> Ended
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let request = subscribe_request(id, credential, clock.server_now(), cfg.recv_window_ms);
    let text = match serde_json::to_string(&request) {
        Ok(t) => t,
        Err(e) => return Ended::Dropped(e.to_string()),
    };
    if let Err(e) = ws.send(Message::text(text)).await {
        return Ended::Dropped(format!("subscribe failed: {e}"));
    }
    let rotate_at = tokio::time::Instant::now() + cfg.max_age;
    loop {
        let text = match next_text(&mut ws, stop, rotate_at, cfg.idle_timeout).await {
            Ok(text) => text,
            Err(ended) => return ended,
        };
        let event = match decode_ws_api(text.as_str()) {
            Err(e) => {
                tracing::warn!(error = %e, "undecodable WebSocket API frame skipped");
                continue;
            }
            Ok(WsApiMessage::Response(r)) if r.id.as_ref().and_then(|v| v.as_str()) == Some(id) => {
                if r.status != 200 {
                    let why = r
                        .error
                        .map(|e| format!("{}: {}", e.code, e.msg))
                        .unwrap_or_else(|| format!("status {}", r.status));
                    tracing::error!(%why, "user data subscription refused");
                    let _ = ws.close(None).await;
                    return Ended::Dropped(format!("subscription refused: {why}"));
                }
                let subscription_id = r
                    .result
                    .as_ref()
                    .and_then(|v| v.get("subscriptionId"))
                    .and_then(serde_json::Value::as_u64)
                    .unwrap_or(0);
                let event = UserDataEvent::Subscribed {
                    at: now(),
                    subscription_id,
                    resubscribed: *subscribed_before,
                };
                *subscribed_before = true;
                *announced_down = false;
                event
            }
            Ok(WsApiMessage::Response(_)) => continue,
            Ok(WsApiMessage::Event(env)) => match to_event(&env.event, &cfg.assets) {
                Some(e) => e,
                None => continue,
            },
        };
        if tx.send(event).await.is_err() {
            let _ = ws.close(None).await;
            return Ended::Stopped;
        }
    }
}

fn to_event(event: &serde_json::Value, assets: &HashMap<Symbol, (Asset, Asset)>) -> Option<UserDataEvent> {
    let kind = event.get("e").and_then(serde_json::Value::as_str).unwrap_or("unknown");
    if kind != "executionReport" {
        return Some(UserDataEvent::Other(kind.to_owned()));
    }
    let report: ExecutionReportEvent = match serde_json::from_value(event.clone()) {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "undecodable executionReport");
            return None;
        }
    };
    let pair = Symbol::new_checked(&report.symbol).ok().and_then(|s| assets.get(&s).copied());
    // Without the symbol's assets the commission cannot be valued; quote-only valuation is the
    // honest fallback (a base or BNB commission then counts as zero, with a warning).
    let pair = pair.unwrap_or((Asset::new("UNKNOWNBASE"), Asset::new("UNKNOWNQUOTE")));
    match order_update(&report, pair) {
        Ok(u) => Some(UserDataEvent::Order(Box::new(u))),
        Err(e) => {
            tracing::error!(error = %e, "invalid executionReport");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_subscription_is_signed_over_sorted_unencoded_params() {
        let c = Credential::hmac(
            "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A",
            "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j",
        )
        .unwrap();
        let req = subscribe_request("1", &c, 1_649_729_878_532, 5000);
        assert_eq!(req.method, "userDataStream.subscribe.signature");
        let expected = c.sign(
            b"apiKey=vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A&recvWindow=5000&timestamp=1649729878532",
        );
        assert_eq!(req.params["signature"], serde_json::Value::String(expected));
        assert_eq!(req.params["timestamp"], serde_json::json!(1_649_729_878_532_i64));
        let json = serde_json::to_string(&req).unwrap();
        assert!(!json.contains("NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"));
    }
}
