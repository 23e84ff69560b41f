//! `RemoteBackend` against `handle_control_api` served by axum on 127.0.0.1, port 0.

use std::sync::Arc;

use axum::body::Body;
use http::{Request, Response, StatusCode};
use mirai_core::Timestamp;
use mirai_web::{
    Auth, Backend, BackendError, ControlAction, Ctx, MAX_BODY_BYTES, RateLimiter, RatePolicy, RemoteBackend,
    handle_control_api, handle_control_api_limited,
};

use crate::support::*;

pub struct Worker {
    pub url: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serves the control API over `backend` the way the worker mounts it on axum.
pub async fn spawn_worker(backend: Arc<FakeBackend>) -> Worker {
    spawn_limited_worker(backend, None).await
}

/// As [`spawn_worker`], counting requests made on a user's behalf against `rate` as the worker
/// does (`handle_control_api_limited`), when given.
async fn spawn_limited_worker(backend: Arc<FakeBackend>, rate: Option<Arc<RateLimiter>>) -> Worker {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let app = axum::Router::new().fallback(move |req: axum::extract::Request| {
        let (backend, rate) = (backend.clone(), rate.clone());
        async move {
            let (parts, body) = req.into_parts();
            let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY_BYTES).await else {
                let mut too_large = Response::new(Body::empty());
                *too_large.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
                return too_large;
            };
            let req = Request::from_parts(parts, bytes);
            let resp = match &rate {
                Some(rate) => {
                    let now = Timestamp::from_millis(1_700_000_000_000);
                    handle_control_api_limited(backend.as_ref(), SERVICE_TOKEN, rate, now, req).await
                }
                None => handle_control_api(backend.as_ref(), SERVICE_TOKEN, req).await,
            };
            resp.map(Body::from)
        }
    });
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.expect("serve");
    });
    Worker { url: format!("http://{addr}"), task }
}

#[tokio::test]
async fn reads_and_commands_round_trip() {
    let backend = FakeBackend::new();
    let worker = spawn_worker(backend.clone()).await;
    let remote = RemoteBackend::new(&worker.url, SERVICE_TOKEN).expect("remote");

    assert_eq!(remote.status().await.expect("status"), backend.status().await.expect("status"));
    assert_eq!(remote.positions().await.expect("positions"), backend.positions().await.expect("positions"));
    let trades = remote.trades(2).await.expect("trades");
    assert_eq!(trades.len(), 2);
    assert!(trades[0].ts > trades[1].ts, "newest first");

    let after = remote.control(ControlAction::Pause, "alice".into()).await.expect("pause");
    assert!(after.paused);
    let after = remote.control(ControlAction::Kill, "alice".into()).await.expect("kill");
    assert!(after.halted);
    assert_eq!(
        remote.control(ControlAction::Resume, "alice".into()).await,
        Err(BackendError::Refused("the worker is halted; restart it to trade again".to_owned()))
    );
    assert_eq!(backend.actions(), [ControlAction::Pause, ControlAction::Kill, ControlAction::Resume]);
}

#[tokio::test]
async fn failures_map_to_backend_errors() {
    let backend = FakeBackend::new();
    let worker = spawn_worker(backend.clone()).await;

    let wrong = RemoteBackend::new(&worker.url, "another-service-token-0123456789abcdef").expect("remote");
    assert!(matches!(
        wrong.status().await,
        Err(BackendError::Internal(m)) if m.contains("service token")
    ));

    let remote = RemoteBackend::new(&worker.url, SERVICE_TOKEN).expect("remote");
    backend.fail(BackendError::Unavailable("exchange down".into()));
    assert!(matches!(remote.status().await, Err(BackendError::Unavailable(_))));
    // A service behind the worker is down: its message reaches the web tier as it was said.
    let said =
        "news search is unavailable: the vector store or the embedder did not answer; try again shortly";
    backend.fail(BackendError::DependencyUnavailable(said.into()));
    let err = remote.status().await.expect_err("dependency down");
    assert_eq!(err, BackendError::DependencyUnavailable(said.into()));
    assert!(err.is_recoverable());

    // Nothing listening: unavailable, and recoverable.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let gone = RemoteBackend::new(&format!("http://127.0.0.1:{port}"), SERVICE_TOKEN).expect("remote");
    let err = gone.status().await.expect_err("no server");
    assert!(err.is_recoverable(), "{err:?}");
    assert!(!err.to_string().contains(SERVICE_TOKEN));
}

#[tokio::test]
async fn the_web_tier_drives_a_remote_worker_end_to_end() {
    let backend = FakeBackend::new();
    let worker = spawn_worker(backend.clone()).await;
    let auth = Auth::new(USER, PASSWORD, SECRET.as_bytes()).expect("auth");
    let remote = RemoteBackend::new(&worker.url, SERVICE_TOKEN).expect("remote");
    let ctx = Ctx::new(auth, Arc::new(remote));

    let login = call(
        &ctx,
        post("/api/auth/login", None, &format!(r#"{{"username":"{USER}","password":"{PASSWORD}"}}"#)),
    )
    .await;
    let token = login.json()["token"].as_str().expect("token").to_owned();
    let s = call(&ctx, get("/api/status", Some(&token))).await;
    assert_eq!(s.status, StatusCode::OK, "{}", s.text);
    assert_eq!(s.json()["equity"], "10012.5");
    let t = call(&ctx, get("/api/trades?limit=3", Some(&token))).await;
    assert_eq!(t.json()["trades"][0]["trade_id"], "3");
    let k = call(&ctx, post("/api/control", Some(&token), r#"{"action":"kill"}"#)).await;
    assert_eq!(k.status, StatusCode::OK);
    assert_eq!(k.json()["halted"], true);
    let r = call(&ctx, post("/api/control", Some(&token), r#"{"action":"resume"}"#)).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(backend.actions(), [ControlAction::Kill, ControlAction::Resume]);
}

/// Two serverless instances of the web tier in front of one worker: each counts a user's requests
/// on its own, and the worker counts them together, so the user's limit holds however many
/// instances the platform starts. Requests made on no user's behalf (the sign-in) are not counted.
#[tokio::test]
async fn a_users_requests_through_every_instance_count_against_one_limit() {
    let policy = RatePolicy::new(4, 1_000).unwrap_or_else(|e| panic!("{e:?}"));
    let worker = spawn_limited_worker(FakeBackend::new(), Some(Arc::new(RateLimiter::new(policy)))).await;
    let instance = || {
        let remote = RemoteBackend::new(&worker.url, SERVICE_TOKEN).unwrap_or_else(|e| panic!("{e}"));
        let auth = Auth::new(USER, PASSWORD, SECRET.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        Ctx::new(auth, Arc::new(remote)).with_rate_limiter(RateLimiter::new(policy))
    };
    let (a, b) = (instance(), instance());
    let body = format!(r#"{{"username":"{USER}","password":"{PASSWORD}"}}"#);
    let token = call(&a, post("/api/auth/login", None, &body)).await.json()["token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    for (i, ctx) in [&a, &b, &a, &b].into_iter().enumerate() {
        let ok = call(ctx, get("/api/status", Some(&token))).await;
        assert_eq!(ok.status, StatusCode::OK, "request {i}: {}", ok.text);
    }
    // Each instance has seen two of the user's requests; the worker has seen four.
    let refused = call(&a, get("/api/status", Some(&token))).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS, "{}", refused.text);
    assert_eq!(refused.json()["code"], "too_many_requests");
    let wait: u64 =
        refused.headers[http::header::RETRY_AFTER].to_str().unwrap_or_default().parse().unwrap_or(0);
    assert!((1..=60).contains(&wait), "Retry-After {wait}");
    assert_eq!(call(&b, get("/api/status", Some(&token))).await.status, StatusCode::TOO_MANY_REQUESTS);
    // What needs no worker call is still the instance's own to count (`/api/me`).
    assert_eq!(call(&b, get("/api/me", Some(&token))).await.status, StatusCode::OK);
}
