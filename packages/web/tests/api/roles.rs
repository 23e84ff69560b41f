//! Roles: every route × every role (and no token), generated from the router's own route list and
//! checked against a table written out here; users removed, disabled or lowered losing their
//! rights on the next request; `/api/me`; the kill switch; and the same over the control API, as
//! the serverless tier runs it.

use std::sync::Arc;

use http::{Method, StatusCode};
use mirai_web::{Auth, Backend, BackendError, ControlAction, Ctx, MemoryUsers, RemoteBackend, Role, routes};
use serde_json::json;

use crate::remote::spawn_worker;
use crate::support::*;

/// The least role each route needs, written out apart from the code (`None`: public), and the
/// statuses a user allowed to use it gets from the fake worker (in the order the matrix runs: a
/// backtest created by the first allowed role is still running when its result is asked; the
/// second decision on a proposal finds it decided). A route the router lists and this table does
/// not fails the matrix: decide who may use it, then add it here. `/api/control` is listed with
/// the trader's `pause`; its kill switch is below.
const EXPECTED: &[(&str, &str, Option<Role>, &[u16])] = &[
    ("GET", "/", None, &[200]),
    ("GET", "/static/js/app.js", None, &[200]),
    ("GET", "/api/health", None, &[200]),
    ("GET", "/api/openapi.json", None, &[200]),
    ("GET", "/api/docs", None, &[200]),
    ("POST", "/api/auth/login", None, &[200]),
    ("GET", "/api/me", Some(Role::Viewer), &[200]),
    ("GET", "/api/status", Some(Role::Viewer), &[200]),
    ("GET", "/api/positions", Some(Role::Viewer), &[200]),
    ("GET", "/api/performance", Some(Role::Viewer), &[200]),
    ("GET", "/api/pnl", Some(Role::Viewer), &[200]),
    ("GET", "/api/round-trips", Some(Role::Viewer), &[200]),
    ("GET", "/api/decisions", Some(Role::Viewer), &[200]),
    ("GET", "/api/trades", Some(Role::Viewer), &[200]),
    ("POST", "/api/control", Some(Role::Trader), &[200]),
    ("POST", "/api/backtests", Some(Role::Trader), &[202]),
    ("GET", "/api/backtests", Some(Role::Viewer), &[200]),
    ("GET", "/api/backtests/{id}", Some(Role::Viewer), &[200]),
    ("GET", "/api/backtests/{id}/result", Some(Role::Viewer), &[409]),
    ("GET", "/api/news/search", Some(Role::Viewer), &[200]),
    ("GET", "/api/rationales/search", Some(Role::Viewer), &[200]),
    ("GET", "/api/proposals", Some(Role::Viewer), &[200]),
    ("POST", "/api/proposals/{id}/approve", Some(Role::Trader), &[200, 409]),
    ("POST", "/api/proposals/{id}/reject", Some(Role::Trader), &[200, 409]),
    ("GET", "/api/risk", Some(Role::Viewer), &[200]),
    ("PUT", "/api/risk", Some(Role::Admin), &[200]),
    ("GET", "/api/audit", Some(Role::Admin), &[200]),
    ("GET", "/api/live", Some(Role::Admin), &[200]),
    ("POST", "/api/live/approve", Some(Role::Admin), &[200]),
    ("POST", "/api/live/revoke", Some(Role::Admin), &[200]),
    ("GET", "/api/users", Some(Role::Admin), &[200]),
    ("POST", "/api/users", Some(Role::Admin), &[201]),
    ("PUT", "/api/users/{name}", Some(Role::Admin), &[200]),
    ("DELETE", "/api/users/{name}", Some(Role::Admin), &[200]),
];

const GOOG: &str =
    r#"{"strategy":"sma-cross","params":{"fast":10,"slow":20},"data":{"bundled":{"name":"goog-daily"}}}"#;

fn forbidden(role: Role) -> String {
    format!(r#"{{"error":"forbidden","code":"forbidden","required_role":"{role}"}}"#)
}

/// A request for the route that would succeed for a user allowed to make it.
fn request_for(method: &str, template: &str, token: Option<&str>) -> http::Request<bytes::Bytes> {
    let path = match template {
        "/api/proposals/{id}/approve" => "/api/proposals/mi-p1-b/approve".to_owned(),
        "/api/proposals/{id}/reject" => "/api/proposals/mi-p2-s/reject".to_owned(),
        "/api/news/search" | "/api/rationales/search" => format!("{template}?q=etf"),
        // A user of the fake worker's only: changed, then removed.
        "/api/users/{name}" => "/api/users/carl".to_owned(),
        t => t.replace("{id}", "bt-1"),
    };
    let body = match template {
        "/api/control" => r#"{"action":"pause"}"#.to_owned(),
        "/api/backtests" if method == "POST" => GOOG.to_owned(),
        "/api/auth/login" => json!({ "username": USER, "password": PASSWORD }).to_string(),
        "/api/risk" if method == "PUT" => {
            json!({ "limits": mirai_core::RiskLimits { max_trades_per_day: 9, ..Default::default() } })
                .to_string()
        }
        // The admin's own password: only the admin gets past the role check.
        "/api/live/approve" => {
            json!({ "password": PASSWORD, "confirm": mirai_web::LIVE_CONFIRMATION }).to_string()
        }
        "/api/users" if method == "POST" => {
            json!({ "name": "newbie", "role": "viewer", "password": "newbie-password" }).to_string()
        }
        "/api/users/{name}" if method == "PUT" => r#"{"role":"viewer"}"#.to_owned(),
        _ => String::new(),
    };
    let method = Method::from_bytes(method.as_bytes()).unwrap_or(Method::GET);
    request(method, &path, token, &body)
}

/// What the fake worker has been asked to change so far.
fn changes(h: &Harness) -> (usize, usize, usize, usize) {
    (
        h.backend.actions().len(),
        h.backend.decided().len(),
        h.backend.backtests.lock().map(|b| b.len()).unwrap_or(0),
        h.backend.admin.mutations(),
    )
}

#[tokio::test]
async fn every_route_answers_every_role_as_the_table_says() {
    let h = harness_with_roles();
    let tokens = [
        (Role::Viewer, h.login_as(VIEWER, VIEWER_PASSWORD).await),
        (Role::Trader, h.login_as(TRADER, TRADER_PASSWORD).await),
        (Role::Admin, h.login_as(USER, PASSWORD).await),
    ];
    let listed = routes();
    assert!(listed.len() >= EXPECTED.len(), "{listed:?}");
    for spec in &listed {
        let Some(&(_, _, minimum, ok)) =
            EXPECTED.iter().find(|(m, t, _, _)| *m == spec.method && *t == spec.template)
        else {
            panic!(
                "{} {} is not in this test's table: decide who may use it and add it",
                spec.method, spec.template
            );
        };
        assert_eq!(spec.permission.map(|p| p.minimum_role()), minimum, "{} {}", spec.method, spec.template);
        let what = format!("{} {}", spec.method, spec.template);

        // No token.
        let before = changes(&h);
        let a = call(&h.ctx, request_for(spec.method, spec.template, None)).await;
        match minimum {
            None => {
                assert!(ok.contains(&a.status.as_u16()), "{what} without a token: {} {}", a.status, a.text)
            }
            Some(_) => {
                assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{what} without a token: {}", a.text);
                assert_eq!(a.text, r#"{"error":"authentication required","code":"unauthorized"}"#, "{what}");
                assert_eq!(changes(&h), before, "{what} without a token reached the worker");
            }
        }

        // Each role.
        for (role, token) in &tokens {
            let before = changes(&h);
            let a = call(&h.ctx, request_for(spec.method, spec.template, Some(token))).await;
            let who = format!("{what} as {role}");
            match minimum {
                Some(needed) if *role < needed => {
                    assert_eq!(a.status, StatusCode::FORBIDDEN, "{who}: {}", a.text);
                    assert_eq!(a.text, forbidden(needed), "{who}");
                    a.assert_json_headers();
                    assert_eq!(changes(&h), before, "{who} was refused but reached the worker");
                }
                _ => assert!(ok.contains(&a.status.as_u16()), "{who}: {} {}", a.status, a.text),
            }
        }
    }
    // Every entry of the table is a route the router still has.
    for (m, t, _, _) in EXPECTED {
        assert!(listed.iter().any(|s| s.method == *m && s.template == *t), "{m} {t} is no longer a route");
    }
}

/// Every serverless function in `api/` is a route of the list the matrix walks: a new public
/// route cannot be added without the matrix seeing it.
#[test]
fn every_serverless_function_is_a_listed_route() {
    let api = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../api");
    let mut stack = vec![api.clone()];
    let mut found = 0;
    let listed = routes();
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap_or_else(|e| panic!("{e}")).path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let Some(stem) = name.strip_suffix(".rs") else { continue };
            if stem.starts_with('_') {
                continue;
            }
            let rel = path.strip_prefix(&api).unwrap_or_else(|e| panic!("{e}")).with_extension("");
            let url = format!("/api/{}", rel.display()).replace("[id]", "mi-1");
            let template = mirai_web::route_template(&url);
            assert!(
                listed.iter().any(|s| s.template == template),
                "api/{} ({url}) is not a listed route",
                rel.display()
            );
            found += 1;
        }
    }
    assert!(found >= 17, "only {found} functions found in {}", api.display());
}

#[tokio::test]
async fn the_kill_switch_and_resuming_after_it_need_an_admin() {
    let h = harness_with_roles();
    let trader = h.login_as(TRADER, TRADER_PASSWORD).await;
    let admin = h.login_as(USER, PASSWORD).await;
    let control =
        |token: &str, action: &str| post("/api/control", Some(token), &format!(r#"{{"action":"{action}"}}"#));

    let a = call(&h.ctx, control(&trader, "kill")).await;
    assert_eq!((a.status, a.text.as_str()), (StatusCode::FORBIDDEN, forbidden(Role::Admin).as_str()));
    // A pause and a resume after it are the trader's to give.
    assert_eq!(call(&h.ctx, control(&trader, "pause")).await.json()["paused"], true);
    let a = call(&h.ctx, control(&trader, "resume")).await;
    assert_eq!((a.status, a.json()["paused"].clone()), (StatusCode::OK, json!(false)));

    assert_eq!(call(&h.ctx, control(&admin, "kill")).await.json()["halted"], true);
    let a = call(&h.ctx, control(&trader, "resume")).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.text);
    assert_eq!(a.text, forbidden(Role::Admin));
    assert_eq!(
        h.backend.actions(),
        [ControlAction::Pause, ControlAction::Resume, ControlAction::Kill],
        "the refused commands never reached the worker"
    );
    assert_eq!(*h.backend.given_by.lock().unwrap_or_else(|e| panic!("{e}")), [TRADER, TRADER, USER]);
    // The admin's resume reaches the worker (this fake one refuses to lift a kill at all).
    let a = call(&h.ctx, control(&admin, "resume")).await;
    assert_eq!(a.status, StatusCode::CONFLICT, "{}", a.text);
    assert_eq!(h.backend.actions().last(), Some(&ControlAction::Resume));
}

#[tokio::test]
async fn a_trader_resume_is_checked_by_the_worker_too() {
    // The kill switch goes on between the web tier's look at the status and the command: the
    // worker's check, in order with the commands, refuses it.
    let backend = FakeBackend::new();
    backend.control(ControlAction::Kill, "admin".into()).await.unwrap_or_else(|e| panic!("{e}"));
    let refused = backend.resume_unless_halted(TRADER.into()).await;
    assert!(matches!(refused, Err(BackendError::Refused(ref m)) if m.contains("kill switch")), "{refused:?}");
    assert!(backend.status().await.unwrap_or_else(|e| panic!("{e}")).halted, "still halted");
}

#[tokio::test]
async fn a_removed_user_is_refused_on_the_next_request() {
    let h = harness_with_roles();
    let token = h.login_as(TRADER, TRADER_PASSWORD).await;
    assert_eq!(call(&h.ctx, get("/api/status", Some(&token))).await.status, StatusCode::OK);
    assert!(h.users.remove(TRADER));
    for req in [get("/api/status", Some(&token)), post("/api/control", Some(&token), r#"{"action":"pause"}"#)]
    {
        let a = call(&h.ctx, req).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{}", a.text);
        assert_eq!(a.text, r#"{"error":"invalid or expired token","code":"unauthorized"}"#);
    }
    assert!(h.backend.actions().is_empty());
    // A new account under the same name does not revive the old token.
    h.users.add(TRADER, TRADER_PASSWORD, Role::Trader).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(call(&h.ctx, get("/api/status", Some(&token))).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_disabled_user_or_a_changed_password_ends_the_sessions() {
    let h = harness_with_roles();
    let viewer = h.login_as(VIEWER, VIEWER_PASSWORD).await;
    let trader = h.login_as(TRADER, TRADER_PASSWORD).await;
    assert!(h.users.set_disabled(VIEWER, true));
    assert_eq!(call(&h.ctx, get("/api/status", Some(&viewer))).await.status, StatusCode::UNAUTHORIZED);
    let again = json!({ "username": VIEWER, "password": VIEWER_PASSWORD }).to_string();
    let a = call(&h.ctx, post("/api/auth/login", None, &again)).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED, "a disabled user cannot log in");
    assert!(h.users.set_password(TRADER, "a-new-password").unwrap_or_else(|e| panic!("{e}")));
    assert_eq!(call(&h.ctx, get("/api/status", Some(&trader))).await.status, StatusCode::UNAUTHORIZED);
    let fresh = h.login_as(TRADER, "a-new-password").await;
    assert_eq!(call(&h.ctx, get("/api/status", Some(&fresh))).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_lowered_role_loses_its_rights_at_once_and_a_raised_one_waits_for_a_login() {
    let h = harness_with_roles();
    let token = h.login_as(TRADER, TRADER_PASSWORD).await;
    let pause = || post("/api/control", Some(&token), r#"{"action":"pause"}"#);
    assert_eq!(call(&h.ctx, pause()).await.status, StatusCode::OK);
    assert!(h.users.set_role(TRADER, Role::Viewer));
    let a = call(&h.ctx, pause()).await;
    assert_eq!((a.status, a.text.clone()), (StatusCode::FORBIDDEN, forbidden(Role::Trader)));
    let me = call(&h.ctx, get("/api/me", Some(&token))).await;
    assert_eq!(me.json()["role"], "viewer");
    assert_eq!(call(&h.ctx, get("/api/status", Some(&token))).await.status, StatusCode::OK, "still a viewer");
    let a = call(&h.ctx, post("/api/proposals/mi-p1-b/approve", Some(&token), "")).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert!(h.backend.decided().is_empty());

    // Raised to admin: the token keeps the role it was issued with until the next login.
    assert!(h.users.set_role(TRADER, Role::Admin));
    let kill = |t: &str| post("/api/control", Some(t), r#"{"action":"kill"}"#);
    assert_eq!(call(&h.ctx, kill(&token)).await.status, StatusCode::FORBIDDEN);
    assert_eq!(call(&h.ctx, get("/api/me", Some(&token))).await.json()["role"], "trader");
    let admin = h.login_as(TRADER, TRADER_PASSWORD).await;
    assert_eq!(call(&h.ctx, kill(&admin)).await.status, StatusCode::OK);
}

#[tokio::test]
async fn me_says_who_the_token_belongs_to() {
    let h = harness_with_roles();
    let login = call(
        &h.ctx,
        post(
            "/api/auth/login",
            None,
            &json!({ "username": VIEWER, "password": VIEWER_PASSWORD }).to_string(),
        ),
    )
    .await;
    let body = login.json();
    assert_eq!((body["user"].as_str(), body["role"].as_str()), (Some(VIEWER), Some("viewer")));
    let token = body["token"].as_str().unwrap_or_default();
    let a = call(&h.ctx, get("/api/me", Some(token))).await;
    assert_eq!(a.status, StatusCode::OK);
    a.assert_json_headers();
    assert_eq!(a.json(), json!({ "user": VIEWER, "role": "viewer", "expires_at": T0 + 12 * 3_600_000 }));
    assert_eq!(call(&h.ctx, get("/api/me", None)).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(call(&h.ctx, post("/api/me", Some(token), "")).await.status, StatusCode::METHOD_NOT_ALLOWED);
}

/// The serverless tier: no users of its own, every login and every request's user checked by the
/// worker over the control API.
#[tokio::test]
async fn the_serverless_tier_checks_every_request_with_the_worker() {
    let backend = FakeBackend::new();
    let users = Arc::new(
        MemoryUsers::new()
            .with(USER, PASSWORD, Role::Admin)
            .and_then(|u| u.with(TRADER, TRADER_PASSWORD, Role::Trader))
            .unwrap_or_else(|e| panic!("{e}")),
    );
    assert!(backend.users.set(users.clone()).is_ok());
    let worker = spawn_worker(backend.clone()).await;
    let remote = Arc::new(RemoteBackend::new(&worker.url, SERVICE_TOKEN).unwrap_or_else(|e| panic!("{e}")));
    let auth = Auth::with_users(SECRET.as_bytes(), remote.clone()).unwrap_or_else(|e| panic!("{e}"));
    let ctx = Ctx::new(auth, remote);

    let login = |user: &str, pw: &str| {
        post("/api/auth/login", None, &json!({ "username": user, "password": pw }).to_string())
    };
    let a = call(&ctx, login(TRADER, "wrong")).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(a.text, r#"{"error":"invalid username or password","code":"unauthorized"}"#);
    assert_eq!(
        call(&ctx, login("nobody", TRADER_PASSWORD)).await.text,
        a.text,
        "the same for an unknown user"
    );
    let a = call(&ctx, login(TRADER, TRADER_PASSWORD)).await;
    assert_eq!((a.status, a.json()["role"].clone()), (StatusCode::OK, json!("trader")), "{}", a.text);
    let token = a.json()["token"].as_str().unwrap_or_default().to_owned();

    assert_eq!(call(&ctx, get("/api/status", Some(&token))).await.status, StatusCode::OK);
    let pause = || post("/api/control", Some(&token), r#"{"action":"pause"}"#);
    assert_eq!(call(&ctx, pause()).await.status, StatusCode::OK);
    let a = call(&ctx, post("/api/control", Some(&token), r#"{"action":"kill"}"#)).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    // A trader's resume goes to the worker as "unless halted".
    assert_eq!(
        call(&ctx, post("/api/control", Some(&token), r#"{"action":"resume"}"#)).await.status,
        StatusCode::OK
    );
    assert_eq!(*backend.given_by.lock().unwrap_or_else(|e| panic!("{e}")), [TRADER, TRADER]);

    users.set_role(TRADER, Role::Viewer);
    assert_eq!(call(&ctx, pause()).await.status, StatusCode::FORBIDDEN, "lowered at once");
    users.remove(TRADER);
    assert_eq!(
        call(&ctx, get("/api/status", Some(&token))).await.status,
        StatusCode::UNAUTHORIZED,
        "removed at once"
    );

    // The worker down: nobody is let in, and nobody is told anything else.
    let admin =
        call(&ctx, login(USER, PASSWORD)).await.json()["token"].as_str().unwrap_or_default().to_owned();
    drop(worker);
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    for req in [get("/api/status", Some(&admin)), login(USER, PASSWORD)] {
        let a = call(&ctx, req).await;
        assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE, "{}", a.text);
        assert!(!a.text.contains(PASSWORD) && !a.text.contains("127.0.0.1"), "{}", a.text);
    }
}

async fn serve(b: &FakeBackend, token: Option<&str>, path: &str, body: String) -> (StatusCode, String) {
    let resp = mirai_web::handle_control_api(b, SERVICE_TOKEN, post(path, token, &body)).await;
    (resp.status(), String::from_utf8_lossy(resp.body()).into_owned())
}

#[tokio::test]
async fn the_control_api_checks_users_only_for_the_service_token_and_never_echoes_a_password() {
    let backend = FakeBackend::new();
    let creds = json!({ "username": USER, "password": PASSWORD }).to_string();
    // A worker that keeps no users serves none.
    let (status, _) =
        serve(&backend, Some(SERVICE_TOKEN), "/internal/v1/users/authenticate", creds.clone()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let users =
        Arc::new(MemoryUsers::new().with(USER, PASSWORD, Role::Admin).unwrap_or_else(|e| panic!("{e}")));
    assert!(backend.users.set(users).is_ok());

    let (status, _) = serve(&backend, None, "/internal/v1/users/authenticate", creds.clone()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the service token is required");
    let (status, text) =
        serve(&backend, Some(SERVICE_TOKEN), "/internal/v1/users/authenticate", creds.clone()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&text).ok(),
        Some(json!({ "account": { "name": USER, "role": "admin", "generation": 1 } }))
    );
    let wrong = json!({ "username": USER, "password": "nope" }).to_string();
    let (_, text) = serve(&backend, Some(SERVICE_TOKEN), "/internal/v1/users/authenticate", wrong).await;
    assert_eq!(text, r#"{"account":null}"#);
    let (_, text) = serve(
        &backend,
        Some(SERVICE_TOKEN),
        "/internal/v1/users/current",
        json!({ "username": USER }).to_string(),
    )
    .await;
    assert!(text.contains(r#""role":"admin""#), "{text}");
    // Bodies that do not parse are answered without quoting them.
    for bad in [
        format!(r#"{{"username":"{USER}","password":"{PASSWORD}","x":1}}"#),
        format!(r#"{{"password":["{PASSWORD}"]}}"#),
    ] {
        let (status, text) =
            serve(&backend, Some(SERVICE_TOKEN), "/internal/v1/users/authenticate", bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(!text.contains(PASSWORD), "{text}");
    }
    assert_eq!(
        mirai_web::route_template("/internal/v1/users/authenticate"),
        "/internal/v1/users/authenticate"
    );
}

#[tokio::test]
async fn no_answer_reveals_a_users_password() {
    let h = harness_with_roles();
    let mut seen = String::new();
    for (user, pw) in [(USER, PASSWORD), (TRADER, TRADER_PASSWORD), (VIEWER, VIEWER_PASSWORD)] {
        let token = h.login_as(user, pw).await;
        for req in [
            get("/api/me", Some(&token)),
            post("/api/control", Some(&token), r#"{"action":"kill"}"#),
            post("/api/auth/login", None, &json!({ "username": user, "password": pw, "x": 1 }).to_string()),
            post("/api/auth/login", None, &json!({ "username": "nobody", "password": pw }).to_string()),
        ] {
            seen.push_str(&call(&h.ctx, req).await.everything());
        }
    }
    seen.push_str(&format!("{:?} {:?}", h.ctx, h.users));
    for pw in [PASSWORD, TRADER_PASSWORD, VIEWER_PASSWORD] {
        assert!(!seen.contains(pw), "a password leaked");
    }
}
