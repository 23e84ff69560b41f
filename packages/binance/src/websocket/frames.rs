//! Reading one socket's frames: the part every socket loop shares. It answers pings (Binance pings
//! every 20 s and cuts a connection that does not answer within a minute), closes the socket when
//! the owner stops or the connection is due for rotation, and says why a connection ended.

use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

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

/// The next text frame, or why the connection ended. Pings are answered and other control or
/// binary frames skipped on the way.
pub(crate) async fn next_text<S>(
    ws: &mut WebSocketStream<S>,
    stop: &mut watch::Receiver<bool>,
    rotate_at: Instant,
    idle_timeout: Duration,
) -> Result<Utf8Bytes, Ended>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    loop {
        let frame = tokio::select! {
            biased;
            _ = stop.changed() => {
                let _ = ws.close(None).await;
                return Err(Ended::Stopped);
            }
            _ = tokio::time::sleep_until(rotate_at) => {
                let _ = ws.close(None).await;
                return Err(Ended::Rotated);
            }
            f = tokio::time::timeout(idle_timeout, ws.next()) => f,
        };
        match frame {
            Err(_) => return Err(Ended::Dropped(format!("no frame for {} s", idle_timeout.as_secs()))),
            Ok(None) => return Err(Ended::Dropped("connection closed".into())),
            Ok(Some(Err(e))) => return Err(Ended::Dropped(e.to_string())),
            Ok(Some(Ok(Message::Text(text)))) => return Ok(text),
            Ok(Some(Ok(Message::Ping(payload)))) => {
                if let Err(e) = ws.send(Message::Pong(payload)).await {
                    return Err(Ended::Dropped(format!("pong failed: {e}")));
                }
            }
            Ok(Some(Ok(Message::Close(frame)))) => {
                let why = frame
                    .map(|f| format!("closed by server: {} {}", u16::from(f.code), f.reason))
                    .unwrap_or_else(|| "closed by server".into());
                return Err(Ended::Dropped(why));
            }
            Ok(Some(Ok(Message::Pong(_) | Message::Binary(_) | Message::Frame(_)))) => {}
        }
    }
}
