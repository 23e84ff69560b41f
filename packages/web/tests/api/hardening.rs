//! Hardening: the security headers on every answer (every route the router lists, a 404, a 405,
//! errors, the control API), no CORS grant to any origin, the rate limits of the authenticated
//! routes (per user and per address), and the request deadline.

use std::sync::Arc;
use std::time::Duration;

use http::{HeaderMap, Method, StatusCode, header};
use mirai_web::{
    Account, Auth, BackendFuture, ClientAddr, Ctx, MemoryUsers, RateLimiter, RatePolicy, Role, UserDirectory,
    content_security_policy, handle_control_api, routes,
};

use crate::support::*;

/// The headers every answer carries, whatever it is. `static_file`: the dashboard's own files,
/// which keep their caching; everything else is `no-store`.
fn assert_secure(what: &str, h: &HeaderMap, static_file: bool, https: bool) {
    assert_eq!(h[header::CONTENT_SECURITY_POLICY], content_security_policy(), "{what}");
    let csp = content_security_policy();
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"), "{csp}");
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{csp}");
    assert_eq!(h[header::X_FRAME_OPTIONS], "DENY", "{what}");
    assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{what}");
    assert_eq!(h[header::REFERRER_POLICY], "no-referrer", "{what}");
    let cache = h[header::CACHE_CONTROL].to_str().unwrap_or_default();
    if static_file {
        assert_ne!(cache, "no-store", "{what}: a versioned or revalidated file keeps its caching");
    } else {
        assert_eq!(cache, "no-store", "{what}");
    }
    assert_eq!(
        h.get(header::STRICT_TRANSPORT_SECURITY).map(|v| v.to_str().unwrap_or_default()),
        https.then_some("max-age=63072000; includeSubDomains"),
        "{what}"
    );
    let cors: Vec<_> = h.keys().filter(|k| k.as_str().starts_with("access-control-")).collect();
    assert!(cors.is_empty(), "{what}: {cors:?} must never be sent");
}

/// A request for every route the router lists (an admin's token, a body of the right kind), then
/// a 404, a 405, a 401 and an OPTIONS: every answer has the headers, over http and over https.
#[tokio::test]
async fn every_answer_of_every_route_carries_the_security_headers() {
    for https in [false, true] {
        let mut h = harness();
        h.ctx.https = https;
        let token = login(&h).await;
        for spec in routes() {
            let path = spec.template.replace("{id}", "x-1");
            let method = Method::from_bytes(spec.method.as_bytes()).unwrap_or(Method::GET);
            let body = if method == Method::POST || method == Method::PUT { "{}" } else { "" };
            let a = call(&h.ctx, request(method, &path, Some(&token), body)).await;
            let what = format!("{} {} ({}, https {https})", spec.method, spec.template, a.status);
            assert_secure(&what, &a.headers, spec.template.starts_with("/static/"), https);
        }
        let cases = [
            (Method::GET, "/no/such/route", None, StatusCode::NOT_FOUND),
            (Method::DELETE, "/api/status", Some(token.as_str()), StatusCode::METHOD_NOT_ALLOWED),
            (Method::GET, "/api/status", None, StatusCode::UNAUTHORIZED),
            (Method::GET, "/api/status", Some("not-a-token"), StatusCode::UNAUTHORIZED),
            (Method::OPTIONS, "/api/status", None, StatusCode::METHOD_NOT_ALLOWED),
            (Method::GET, "/", None, StatusCode::OK),
        ];
        for (method, path, token, status) in cases {
            let a = call(&h.ctx, request(method.clone(), path, token, "")).await;
            assert_eq!(a.status, status, "{method} {path}: {}", a.text);
            assert_secure(&format!("{method} {path}"), &a.headers, false, https);
        }
        let big = "x".repeat(mirai_web::MAX_BODY_BYTES + 1);
        let a = call(&h.ctx, request(Method::POST, "/api/control", Some(&token), &big)).await;
        assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_secure("413", &a.headers, false, https);
    }
}

#[tokio::test]
async fn the_control_api_answers_carry_the_security_headers() {
    let h = harness();
    for (token, status) in [(None, StatusCode::UNAUTHORIZED), (Some(SERVICE_TOKEN), StatusCode::OK)] {
        let req = request(Method::GET, "/internal/v1/status", token, "");
        let resp = handle_control_api(h.backend.as_ref(), SERVICE_TOKEN, req).await;
        assert_eq!(resp.status(), status);
        assert_secure("control API", resp.headers(), false, false);
    }
    let resp =
        handle_control_api(h.backend.as_ref(), SERVICE_TOKEN, request(Method::GET, "/nope", None, "")).await;
    assert_secure("control API 401/404", resp.headers(), false, false);
}

/// A browser's preflight from another origin gets no grant: no `Access-Control-Allow-*` header
/// (a 405, as for any method a route does not answer), and a simple request from another origin
/// is answered without one, so the browser keeps the answer from the foreign page.
#[tokio::test]
async fn no_cors_grant_to_a_foreign_origin() {
    let h = harness();
    let token = login(&h).await;
    for path in ["/api/status", "/api/auth/login", "/api/control", "/api/backtests", "/api/openapi.json", "/"]
    {
        let req = http::Request::builder()
            .method(Method::OPTIONS)
            .uri(path)
            .header(header::ORIGIN, "https://evil.example")
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
            .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "authorization, content-type")
            .body(bytes::Bytes::new())
            .unwrap_or_else(|e| panic!("{e}"));
        let a = call(&h.ctx, req).await;
        assert_eq!(a.status, StatusCode::METHOD_NOT_ALLOWED, "OPTIONS {path}");
        assert!(a.headers.keys().all(|k| !k.as_str().starts_with("access-control-")), "{path}: {a:?}");
    }
    let mut req = get("/api/status", Some(&token));
    req.headers_mut().insert(header::ORIGIN, http::HeaderValue::from_static("https://evil.example"));
    let a = call(&h.ctx, req).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.headers.keys().all(|k| !k.as_str().starts_with("access-control-")), "{a:?}");
}

fn from(addr: [u8; 4], mut req: http::Request<bytes::Bytes>) -> http::Request<bytes::Bytes> {
    req.extensions_mut().insert(ClientAddr(addr.into()));
    req
}

#[tokio::test]
async fn a_user_over_their_limit_gets_429_with_retry_after_and_others_do_not() {
    let mut h = harness_with_roles();
    h.ctx.rate = RateLimiter::new(RatePolicy::new(3, 1000).unwrap_or_else(|e| panic!("{e:?}")));
    let admin = h.login_as(USER, PASSWORD).await;
    let viewer = h.login_as(VIEWER, VIEWER_PASSWORD).await;
    for i in 0..3 {
        let a = call(&h.ctx, get("/api/status", Some(&admin))).await;
        assert_eq!(a.status, StatusCode::OK, "request {i}: {}", a.text);
    }
    // Over the limit, on any authenticated route.
    for path in ["/api/status", "/api/me", "/api/positions"] {
        let a = call(&h.ctx, get(path, Some(&admin))).await;
        assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS, "{path}");
        assert_eq!(a.text, r#"{"error":"too many requests; try again later","code":"too_many_requests"}"#);
        assert_eq!(a.headers[header::RETRY_AFTER], "20", "a request every 20 s refills");
        a.assert_json_headers();
    }
    let a = call(&h.ctx, post("/api/control", Some(&admin), r#"{"action":"kill"}"#)).await;
    assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(h.backend.actions().is_empty(), "a refused command never reaches the worker");
    // Another user is not affected, nor are the public routes.
    assert_eq!(call(&h.ctx, get("/api/status", Some(&viewer))).await.status, StatusCode::OK);
    assert_eq!(call(&h.ctx, get("/api/health", None)).await.status, StatusCode::OK);
    // The bucket refills: one request per 20 s.
    h.set_time(T0 + 19_000);
    assert_eq!(call(&h.ctx, get("/api/status", Some(&admin))).await.headers[header::RETRY_AFTER], "1");
    h.set_time(T0 + 20_000);
    assert_eq!(call(&h.ctx, get("/api/status", Some(&admin))).await.status, StatusCode::OK);
}

#[tokio::test]
async fn an_address_over_its_limit_gets_429_and_other_addresses_do_not() {
    let mut h = harness_with_roles();
    h.ctx.rate = RateLimiter::new(RatePolicy::new(1000, 4).unwrap_or_else(|e| panic!("{e:?}")));
    let admin = h.login_as(USER, PASSWORD).await;
    let viewer = h.login_as(VIEWER, VIEWER_PASSWORD).await;
    // Four requests from one address, whoever makes them, and bad tokens count too.
    let four = [Some(admin.as_str()), Some(viewer.as_str()), Some("forged"), None];
    for token in four {
        let a = call(&h.ctx, from([203, 0, 113, 9], get("/api/status", token))).await;
        assert_ne!(a.status, StatusCode::TOO_MANY_REQUESTS);
    }
    for token in [Some(admin.as_str()), Some(viewer.as_str()), None] {
        let a = call(&h.ctx, from([203, 0, 113, 9], get("/api/status", token))).await;
        assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS, "{}", a.text);
        assert_eq!(a.headers[header::RETRY_AFTER], "15");
    }
    // The same users from another address are served.
    let a = call(&h.ctx, from([198, 51, 100, 7], get("/api/status", Some(&admin)))).await;
    assert_eq!(a.status, StatusCode::OK);
    // Public routes are not counted (login has its own limiter).
    let a = call(&h.ctx, from([203, 0, 113, 9], get("/api/health", None))).await;
    assert_eq!(a.status, StatusCode::OK);
}

/// Users whose `current` (asked on every authenticated request) never answers in time.
struct SlowUsers(MemoryUsers);

impl UserDirectory for SlowUsers {
    fn authenticate(&self, username: String, password: String) -> BackendFuture<'_, Option<Account>> {
        self.0.authenticate(username, password)
    }
    fn current(&self, username: String) -> BackendFuture<'_, Option<Account>> {
        Box::pin(async move {
            tokio::time::sleep(Duration::from_secs(30)).await;
            self.0.current(username).await
        })
    }
}

#[tokio::test]
async fn a_request_not_answered_in_time_gets_504_json() {
    let users = MemoryUsers::new().with(USER, PASSWORD, Role::Admin).unwrap_or_else(|e| panic!("{e}"));
    let auth =
        Auth::with_users(SECRET.as_bytes(), Arc::new(SlowUsers(users))).unwrap_or_else(|e| panic!("{e}"));
    let h = harness();
    let mut ctx = Ctx::new(auth, h.backend.clone());
    ctx.request_timeout = Duration::from_secs(1);
    let token = call(
        &ctx,
        post("/api/auth/login", None, &format!(r#"{{"username":"{USER}","password":"{PASSWORD}"}}"#)),
    )
    .await
    .json()["token"]
        .as_str()
        .unwrap_or_else(|| panic!("a token"))
        .to_owned();
    let started = std::time::Instant::now();
    let a = call(&ctx, get("/api/status", Some(&token))).await;
    let took = started.elapsed();
    assert_eq!(a.status, StatusCode::GATEWAY_TIMEOUT, "{}", a.text);
    assert_eq!(a.text, r#"{"error":"the request was not answered within 1 s","code":"timeout"}"#);
    a.assert_json_headers();
    assert!(took >= Duration::from_millis(900) && took < Duration::from_secs(5), "{took:?}");
}

#[test]
fn request_limits_are_read_from_settings_with_their_ranges() {
    let read = |vars: &[(&str, &str)]| {
        let get = |k: &str| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| (*v).to_owned());
        let mut r = mirai_settings::Reader::new(&get);
        let limits = mirai_web::RequestLimits::read(&mut r);
        (limits, r.finish(()).err().unwrap_or_default())
    };
    let (d, problems) = read(&[]);
    assert!(problems.is_empty());
    assert_eq!((d.rate.per_user_per_min, d.rate.per_addr_per_min, d.timeout.as_secs()), (600, 1200, 8));
    let (c, _) = read(&[
        ("WEB_RATE_PER_USER_PER_MIN", "30"),
        ("WEB_RATE_PER_ADDR_PER_MIN", "90"),
        ("WEB_REQUEST_TIMEOUT_SECS", "5"),
    ]);
    assert_eq!((c.rate.per_user_per_min, c.rate.per_addr_per_min, c.timeout.as_secs()), (30, 90, 5));
    let (_, problems) = read(&[
        ("WEB_RATE_PER_USER_PER_MIN", "0"),
        ("WEB_RATE_PER_ADDR_PER_MIN", "lots"),
        ("WEB_REQUEST_TIMEOUT_SECS", "61"),
    ]);
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert!(problems.iter().any(|p| p.starts_with("WEB_RATE_PER_USER_PER_MIN must be")));
}
