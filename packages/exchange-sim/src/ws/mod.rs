//! WebSockets on the REST port: the HTTP upgrade done with hyper and tungstenite directly (one
//! tungstenite version in the tree), market streams under `/ws` and `/stream`, and the WebSocket
//! API under `/ws-api/v3`.

mod api;
mod streams;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::Role;

use crate::server::Shared;

pub(crate) type Socket = WebSocketStream<TokioIo<Upgraded>>;

pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/ws", get(streams::raw_bare))
        .route("/ws/{*streams}", get(streams::raw))
        .route("/stream", get(streams::combined))
        .route("/ws-api/v3", get(api::handler))
}

fn header_has(req: &Request, name: header::HeaderName, token: &str) -> bool {
    req.headers()
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case(token))
}

/// Answers a WebSocket handshake (RFC 6455) and runs `on_socket` on the upgraded connection.
pub(crate) fn upgrade<F, Fut>(mut req: Request, on_socket: F) -> Response
where
    F: FnOnce(Socket) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let key = req.headers().get(header::SEC_WEBSOCKET_KEY).map(|k| k.as_bytes().to_vec());
    let is_upgrade =
        header_has(&req, header::CONNECTION, "upgrade") && header_has(&req, header::UPGRADE, "websocket");
    let Some(key) = key.filter(|_| is_upgrade) else {
        return (StatusCode::BAD_REQUEST, "expected a WebSocket upgrade").into_response();
    };
    let accept = derive_accept_key(&key);
    let on_upgrade = hyper::upgrade::on(&mut req);
    tokio::spawn(async move {
        match on_upgrade.await {
            Ok(upgraded) => {
                let ws = WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, None).await;
                on_socket(ws).await;
            }
            Err(e) => tracing::debug!(error = %e, "websocket upgrade failed"),
        }
    });
    Response::builder()
        .status(StatusCode::SWITCHING_PROTOCOLS)
        .header(header::UPGRADE, "websocket")
        .header(header::CONNECTION, "upgrade")
        .header(header::SEC_WEBSOCKET_ACCEPT, accept)
        .body(Body::empty())
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}
