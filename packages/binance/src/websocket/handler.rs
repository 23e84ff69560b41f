//! The loop that owns one market-stream socket: answers pings with pongs, decodes frames into
//! events, and returns why the connection ended (dropped, idle, rotated before the 24 h cut, or
//! stopped).

use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use mirai_core::Timestamp;
use tokio::sync::{mpsc, watch};
use tokio_tungstenite::tungstenite::Message;

use super::client::StreamEvent;
use super::messages::{MarketMessage, decode_market};
use super::parse;
use crate::common::time::local_millis;

/// Why a connection ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ended {
    /// The server closed it, the network dropped it, or it went silent.
    Dropped(String),
    /// We closed it on purpose before Binance's 24-hour cut; reconnect at once.
    Rotated,
    /// The owner asked us to stop, or stopped listening.
    Stopped,
}

pub(crate) async fn run<S>(
    mut ws: tokio_tungstenite::WebSocketStream<S>,
    tx: &mpsc::Sender<StreamEvent>,
    stop: &mut watch::Receiver<bool>,
    max_age: Duration,
    idle_timeout: Duration,
) -> Ended
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let rotate_at = tokio::time::Instant::now() + max_age;
    loop {
        let frame = tokio::select! {
            biased;
            _ = stop.changed() => {
                let _ = ws.close(None).await;
                return Ended::Stopped;
            }
            _ = tokio::time::sleep_until(rotate_at) => {
                let _ = ws.close(None).await;
                return Ended::Rotated;
            }
            f = tokio::time::timeout(idle_timeout, ws.next()) => f,
        };
        let msg = match frame {
            Err(_) => return Ended::Dropped(format!("no frame for {} s", idle_timeout.as_secs())),
            Ok(None) => return Ended::Dropped("connection closed".into()),
            Ok(Some(Err(e))) => return Ended::Dropped(e.to_string()),
            Ok(Some(Ok(m))) => m,
        };
        match msg {
            Message::Text(text) => {
                if let Some(event) = to_event(text.as_str())
                    && tx.send(event).await.is_err()
                {
                    let _ = ws.close(None).await;
                    return Ended::Stopped;
                }
            }
            // Binance pings every 20 s and cuts connections that do not answer within a minute.
            Message::Ping(payload) => {
                if let Err(e) = ws.send(Message::Pong(payload)).await {
                    return Ended::Dropped(format!("pong failed: {e}"));
                }
            }
            Message::Close(frame) => {
                let why = frame
                    .map(|f| format!("closed by server: {} {}", u16::from(f.code), f.reason))
                    .unwrap_or_else(|| "closed by server".into());
                return Ended::Dropped(why);
            }
            Message::Pong(_) | Message::Binary(_) | Message::Frame(_) => {}
        }
    }
}

fn to_event(text: &str) -> Option<StreamEvent> {
    let decoded = match decode_market(text) {
        Ok(m) => m,
        Err(e) => {
            tracing::warn!(error = %e, "undecodable market frame skipped");
            return None;
        }
    };
    let event = match decoded {
        MarketMessage::Kline(k) => parse::candle(&k).map(StreamEvent::Kline),
        MarketMessage::Trade(t) => parse::trade(&t).map(StreamEvent::Trade),
        MarketMessage::BookTicker(b) => {
            parse::quote(&b, Timestamp::from_millis(local_millis())).map(StreamEvent::Quote)
        }
        MarketMessage::CommandResult | MarketMessage::Other(_) => return None,
    };
    event.map_err(|e| tracing::warn!(error = %e, "market frame with invalid values skipped")).ok()
}
