//! Proposals (orders held for a person's approval): listing and deciding them through the router
//! with the `FakeBackend`, the control API in-process and over HTTP with `RemoteBackend`, and the
//! dashboard's panel.

use std::sync::Arc;

use http::{Method, StatusCode, header};
use mirai_web::{
    Auth, Backend, BackendError, Ctx, ProposalStatus, RemoteBackend, content_security_policy,
    handle_control_api,
};
use serde_json::json;

use crate::remote::spawn_worker;
use crate::support::*;

const APPROVE_P1: &str = "/api/proposals/mi-p1-b/approve";

fn ids(a: &Answer) -> Vec<String> {
    a.json()["proposals"]
        .as_array()
        .expect("proposals")
        .iter()
        .map(|p| p["id"].as_str().expect("id").to_owned())
        .collect()
}

#[tokio::test]
async fn proposals_are_listed_newest_first_with_decimals_as_strings() {
    let h = harness();
    let token = login(&h).await;

    let a = call(&h.ctx, get("/api/proposals", Some(&token))).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    a.assert_json_headers();
    assert_eq!(ids(&a), ["mi-p2-s", "mi-p1-b", "mi-p3-b", "mi-p0-b"], "newest first");
    let p = &a.json()["proposals"][1];
    assert_eq!(p["symbol"], "BTCUSDT");
    assert_eq!(p["side"], "BUY");
    assert_eq!(p["qty"], "0.00150000");
    assert_eq!(p["reference_price"], "62000.10");
    assert_eq!(p["notional"], "93.0001500000", "qty × reference price, exact");
    assert_eq!(p["confidence"], "0.82");
    assert_eq!(p["status"], "PENDING");
    assert_eq!(p["created_at"], json!(T0 - 60_000));
    assert_eq!(p["expires_at"], json!(T0 + 240_000));
    assert_eq!(p["decided_by"], json!(null));
    assert_eq!(p["rationale"], "<img src=x onerror=alert(1)> momentum on BTCUSDT", "text, as written");
    assert_eq!(a.json()["proposals"][3]["reason"], "not approved in time");

    // A status in any case; a limit in range.
    let a = call(&h.ctx, get("/api/proposals?status=pending&limit=2", Some(&token))).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(ids(&a), ["mi-p2-s", "mi-p1-b"], "the newest two the backend returned");
    let a = call(&h.ctx, get("/api/proposals?status=Expired&limit=200", Some(&token))).await;
    assert_eq!(ids(&a), ["mi-p0-b"]);
    let a = call(&h.ctx, get("/api/proposals?status=EXECUTED", Some(&token))).await;
    assert_eq!(a.text, r#"{"proposals":[]}"#);
    assert_eq!(
        h.backend.proposal_queries(),
        [
            (None, 50),
            (Some(ProposalStatus::Pending), 2),
            (Some(ProposalStatus::Expired), 200),
            (Some(ProposalStatus::Executed), 50)
        ]
    );
}

#[tokio::test]
async fn bad_statuses_and_limits_are_refused_by_name() {
    let h = harness();
    let token = login(&h).await;
    for bad in ["open", "PENDINGX", "1", "pending%00"] {
        let a = call(&h.ctx, get(&format!("/api/proposals?status={bad}"), Some(&token))).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "status={bad}");
        assert_eq!(
            a.text,
            r#"{"error":"query parameter `status` must be one of PENDING, APPROVED, REJECTED, EXPIRED, EXECUTED, FAILED","code":"bad_request"}"#
        );
        a.assert_json_headers();
    }
    let range = r#"{"error":"request failed validation","code":"validation_failed","fields":[{"field":"limit","code":"range","message":"must be from 1 to 200"}]}"#;
    for bad in ["0", "201"] {
        let a = call(&h.ctx, get(&format!("/api/proposals?limit={bad}"), Some(&token))).await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "limit={bad}");
        assert_eq!(a.text, range);
    }
    let a = call(&h.ctx, get("/api/proposals?limit=ten", Some(&token))).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        a.text,
        r#"{"error":"query parameter `limit` must be an integer from 1 to 200","code":"bad_request"}"#
    );
    let a = call(&h.ctx, get("/api/proposals?status=pending&status=failed", Some(&token))).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(h.backend.proposal_queries().is_empty(), "nothing invalid reaches the worker");
}

#[tokio::test]
async fn approve_and_reject_are_given_by_the_tokens_subject() {
    let h = harness();
    let token = login(&h).await;

    // An empty body, as the dashboard sends it.
    let a = call(&h.ctx, post(APPROVE_P1, Some(&token), "")).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    a.assert_json_headers();
    let p = a.json();
    assert_eq!(p["id"], "mi-p1-b");
    assert_eq!(p["status"], "EXECUTED");
    assert_eq!(p["decided_by"], USER);
    assert_eq!(p["decided_at"], json!(T0));
    assert_eq!(p["notional"], "93.0001500000");

    // `{}` too; a body cannot name someone else.
    let a = call(&h.ctx, post("/api/proposals/mi-p2-s/reject", Some(&token), "{}")).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(a.json()["status"], "REJECTED");
    assert_eq!(a.json()["decided_by"], USER);
    let a = call(&h.ctx, post("/api/proposals/mi-p2-s/reject", Some(&token), r#"{"by":"mallory"}"#)).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.text);
    let mut plain = post("/api/proposals/mi-p2-s/reject", Some(&token), "");
    *plain.body_mut() = bytes::Bytes::from_static(b"yes");
    plain.headers_mut().insert(header::CONTENT_TYPE, http::HeaderValue::from_static("text/plain"));
    assert_eq!(call(&h.ctx, plain).await.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);

    assert_eq!(
        h.backend.decided(),
        [("mi-p1-b".to_owned(), true, USER.to_owned()), ("mi-p2-s".to_owned(), false, USER.to_owned())]
    );
}

#[tokio::test]
async fn unknown_ids_are_404_and_refusals_409_saying_why() {
    let h = harness();
    let token = login(&h).await;

    let a = call(&h.ctx, post("/api/proposals/mi-nope-b/approve", Some(&token), "")).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    a.assert_json_headers();
    assert_eq!(a.text, r#"{"error":"no proposal mi-nope-b","code":"not_found"}"#);

    // Malformed ids are 404 as well, and never reach the worker.
    let long = format!("/api/proposals/{}/approve", "a".repeat(37));
    for path in [
        long.as_str(),
        "/api/proposals/mi%20p1/approve",
        "/api/proposals/mi~p1/reject",
        "/api/proposals/mi!p1/approve",
        "/api/proposals/../approve",
    ] {
        let a = call(&h.ctx, post(path, Some(&token), "")).await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(a.text, r#"{"error":"no such proposal","code":"not_found"}"#, "{path}");
    }
    for path in [
        "/api/proposals/mi-p1-b",
        "/api/proposals/mi-p1-b/approved",
        "/api/proposals/",
        "/api/proposals/a/b/approve",
    ] {
        assert_eq!(call(&h.ctx, post(path, Some(&token), "")).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!(h.backend.decided().len(), 1, "only the well-formed id was asked");

    let refused = |a: &Answer, message: &str| {
        assert_eq!(a.status, StatusCode::CONFLICT, "{}", a.text);
        a.assert_json_headers();
        assert_eq!(a.json(), json!({ "error": message, "code": "refused" }));
    };
    // Already decided, past its time, and refused by the gates at the price of the moment.
    refused(
        &call(&h.ctx, post("/api/proposals/mi-p0-b/approve", Some(&token), "")).await,
        "proposal mi-p0-b is EXPIRED",
    );
    refused(
        &call(&h.ctx, post("/api/proposals/mi-p3-b/approve", Some(&token), "")).await,
        "proposal mi-p3-b expired",
    );
    *h.backend.gates_refuse.lock().expect("lock") = Some("daily loss limit reached".into());
    refused(
        &call(&h.ctx, post(APPROVE_P1, Some(&token), "")).await,
        "refused by the risk gates at approval: daily loss limit reached",
    );
    refused(&call(&h.ctx, post(APPROVE_P1, Some(&token), "")).await, "proposal mi-p1-b is FAILED");
    // Rejecting needs no gate.
    let a = call(&h.ctx, post("/api/proposals/mi-p2-s/reject", Some(&token), "")).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);

    // A worker that is down is a 503, as everywhere.
    h.backend.fail(BackendError::Unavailable("gone".into()));
    let a = call(&h.ctx, post("/api/proposals/mi-p2-s/reject", Some(&token), "")).await;
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(!a.text.contains("gone"));
}

#[tokio::test]
async fn methods_and_tokens_are_checked() {
    let h = harness();
    let token = login(&h).await;
    for (method, path, allow) in [
        (Method::POST, "/api/proposals", "GET"),
        (Method::DELETE, "/api/proposals", "GET"),
        (Method::GET, APPROVE_P1, "POST"),
        (Method::PUT, "/api/proposals/mi-p1-b/reject", "POST"),
    ] {
        let a = call(&h.ctx, request(method.clone(), path, Some(&token), "")).await;
        assert_eq!(a.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        assert_eq!(a.headers[header::ALLOW], allow);
        a.assert_json_headers();
    }
    for req in [
        get("/api/proposals", None),
        post(APPROVE_P1, None, ""),
        post("/api/proposals/mi-p1-b/reject", None, "{}"),
        get("/api/proposals", Some("not-a-token")),
    ] {
        let a = call(&h.ctx, req).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED);
        assert_eq!(a.headers[header::WWW_AUTHENTICATE], "Bearer realm=\"mirai\"");
        assert_eq!(a.json()["code"], "unauthorized");
    }
    assert!(h.backend.decided().is_empty() && h.backend.proposal_queries().is_empty());
}

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
async fn the_control_api_serves_proposals_to_the_service_token_only() {
    let backend = FakeBackend::new();
    let t = Some(SERVICE_TOKEN);
    let a = call_api(&backend, get("/internal/v1/proposals?status=pending&limit=1", t)).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(a.json()["proposals"][0]["id"], "mi-p1-b");
    let a = call_api(&backend, get("/internal/v1/proposals?status=nope", t)).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    let a = call_api(&backend, post("/internal/v1/proposals", t, "{}")).await;
    assert_eq!(a.status, StatusCode::METHOD_NOT_ALLOWED);
    let a = call_api(&backend, get("/internal/v1/proposals/mi-p1-b/approve", t)).await;
    assert_eq!(a.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(a.headers[header::ALLOW], "POST");

    // A decision names who made it, cleaned as the audit log needs; it must name someone.
    for body in ["", "{}", r#"{"by":"  "}"#, r#"{"by":"alice","extra":1}"#] {
        let a = call_api(&backend, post("/internal/v1/proposals/mi-p1-b/approve", t, body)).await;
        assert!(a.status.is_client_error() && a.status != StatusCode::NOT_FOUND, "{body}: {}", a.text);
    }
    let a = call_api(&backend, post("/internal/v1/proposals/mi-p1-b/approve", t, r#"{"by":"alice\u0007"}"#))
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(a.json()["decided_by"], "alice?");
    let a = call_api(&backend, post("/internal/v1/proposals/mi~x/reject", t, r#"{"by":"alice"}"#)).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert_eq!(backend.decided(), [("mi-p1-b".to_owned(), true, "alice?".to_owned())]);

    // Nothing without the service token, even a user's JWT.
    let h = harness();
    let jwt = login(&h).await;
    for token in [None, Some(jwt.as_str())] {
        let a =
            call_api(&backend, post("/internal/v1/proposals/mi-p2-s/reject", token, r#"{"by":"x"}"#)).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED);
        let a = call_api(&backend, get("/internal/v1/proposals", token)).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(backend.decided().len(), 1);
}

#[tokio::test]
async fn remote_backend_round_trips_proposals_and_decisions() {
    let backend = FakeBackend::new();
    let worker = spawn_worker(backend.clone()).await;
    let remote = RemoteBackend::new(&worker.url, SERVICE_TOKEN).expect("remote");

    let all = remote.proposals(None, 50).await.expect("list");
    let ids: Vec<&str> = all.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["mi-p2-s", "mi-p1-b", "mi-p3-b", "mi-p0-b"], "newest first");
    let mut stored = backend.proposals(None, 50).await.expect("list");
    stored.sort_by_key(|p| std::cmp::Reverse(p.created_at));
    assert_eq!(all, stored, "every field survives the wire, rationale included");
    let pending = remote.proposals(Some(ProposalStatus::Pending), 1).await.expect("pending");
    assert_eq!(pending.len(), 1);

    let p = remote.decide_proposal("mi-p1-b".into(), true, "alice".into()).await.expect("approve");
    assert_eq!(p.status, ProposalStatus::Executed);
    assert_eq!(p.decided_by.as_deref(), Some("alice"));
    let p = remote.decide_proposal("mi-p2-s".into(), false, "bob".into()).await.expect("reject");
    assert_eq!(p.status, ProposalStatus::Rejected);

    assert_eq!(
        remote.decide_proposal("mi-nope".into(), true, "alice".into()).await,
        Err(BackendError::NotFound("no proposal mi-nope".into()))
    );
    assert_eq!(
        remote.decide_proposal("mi-p1-b".into(), true, "alice".into()).await,
        Err(BackendError::Refused("proposal mi-p1-b is EXECUTED".into()))
    );
    // An id that would leave the path is not sent at all.
    for bad in ["../status", "a/b", "", "..", "x y"] {
        assert!(
            matches!(
                remote.decide_proposal(bad.into(), true, "alice".into()).await,
                Err(BackendError::NotFound(_))
            ),
            "{bad:?}"
        );
    }
    assert_eq!(
        backend.decided(),
        [
            ("mi-p1-b".to_owned(), true, "alice".to_owned()),
            ("mi-p2-s".to_owned(), false, "bob".to_owned()),
            ("mi-nope".to_owned(), true, "alice".to_owned()),
            ("mi-p1-b".to_owned(), true, "alice".to_owned()),
        ]
    );
    assert_eq!(
        backend.proposal_queries(),
        [(None, 50), (None, 50), (Some(ProposalStatus::Pending), 1)],
        "the fake's own listing above included"
    );
}

#[tokio::test]
async fn the_vercel_tier_decides_on_a_remote_worker_end_to_end() {
    let backend = FakeBackend::new();
    let worker = spawn_worker(backend.clone()).await;
    let auth = Auth::new(USER, PASSWORD, SECRET.as_bytes()).expect("auth");
    let ctx = Ctx::new(auth, Arc::new(RemoteBackend::new(&worker.url, SERVICE_TOKEN).expect("remote")));
    let login = call(
        &ctx,
        post("/api/auth/login", None, &format!(r#"{{"username":"{USER}","password":"{PASSWORD}"}}"#)),
    )
    .await;
    let token = login.json()["token"].as_str().expect("token").to_owned();

    let a = call(&ctx, get("/api/proposals?status=PENDING", Some(&token))).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(ids(&a), ["mi-p2-s", "mi-p1-b", "mi-p3-b"]);
    let a = call(&ctx, post(APPROVE_P1, Some(&token), "")).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(a.json()["decided_by"], USER);
    let a = call(&ctx, post("/api/proposals/mi-p3-b/approve", Some(&token), "")).await;
    assert_eq!(a.status, StatusCode::CONFLICT);
    assert_eq!(a.text, r#"{"error":"proposal mi-p3-b expired","code":"refused"}"#);
    let a = call(&ctx, post("/api/proposals/mi-zz-b/reject", Some(&token), "")).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert_eq!(a.json()["code"], "not_found");
    assert_eq!(backend.decided()[0], ("mi-p1-b".to_owned(), true, USER.to_owned()));
}

#[tokio::test]
async fn the_dashboard_has_a_proposals_panel_without_inline_handlers() {
    let h = harness();
    let a = call(&h.ctx, get("/", None)).await;
    assert_eq!(a.status, StatusCode::OK);
    let (html, js) = crate::routes::dashboard_as_loaded(&h.ctx).await;
    for needle in [r#"id="proposals-panel""#, r#"id="proposals""#, r#"id="proposal-error""#] {
        assert!(html.contains(needle), "the dashboard lacks {needle}");
    }
    for needle in ["/api/proposals?status=PENDING", "/approve", "/reject", "No proposals waiting"] {
        assert!(js.contains(needle), "the dashboard's scripts lack {needle}");
    }
    // The CSP allows only this origin's scripts: no inline code or handlers, and untrusted text
    // (rationales come from a language model) only ever set as text.
    let csp = a.headers[header::CONTENT_SECURITY_POLICY].to_str().expect("csp");
    assert_eq!(csp, content_security_policy());
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
    for banned in [
        " onclick=",
        " onload=",
        " onerror=",
        "javascript:",
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
    ] {
        assert!(!html.contains(banned) && !js.contains(banned), "the dashboard contains {banned}");
    }
    assert!(js.contains("document.createTextNode(typeof p.rationale"), "rationales are set as text");
}
