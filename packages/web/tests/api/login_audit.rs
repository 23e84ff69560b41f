//! Login attempts reach the audit log through the `Backend`: what is recorded (never the
//! password or the token), the control API's `POST /internal/v1/audit/login` and its checks,
//! and `RemoteBackend::record_login` over HTTP.

use std::sync::Arc;

use http::StatusCode;
use mirai_core::Timestamp;
use mirai_web::{Auth, Backend, Ctx, LoginEvent, LoginOutcome, RemoteBackend, handle_control_api};

use crate::remote::spawn_worker;
use crate::support::*;

const AUDIT: &str = "/internal/v1/audit/login";

async fn call_api(backend: &FakeBackend, req: http::Request<bytes::Bytes>) -> Answer {
    let resp = handle_control_api(backend, SERVICE_TOKEN, req).await;
    let (parts, body) = resp.into_parts();
    Answer {
        status: parts.status,
        headers: parts.headers,
        text: String::from_utf8(body.to_vec()).expect("UTF-8"),
    }
}

#[tokio::test]
async fn every_attempt_is_recorded_without_the_password_or_token() {
    let h = harness();
    let body = |user: &str, pass: &str| serde_json::json!({ "username": user, "password": pass }).to_string();
    let mut req = post("/api/auth/login", None, &body("ad\u{1b}[2Jmin\nFAKE LOG LINE", "guess-Zx81"));
    req.headers_mut().insert("x-forwarded-for", "203.0.113.5".parse().expect("header"));
    assert_eq!(call(&h.ctx, req).await.status, StatusCode::UNAUTHORIZED);
    let long = "u".repeat(128);
    assert_eq!(
        call(&h.ctx, post("/api/auth/login", None, &body(&long, "x"))).await.status,
        StatusCode::UNAUTHORIZED
    );
    let ok = call(&h.ctx, post("/api/auth/login", None, &body(USER, PASSWORD))).await;
    assert_eq!(ok.status, StatusCode::OK);
    let token = ok.json()["token"].as_str().expect("token").to_owned();
    // Malformed requests are not login attempts and are not recorded.
    assert_eq!(call(&h.ctx, post("/api/auth/login", None, r#"{"username":""}"#)).await.status.as_u16(), 400);

    let events = h.backend.logins();
    assert_eq!(events.len(), 3, "{events:?}");
    assert_eq!(events[0].username, "ad?[2Jmin?FAKE LOG LINE");
    assert_eq!(events[0].outcome, LoginOutcome::Failure);
    assert_eq!(events[0].client, "203.0.113.5".parse().ok());
    assert_eq!(events[0].at, Timestamp::from_millis(T0));
    assert_eq!(events[1].username.chars().count(), 65, "cut to 64 characters and an ellipsis");
    assert_eq!(
        (events[2].username.as_str(), events[2].outcome, events[2].client),
        (USER, LoginOutcome::Success, None)
    );
    let recorded = serde_json::to_string(&events).expect("json");
    for secret in [PASSWORD, "guess-Zx81", token.as_str()] {
        assert!(!recorded.contains(secret), "{secret} recorded: {recorded}");
    }
}

#[tokio::test]
async fn the_audit_route_needs_the_service_token_and_checks_the_event() {
    let backend = FakeBackend::new();
    let t = Some(SERVICE_TOKEN);
    let good = r#"{"at":1700000000000,"username":"admin","outcome":"failure","client":"192.0.2.7"}"#;

    for token in [None, Some("not-the-token")] {
        let a = call_api(&backend, post(AUDIT, token, good)).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    }
    // A user JWT is not enough either.
    let h = harness();
    let jwt = login(&h).await;
    assert_eq!(call_api(&backend, post(AUDIT, Some(&jwt), good)).await.status, StatusCode::UNAUTHORIZED);
    assert!(backend.logins().is_empty());

    assert_eq!(call_api(&backend, get(AUDIT, t)).await.status, StatusCode::METHOD_NOT_ALLOWED);
    let bad = [
        // No way to smuggle a password into the audit log: unknown fields are refused.
        (r#"{"at":1,"username":"admin","outcome":"failure","client":null,"password":"pw"}"#, 400),
        (r#"{"at":1,"username":"admin","outcome":"maybe","client":null}"#, 400),
        (r#"{"at":1,"username":"admin","outcome":"failure","client":"not-an-ip"}"#, 400),
        (r#"{"at":1,"username":"admin"}"#, 400),
        (r#"{"at":1,"username":"ad\nmin","outcome":"failure","client":null}"#, 422),
        (r#"{"at":0,"username":"admin","outcome":"failure","client":null}"#, 422),
    ];
    for (body, status) in bad {
        let a = call_api(&backend, post(AUDIT, t, body)).await;
        assert_eq!(a.status.as_u16(), status, "{body}: {}", a.text);
        assert!(!a.text.contains("\"pw\""), "{}", a.text);
    }
    let long = format!(r#"{{"at":1,"username":"{}","outcome":"success","client":null}}"#, "a".repeat(65));
    assert_eq!(call_api(&backend, post(AUDIT, t, &long)).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(backend.logins().is_empty(), "nothing invalid was recorded");

    let a = call_api(&backend, post(AUDIT, t, good)).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(a.text, r#"{"recorded":true}"#);
    assert_eq!(
        backend.logins(),
        [LoginEvent {
            at: Timestamp::from_millis(T0),
            username: "admin".into(),
            outcome: LoginOutcome::Failure,
            client: "192.0.2.7".parse().ok(),
        }]
    );
}

#[tokio::test]
async fn a_serverless_login_is_audited_by_the_worker() {
    let worker_backend = FakeBackend::new();
    let worker = spawn_worker(worker_backend.clone()).await;
    let remote = RemoteBackend::new(&worker.url, SERVICE_TOKEN).expect("remote");
    let event = LoginEvent::new(Timestamp::from_millis(T0), "admin", LoginOutcome::Throttled, None);
    remote.record_login(event.clone()).await.expect("recorded");
    assert_eq!(worker_backend.logins(), [event]);

    let auth = Auth::new(USER, PASSWORD, SECRET.as_bytes()).expect("auth");
    let ctx = Ctx::new(auth, Arc::new(remote));
    let mut req = post("/api/auth/login", None, r#"{"username":"admin","password":"nope"}"#);
    req.headers_mut().insert("x-forwarded-for", "198.51.100.23, 10.0.0.1".parse().expect("header"));
    assert_eq!(call(&ctx, req).await.status, StatusCode::UNAUTHORIZED);
    let last = worker_backend.logins().pop().expect("recorded remotely");
    assert_eq!((last.outcome, last.client), (LoginOutcome::Failure, "198.51.100.23".parse().ok()));

    // The worker unreachable: the login still answers as usual.
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let gone = RemoteBackend::new(&format!("http://127.0.0.1:{port}"), SERVICE_TOKEN).expect("remote");
    let auth = Auth::new(USER, PASSWORD, SECRET.as_bytes()).expect("auth");
    let ctx = Ctx::new(auth, Arc::new(gone));
    let ok = call(
        &ctx,
        post("/api/auth/login", None, &format!(r#"{{"username":"{USER}","password":"{PASSWORD}"}}"#)),
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
}
