//! The router: shapes of success and error answers, limits, and commands reaching the backend.

use http::{Method, StatusCode, header};
use mirai_web::{BackendError, ControlAction, MAX_BODY_BYTES};
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn health_needs_no_token() {
    let h = harness();
    let a = call(&h.ctx, get("/api/health", None)).await;
    assert_eq!(a.status, StatusCode::OK);
    a.assert_json_headers();
    assert_eq!(a.json(), json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }));
}

#[tokio::test]
async fn status_positions_and_trades_serialise_decimals_as_strings() {
    let h = harness();
    let token = login(&h).await;

    let s = call(&h.ctx, get("/api/status", Some(&token))).await;
    assert_eq!(s.status, StatusCode::OK);
    s.assert_json_headers();
    let s = s.json();
    assert_eq!(s["mode"], "testnet");
    assert_eq!(s["dry_run"], true);
    assert_eq!(s["equity"], "10012.5");
    assert_eq!(s["realised_pnl"], "-3.25");
    assert_eq!(s["symbols"], json!(["BTCUSDT", "ETHUSDT"]));
    assert_eq!(s["last_event_at"], json!(T0 - 1_000));

    let p = call(&h.ctx, get("/api/positions", Some(&token))).await.json();
    assert_eq!(p["positions"][0]["symbol"], "BTCUSDT");
    assert_eq!(p["positions"][0]["mark"], "62000.10");

    let t = call(&h.ctx, get("/api/trades", Some(&token))).await;
    assert_eq!(t.status, StatusCode::OK);
    let ids: Vec<_> = t.json()["trades"]
        .as_array()
        .expect("array")
        .iter()
        .map(|x| x["trade_id"].as_str().expect("id").to_owned())
        .collect();
    assert_eq!(ids, ["3", "2", "1"], "newest first");
    assert_eq!(t.json()["trades"][0]["side"], "SELL");
    assert_eq!(t.json()["trades"][0]["qty"], "0.00100000");
    assert_eq!(h.backend.limits(), [50], "default limit");
}

#[tokio::test]
async fn trade_limits_are_validated() {
    let h = harness();
    let token = login(&h).await;
    for ok in ["1", "500", "2"] {
        let a = call(&h.ctx, get(&format!("/api/trades?limit={ok}"), Some(&token))).await;
        assert_eq!(a.status, StatusCode::OK, "limit={ok}");
    }
    assert_eq!(h.backend.limits(), [1, 500, 2]);
    let two = call(&h.ctx, get("/api/trades?limit=2", Some(&token))).await.json();
    assert_eq!(two["trades"].as_array().map(Vec::len), Some(2));

    let range = r#"{"error":"request failed validation","code":"validation_failed","fields":[{"field":"limit","code":"range","message":"must be from 1 to 500"}]}"#;
    for bad in ["0", "501"] {
        let a = call(&h.ctx, get(&format!("/api/trades?limit={bad}"), Some(&token))).await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "limit={bad}");
        assert_eq!(a.text, range);
        a.assert_json_headers();
    }
    let blank = call(&h.ctx, get("/api/trades?limit=", Some(&token))).await;
    assert_eq!(blank.status, StatusCode::OK, "a blank value is the default: {}", blank.text);
    for bad in ["abc", "-1", "99999999999", "1.5"] {
        let a = call(&h.ctx, get(&format!("/api/trades?limit={bad}"), Some(&token))).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "limit={bad}");
        assert_eq!(
            a.text,
            r#"{"error":"query parameter `limit` must be an integer from 1 to 500","code":"bad_request"}"#
        );
    }
    let twice = call(&h.ctx, get("/api/trades?limit=1&limit=2", Some(&token))).await;
    assert_eq!(twice.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn control_actions_reach_the_backend() {
    let h = harness();
    let token = login(&h).await;

    let a = call(&h.ctx, post("/api/control", Some(&token), r#"{"action":"pause"}"#)).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    a.assert_json_headers();
    assert_eq!(a.json()["paused"], true);

    let a = call(&h.ctx, post("/api/control", Some(&token), r#"{"action":"resume"}"#)).await;
    assert_eq!(a.json()["paused"], false);

    let a = call(&h.ctx, post("/api/control", Some(&token), r#"{"action":"kill"}"#)).await;
    assert_eq!(a.json()["halted"], true);

    // The worker refuses to resume after a kill: 409 with its reason.
    let a = call(&h.ctx, post("/api/control", Some(&token), r#"{"action":"resume"}"#)).await;
    assert_eq!(a.status, StatusCode::CONFLICT);
    assert_eq!(a.text, r#"{"error":"the worker is halted; restart it to trade again","code":"refused"}"#);

    assert_eq!(
        h.backend.actions(),
        [ControlAction::Pause, ControlAction::Resume, ControlAction::Kill, ControlAction::Resume]
    );
}

#[tokio::test]
async fn bad_json_is_a_400_with_a_stable_shape() {
    let h = harness();
    let token = login(&h).await;
    let cases = [
        (
            "{",
            r#"{"error":"invalid JSON body: EOF while parsing an object at line 1 column 1","code":"bad_request"}"#,
        ),
        ("", r#"{"error":"request body must be a JSON object","code":"bad_request"}"#),
        (
            r#"{"action":"explode"}"#,
            r#"{"error":"invalid JSON body: unknown variant `explode`, expected one of `pause`, `resume`, `kill` at line 1 column 19","code":"bad_request"}"#,
        ),
        (
            r#"{"action":"kill","extra":1}"#,
            r#"{"error":"invalid JSON body: unknown field `extra`, expected `action` at line 1 column 24","code":"bad_request"}"#,
        ),
        (
            "42",
            r#"{"error":"invalid JSON body: invalid type: integer `42`, expected struct ControlRequest at line 1 column 2","code":"bad_request"}"#,
        ),
    ];
    for (body, want) in cases {
        let mut req = post("/api/control", Some(&token), body);
        req.headers_mut().insert(header::CONTENT_TYPE, http::HeaderValue::from_static("application/json"));
        let a = call(&h.ctx, req).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(a.text, want, "{body}");
        a.assert_json_headers();
    }
    assert!(h.backend.actions().is_empty());

    // Login never quotes its body back, since it holds a password.
    let a =
        call(&h.ctx, post("/api/auth/login", None, r#"{"username":"admin","password":"x","pwd":"y"}"#)).await;
    assert_eq!(a.text, r#"{"error":"invalid JSON body: wrong fields or types","code":"bad_request"}"#);
    let a = call(&h.ctx, post("/api/auth/login", None, r#"{"username":"adm"#)).await;
    assert_eq!(a.text, r#"{"error":"invalid JSON body: malformed JSON","code":"bad_request"}"#);
}

#[tokio::test]
async fn validation_errors_are_a_sorted_422() {
    let h = harness();
    let want = concat!(
        r#"{"error":"request failed validation","code":"validation_failed","fields":["#,
        r#"{"field":"password","code":"length","message":"must be 1 to 1024 characters"},"#,
        r#"{"field":"username","code":"length","message":"must be 1 to 128 characters"}]}"#
    );
    // validator's own field order varies between runs; ours must not.
    for _ in 0..20 {
        let a = call(&h.ctx, post("/api/auth/login", None, r#"{"username":"","password":""}"#)).await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(a.text, want);
        a.assert_json_headers();
    }
    let long = "x".repeat(129);
    let a =
        call(&h.ctx, post("/api/auth/login", None, &format!(r#"{{"username":"{long}","password":"p"}}"#)))
            .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!a.text.contains(&long), "the offending value is not echoed");
}

#[tokio::test]
async fn oversized_bodies_get_413() {
    let h = harness();
    let token = login(&h).await;
    let big = format!(r#"{{"action":"kill","pad":"{}"}}"#, "x".repeat(MAX_BODY_BYTES));
    for req in [post("/api/control", Some(&token), &big), post("/api/auth/login", None, &big)] {
        let a = call(&h.ctx, req).await;
        assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(
            a.text,
            r#"{"error":"request body must not exceed 65536 bytes","code":"payload_too_large"}"#
        );
        a.assert_json_headers();
    }
    // Exactly at the limit is read (and then refused as bad JSON, not as too large).
    let at_limit = " ".repeat(MAX_BODY_BYTES);
    let a = call(&h.ctx, post("/api/control", Some(&token), &at_limit)).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(h.backend.actions().is_empty());
}

#[tokio::test]
async fn wrong_methods_get_405_and_unknown_paths_404() {
    let h = harness();
    let token = login(&h).await;
    let cases = [
        (Method::GET, "/api/control", "POST"),
        (Method::GET, "/api/auth/login", "POST"),
        (Method::POST, "/api/status", "GET"),
        (Method::DELETE, "/api/trades", "GET"),
        (Method::PUT, "/api/health", "GET"),
        (Method::POST, "/", "GET"),
    ];
    for (method, path, allow) in cases {
        let a = call(&h.ctx, request(method.clone(), path, Some(&token), "")).await;
        assert_eq!(a.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        assert_eq!(a.headers[header::ALLOW], allow);
        assert_eq!(
            a.text,
            format!(r#"{{"error":"method not allowed; use {allow}","code":"method_not_allowed"}}"#)
        );
    }
    for path in ["/api/nope", "/api/status/", "/api", "/internal/v1/status", "/API/STATUS"] {
        let a = call(&h.ctx, get(path, Some(&token))).await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(a.text, r#"{"error":"no such route","code":"not_found"}"#);
        a.assert_json_headers();
    }
}

#[tokio::test]
async fn a_non_json_content_type_gets_415() {
    let h = harness();
    let token = login(&h).await;
    let mut req = post("/api/control", Some(&token), r#"{"action":"kill"}"#);
    req.headers_mut().insert(header::CONTENT_TYPE, http::HeaderValue::from_static("text/plain"));
    let a = call(&h.ctx, req).await;
    assert_eq!(a.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(h.backend.actions().is_empty());
    let mut req = post("/api/control", Some(&token), r#"{"action":"pause"}"#);
    req.headers_mut()
        .insert(header::CONTENT_TYPE, http::HeaderValue::from_static("application/json; charset=utf-8"));
    assert_eq!(call(&h.ctx, req).await.status, StatusCode::OK);
}

#[tokio::test]
async fn backend_failures_are_generic_5xx() {
    let h = harness();
    let token = login(&h).await;
    h.backend.fail(BackendError::Unavailable("connect 10.1.2.3:8080 refused".into()));
    let a = call(&h.ctx, get("/api/status", Some(&token))).await;
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        a.text,
        r#"{"error":"the trading worker is unavailable; try again shortly","code":"unavailable"}"#
    );
    h.backend.fail(BackendError::Internal("sqlite: disk I/O error at /var/x".into()));
    let a = call(&h.ctx, get("/api/positions", Some(&token))).await;
    assert_eq!(a.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(a.text, r#"{"error":"internal error","code":"internal"}"#);
}

#[tokio::test]
async fn a_search_whose_vector_store_is_down_says_so() {
    let h = harness();
    let token = login(&h).await;
    let said =
        "news search is unavailable: the vector store or the embedder did not answer; try again shortly";
    h.backend.fail(BackendError::DependencyUnavailable(said.into()));
    let a = call(&h.ctx, get("/api/news/search?q=etf", Some(&token))).await;
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(a.text, format!(r#"{{"error":"{said}","code":"dependency_unavailable"}}"#));
}

/// The dashboard as a browser loads it: the page, then each script it names and each module
/// those import, through the router (every one served, as JavaScript, with no token). The page's
/// HTML, then every script's text.
pub(crate) async fn dashboard_as_loaded(ctx: &mirai_web::Ctx) -> (String, String) {
    let page = call(ctx, get("/", None)).await;
    assert_eq!(page.status, StatusCode::OK);
    let mut queue: Vec<String> = page
        .text
        .match_indices(" src=\"")
        .map(|(i, _)| {
            let rest = &page.text[i + " src=\"".len()..];
            rest[..rest.find('"').unwrap_or(0)].to_owned()
        })
        .collect();
    let (mut seen, mut scripts) = (Vec::new(), String::new());
    while let Some(path) = queue.pop() {
        if seen.contains(&path) {
            continue;
        }
        let a = call(ctx, get(&path, None)).await;
        assert_eq!(a.status, StatusCode::OK, "{path}");
        assert_eq!(a.headers[header::CONTENT_TYPE], "text/javascript; charset=utf-8", "{path}");
        assert_eq!(a.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{path}");
        if path.starts_with("/static/js/") {
            for (i, _) in a.text.match_indices("from \"./") {
                let rest = &a.text[i + "from \"./".len()..];
                queue.push(format!("/static/js/{}", &rest[..rest.find('"').unwrap_or(0)]));
            }
            scripts.push_str(&a.text);
        }
        seen.push(path);
    }
    assert!(seen.len() >= 8, "{seen:?}");
    (page.text, scripts)
}

#[tokio::test]
async fn the_dashboard_is_served_with_a_strict_csp() {
    let h = harness();
    for path in ["/", "/index.html", "/api/dashboard"] {
        let a = call(&h.ctx, get(path, None)).await;
        assert_eq!(a.status, StatusCode::OK, "{path}");
        assert_eq!(a.headers[header::CONTENT_TYPE], "text/html; charset=utf-8");
        assert_eq!(a.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(a.headers[header::X_FRAME_OPTIONS], "DENY");
        let csp = a.headers[header::CONTENT_SECURITY_POLICY].to_str().expect("ascii");
        assert_eq!(csp, mirai_web::content_security_policy());
        assert!(csp.starts_with("default-src 'none'; script-src 'self'; style-src 'self';"));
        assert!(csp.contains("connect-src 'self'") && csp.contains("frame-ancestors 'none'"));
        assert!(a.text.contains("KILL SWITCH"));
        assert_eq!(a.text, mirai_web::DASHBOARD_HTML);
    }
    // Its styles and scripts come from this origin, with no token, under the page's CSP.
    let css = call(&h.ctx, get("/static/app.css", None)).await;
    assert_eq!(css.status, StatusCode::OK);
    assert_eq!(css.headers[header::CONTENT_TYPE], "text/css; charset=utf-8");
    let (_, scripts) = dashboard_as_loaded(&h.ctx).await;
    assert!(scripts.contains("performance.mark(\"mirai:first-chart\")"));
    assert_eq!(call(&h.ctx, get("/static/js/nope.js", None)).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_dashboard_shows_the_advisors_day_and_each_decisions_advisor_as_text() {
    let h = harness();
    let (html, js) = dashboard_as_loaded(&h.ctx).await;
    // The Advisor panel reads what `/api/status` `advisor` carries.
    for needle in
        [r#"id="advisor-panel""#, r#"id="advisor-fallbacks""#, r#"id="advisor-cost""#, r#"id="advisor-last""#]
    {
        assert!(html.contains(needle), "the dashboard lacks {needle}");
    }
    for needle in [
        "renderAdvisor(s.advisor)",
        "a.fallbacks_by_cause",
        "a.budget_closed_reason",
        "a.daily_budget_usd",
        "a.tokens_in",
        // A decision that fell back says so, with the reason; a model's names it.
        r#""fallback: ""#,
        "appendAdvice(frag, p.advisor, p.confidence)",
    ] {
        assert!(js.contains(needle), "the dashboard's scripts lack {needle}");
    }
    // Reasons quote servers and models: they only ever go in as text.
    assert!(js.contains("div.textContent = label"));
    for banned in ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write"] {
        assert!(!html.contains(banned) && !js.contains(banned), "the dashboard contains {banned}");
    }
}

#[tokio::test]
async fn no_answer_and_no_debug_output_reveals_the_password_or_secrets() {
    let h = harness();
    let token = login(&h).await;
    let mut answers = Vec::new();
    let requests = vec![
        post("/api/auth/login", None, &format!(r#"{{"username":"{USER}","password":"{PASSWORD}"}}"#)),
        post("/api/auth/login", None, &format!(r#"{{"username":"nobody","password":"{PASSWORD}"}}"#)),
        post("/api/auth/login", None, &format!(r#"{{"username":"{USER}","password":"{PASSWORD}","x":1}}"#)),
        post("/api/auth/login", None, &format!(r#"{{"username":"{USER}","password":["{PASSWORD}"]}}"#)),
        post(
            "/api/auth/login",
            None,
            &format!(r#"{{"username":"{}","password":"{PASSWORD}"}}"#, "u".repeat(200)),
        ),
        get("/api/status", Some(&token)),
        get("/api/status", Some(SECRET)),
        post("/api/control", Some(&token), r#"{"action":"pause"}"#),
        get("/", None),
        get("/api/health", None),
    ];
    for req in requests {
        answers.push(call(&h.ctx, req).await.everything());
    }
    h.backend.fail(BackendError::Internal(format!("oops {SECRET}")));
    answers.push(call(&h.ctx, get("/api/status", Some(&token))).await.everything());
    answers.push(format!("{:?}", h.ctx));
    for text in answers {
        assert!(!text.contains(PASSWORD), "password leaked: {text}");
        assert!(!text.contains(SECRET), "secret leaked: {text}");
    }
}
