//! The worker's control API, in-process: service-token checks and routing.

use bytes::Bytes;
use http::{Request, StatusCode};
use mirai_web::{ControlAction, handle_control_api};

use crate::support::*;

async fn call_api(token_configured: &str, req: Request<Bytes>) -> Answer {
    let backend = FakeBackend::new();
    call_api_on(&backend, token_configured, req).await
}

async fn call_api_on(backend: &FakeBackend, token_configured: &str, req: Request<Bytes>) -> Answer {
    let resp = handle_control_api(backend, token_configured, req).await;
    let (parts, body) = resp.into_parts();
    Answer {
        status: parts.status,
        headers: parts.headers,
        text: String::from_utf8(body.to_vec()).expect("UTF-8"),
    }
}

#[tokio::test]
async fn the_service_token_is_required_and_checked() {
    let refused = r#"{"error":"invalid service token","code":"unauthorized"}"#;
    for token in [None, Some("wrong"), Some(&SERVICE_TOKEN[..SERVICE_TOKEN.len() - 1])] {
        let a = call_api(SERVICE_TOKEN, get("/internal/v1/status", token)).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{token:?}");
        assert_eq!(a.text, refused);
    }
    // A user JWT is not a service token.
    let h = harness();
    let jwt = login(&h).await;
    let a = call_api(SERVICE_TOKEN, get("/internal/v1/status", Some(&jwt))).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    // Unknown routes are hidden behind the token too.
    let a = call_api(SERVICE_TOKEN, get("/internal/v1/nope", None)).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);

    let a = call_api(SERVICE_TOKEN, get("/internal/v1/status", Some(SERVICE_TOKEN))).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    a.assert_json_headers();
    assert_eq!(a.json()["mode"], "testnet");
}

#[tokio::test]
async fn a_short_or_empty_configured_token_refuses_everything() {
    for configured in ["", "short"] {
        let a = call_api(configured, get("/internal/v1/status", Some(configured))).await;
        assert_eq!(a.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(a.text, r#"{"error":"internal error","code":"internal"}"#);
    }
}

#[tokio::test]
async fn routes_methods_and_commands() {
    let backend = FakeBackend::new();
    let t = Some(SERVICE_TOKEN);
    let a = call_api_on(&backend, SERVICE_TOKEN, get("/internal/v1/positions", t)).await;
    assert_eq!(a.json()["positions"][0]["qty"], "0.001");
    let a = call_api_on(&backend, SERVICE_TOKEN, get("/internal/v1/trades?limit=2", t)).await;
    assert_eq!(a.json()["trades"].as_array().map(Vec::len), Some(2));
    let a = call_api_on(&backend, SERVICE_TOKEN, get("/internal/v1/trades?limit=0", t)).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    let a = call_api_on(&backend, SERVICE_TOKEN, get("/internal/v1/control", t)).await;
    assert_eq!(a.status, StatusCode::METHOD_NOT_ALLOWED);
    let a = call_api_on(&backend, SERVICE_TOKEN, get("/internal/v1/nope", t)).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    let a =
        call_api_on(&backend, SERVICE_TOKEN, post("/internal/v1/control", t, r#"{"action":"kill"}"#)).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.json()["halted"], true);
    let a =
        call_api_on(&backend, SERVICE_TOKEN, post("/internal/v1/control", t, r#"{"action":"halt"}"#)).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(backend.actions(), [ControlAction::Kill]);
    // The web tier names the user, cleaned as the audit log needs; an older one that does not
    // is recorded as the web tier.
    let body = r#"{"action":"pause","by":"alice\u0007"}"#;
    assert_eq!(
        call_api_on(&backend, SERVICE_TOKEN, post("/internal/v1/control", t, body)).await.status,
        StatusCode::OK
    );
    assert_eq!(*backend.given_by.lock().unwrap(), ["web-tier", "alice?"]);
}
