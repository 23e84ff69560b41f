//! The local web server: HTTP/1.1 on 127.0.0.1 mounting the same `mirai_web::handle` the Vercel
//! functions use, plus the worker's `/internal/v1` control API when a service token is set,
//! `/healthz` for `mirai health` and container health checks, and `/metrics` for Prometheus
//! (with the service token). Every request is counted by route template and status, with its
//! latency (`crate::metrics`).
//!
//! The accept loop is ours (hyper's connection builder, not `axum::serve`) because a server
//! reached directly needs what `axum::serve` does not set: a deadline on the request headers, one
//! on the body, and a cap on open connections, so that slow or idle clients cannot hold the
//! dashboard's sockets (SECURITY.md says what a proxy in front must add).
//!
//! The client address the login limiter and audit see is the socket peer, never a header: this
//! server is reached directly, so `X-Forwarded-For` is whatever the client chose to send.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderValue, Request, Response, header};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use mirai_web::{ApiError, Backend, ClientAddr, Ctx, MAX_BODY_BYTES, handle, handle_control_api_limited};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use secrecy::{ExposeSecret, SecretString};

use crate::metrics::{METRICS_PATH, Metrics, route_label};

/// How long open requests get to finish once the server is told to stop.
const DRAIN: Duration = Duration::from_secs(5);

/// The worker's own health check, without credentials (see [`App::health`]).
pub const HEALTH_PATH: &str = "/healthz";

/// What one client may hold of the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HttpLimits {
    /// `HTTP_HEADER_TIMEOUT_SECS`: a request's headers must arrive within this, counted from when
    /// the server starts waiting for them (a new connection, or the next request on a kept-alive
    /// one); otherwise the connection is closed.
    pub header_timeout: Duration,
    /// `HTTP_BODY_TIMEOUT_SECS`: the body must arrive within this after the headers; otherwise
    /// 408 and the connection is closed.
    pub body_timeout: Duration,
    /// `HTTP_MAX_CONNECTIONS`: connections served at once; more wait in the kernel's backlog.
    pub max_connections: usize,
}

impl Default for HttpLimits {
    /// 10 s each (a dashboard's requests take milliseconds; Vercel's whole request has 10 s) and
    /// 256 connections (a few browsers and one web tier use a handful).
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(10),
            max_connections: 256,
        }
    }
}

/// What every request is served with.
#[derive(Clone)]
#[allow(missing_debug_implementations)] // holds the login context and a trait object: nothing to print
pub struct App {
    ctx: Arc<Ctx>,
    backend: Arc<dyn Backend>,
    service_token: Option<SecretString>,
    limits: HttpLimits,
    metrics: Arc<Metrics>,
}

impl App {
    pub fn new(
        ctx: Arc<Ctx>,
        backend: Arc<dyn Backend>,
        service_token: Option<SecretString>,
        limits: HttpLimits,
        metrics: Arc<Metrics>,
    ) -> Self {
        Self { ctx, backend, service_token, limits, metrics }
    }

    /// Serves connections from `listener` until `shutdown` completes, then lets open requests
    /// finish for a few seconds.
    pub async fn serve(self, listener: TcpListener, shutdown: impl Future<Output = ()>) {
        let slots = Arc::new(Semaphore::new(self.limits.max_connections.max(1)));
        let graceful = GracefulShutdown::new();
        let mut builder = http1::Builder::new();
        builder.timer(TokioTimer::new()).header_read_timeout(self.limits.header_timeout);
        tokio::pin!(shutdown);
        loop {
            let slot = tokio::select! {
                slot = slots.clone().acquire_owned() => match slot {
                    Ok(slot) => slot,
                    Err(_) => break,
                },
                () = &mut shutdown => break,
            };
            let (stream, peer) = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        // Out of file descriptors and the like: pause rather than spin.
                        tracing::warn!(error = %e, "accepting a connection failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
                () = &mut shutdown => break,
            };
            let app = self.clone();
            let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                let app = app.clone();
                async move { Ok::<_, Infallible>(app.respond(peer, req).await) }
            });
            let connection = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
            tokio::spawn(async move {
                // A client that goes away or misses a deadline ends its connection; nothing to report.
                let _ = connection.await;
                drop(slot);
            });
        }
        drop(listener);
        if tokio::time::timeout(DRAIN, graceful.shutdown()).await.is_err() {
            tracing::warn!("some connections were still open {} s after the stop", DRAIN.as_secs());
        }
    }

    /// Answers one request and counts it under its route's template, with the time it took.
    async fn respond(&self, peer: SocketAddr, req: Request<Incoming>) -> Response<Full<Bytes>> {
        let started = Instant::now();
        let route = route_label(req.uri().path());
        let mut resp = self.answer(peer, req).await;
        // The answers made here (`/healthz`, `/metrics`, 408, 413) get the same security headers
        // as the library's; plain http, so no HSTS (a TLS proxy in front sets its own).
        mirai_web::secure_headers(resp.headers_mut(), false);
        self.metrics.http.record(route, resp.status().as_u16(), started.elapsed());
        resp
    }

    async fn answer(&self, peer: SocketAddr, req: Request<Incoming>) -> Response<Full<Bytes>> {
        if req.uri().path() == HEALTH_PATH && req.method() == http::Method::GET {
            return self.health().await;
        }
        let (mut parts, body) = req.into_parts();
        parts.headers.remove("x-forwarded-for");
        parts.extensions.insert(ClientAddr(peer.ip()));
        let collected =
            tokio::time::timeout(self.limits.body_timeout, Limited::new(body, MAX_BODY_BYTES).collect());
        let bytes: Bytes = match collected.await {
            Ok(Ok(collected)) => collected.to_bytes(),
            Ok(Err(_)) => {
                return closing(ApiError::PayloadTooLarge { limit: MAX_BODY_BYTES }.into_response());
            }
            Err(_) => {
                let secs = self.limits.body_timeout.as_secs();
                return closing(ApiError::RequestTimeout { secs }.into_response());
            }
        };
        let req = Request::from_parts(parts, bytes);
        let resp = if req.uri().path().starts_with("/internal/") {
            match &self.service_token {
                // Requests a serverless web tier makes for its users count against the same
                // limits as the worker's own web server's.
                Some(token) => {
                    let (rate, now) = (&self.ctx.rate, self.ctx.auth.now());
                    handle_control_api_limited(self.backend.as_ref(), token.expose_secret(), rate, now, req)
                        .await
                }
                None => ApiError::NotFound.into_response(),
            }
        } else if req.uri().path() == METRICS_PATH {
            crate::metrics::answer(&self.metrics, self.backend.as_ref(), self.service_token.as_ref(), &req)
                .await
        } else {
            handle(&self.ctx, req).await
        };
        resp.map(Full::new)
    }
}

impl App {
    /// `GET /healthz`: 200 `{"status":"ok"}` while the worker serves and may trade (paused or
    /// halted by an operator still counts: that is a decision, not a fault); 503
    /// `{"status":"blocked"}` while it refuses to trade (a broken audit log, an unreachable or
    /// mismatched venue). The reason is not given here, where no one logs in (it can quote the
    /// venue's errors); `/api/status` shows it.
    async fn health(&self) -> Response<Full<Bytes>> {
        let (status, body) = match self.backend.status().await {
            Ok(s) if s.blocked_reason.is_none() => (http::StatusCode::OK, r#"{"status":"ok"}"#),
            Ok(_) => (http::StatusCode::SERVICE_UNAVAILABLE, r#"{"status":"blocked"}"#),
            Err(_) => (http::StatusCode::SERVICE_UNAVAILABLE, r#"{"status":"unavailable"}"#),
        };
        let mut resp = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
        *resp.status_mut() = status;
        let headers = resp.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        resp
    }
}

/// A response after which the connection is closed: the rest of the request body was never
/// read, so the connection cannot carry another request.
fn closing(resp: Response<Bytes>) -> Response<Full<Bytes>> {
    let mut resp = resp.map(Full::new);
    resp.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    resp
}
