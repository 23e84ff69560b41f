//! The local web server: axum on 127.0.0.1 mounting the same `mirai_web::handle` the Vercel
//! functions use, plus the worker's `/internal/v1` control API when a service token is set.
//! The client address the login limiter and audit see is the socket peer, never a header: this
//! server is reached directly, so `X-Forwarded-For` is whatever the client chose to send.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyExt, Limited};
use mirai_web::{ApiError, Backend, ClientAddr, Ctx, MAX_BODY_BYTES, handle, handle_control_api};

use crate::secret::Secret;

#[derive(Clone)]
struct State {
    ctx: Arc<Ctx>,
    backend: Arc<dyn Backend>,
    service_token: Option<Secret>,
}

pub fn router(ctx: Arc<Ctx>, backend: Arc<dyn Backend>, service_token: Option<Secret>) -> Router {
    let state = State { ctx, backend, service_token };
    Router::new().fallback(move |req: Request<Body>| {
        let state = state.clone();
        async move { serve(state, req).await }
    })
}

async fn serve(state: State, req: Request<Body>) -> Response<Body> {
    let (mut parts, body) = req.into_parts();
    parts.headers.remove("x-forwarded-for");
    if let Some(ConnectInfo(peer)) = parts.extensions.get::<ConnectInfo<SocketAddr>>().copied() {
        parts.extensions.insert(ClientAddr(peer.ip()));
    }
    let bytes: Bytes = match Limited::new(body, MAX_BODY_BYTES).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => return ApiError::PayloadTooLarge { limit: MAX_BODY_BYTES }.into_response().map(Body::from),
    };
    let req = Request::from_parts(parts, bytes);
    let resp = if req.uri().path().starts_with("/internal/") {
        match &state.service_token {
            Some(token) => handle_control_api(state.backend.as_ref(), token.expose(), req).await,
            None => ApiError::NotFound.into_response(),
        }
    } else {
        handle(&state.ctx, req).await
    };
    resp.map(Body::from)
}
