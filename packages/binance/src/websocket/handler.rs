//! The loop that owns one market-stream socket: decodes its frames into events (`frames` answers
//! pings) and returns why the connection ended (dropped, idle, rotated before the 24 h cut, or
//! stopped).

use std::time::Duration;

use mirai_core::Timestamp;
use tokio::sync::{mpsc, watch};

use super::client::StreamEvent;
use super::frames::{Ended, next_text};
use super::messages::{MarketMessage, decode_market};
use super::parse;
use crate::common::time::local_millis;

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
        let text = match next_text(&mut ws, stop, rotate_at, idle_timeout).await {
            Ok(text) => text,
            Err(ended) => return ended,
        };
        if let Some(event) = to_event(text.as_str())
            && tx.send(event).await.is_err()
        {
            let _ = ws.close(None).await;
            return Ended::Stopped;
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
