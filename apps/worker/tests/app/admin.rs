//! The admin routes on the real worker and its store: risk limits set from the dashboard apply to
//! the next decision and survive a restart (winning over the environment); the audit log pages
//! newest first and says when its chain is broken; the live approval needs the password again
//! and the typed confirmation, lapses after `LIVE_APPROVAL_HOURS`, and `mirai live` and the
//! dashboard see each other's; users are managed through the store `mirai users` uses, audited
//! with the acting admin, the last admin kept.

use std::path::Path;
use std::time::{Duration, Instant};

use mirai_core::Timestamp;
use mirai_store_local::{DB_FILE, LocalStore};
use serde_json::{Value, json};

use crate::helpers::*;

/// `mirai ARGS --data-dir DIR` ([`run_mirai`]): exit code and everything it printed.
fn mirai(dir: &Path, args: &[&str], vars: &[(&str, &str)], stdin: &str) -> (i32, String) {
    let (code, out, err) = run_mirai(dir, args, vars, stdin);
    (code, format!("{out}{err}"))
}

/// A request as `token`: the status and the JSON body (`null` when there is none).
async fn send(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = app.client.request(method, format!("{}{path}", app.base)).bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.unwrap_or_else(|e| panic!("{path}: {e}"));
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn login_as(app: &TestApp, user: &str, password: &str) -> Option<String> {
    let resp = app
        .client
        .post(format!("{}/api/auth/login", app.base))
        .json(&json!({ "username": user, "password": password }))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    body["token"].as_str().map(str::to_owned)
}

fn notional(trade: &Value) -> f64 {
    let num = |k: &str| trade[k].as_str().and_then(|s| s.parse::<f64>().ok()).unwrap_or(0.0);
    num("qty") * num("price")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn risk_limits_set_from_the_dashboard_apply_to_the_next_decision_and_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let app = spawn(dir.path()).await;
    app.wait_for_trades(1, 30).await;
    let risk = app.get("/api/risk").await;
    assert_eq!(
        (risk["source"].as_str(), risk["limits"]["max_order_notional"].as_str()),
        (Some("configuration"), Some("1000"))
    );

    // One field at a time is a 422 naming it; nothing changes.
    let mut limits = risk["limits"].clone();
    limits["max_position_pct"] = json!("2");
    let (status, body) =
        send(&app, reqwest::Method::PUT, "/api/risk", &app.token, Some(json!({ "limits": limits }))).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["fields"][0]["field"], "limits.max_position_pct");

    // Lowered to a tenth of the buys' size: the next buy is sized within it (a buy that cannot
    // be is refused by the gates).
    let buys_before: Vec<f64> =
        app.trades().await.iter().filter(|t| t["side"] == "BUY").map(notional).collect();
    assert!(buys_before.iter().any(|n| *n > 150.0), "buys before the change: {buys_before:?}");
    let mut limits = risk["limits"].clone();
    limits["max_order_notional"] = json!("100");
    let (status, body) =
        send(&app, reqwest::Method::PUT, "/api/risk", &app.token, Some(json!({ "limits": limits }))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!((body["source"].as_str(), body["updated_by"].as_str()), (Some("dashboard"), Some("admin")));
    assert_eq!(body["limits"]["max_order_notional"], "100");
    let before: Vec<String> = trade_ids(&app.trades().await);
    let deadline = Instant::now() + Duration::from_secs(60);
    let new_buys = loop {
        let buys: Vec<Value> = app
            .trades()
            .await
            .into_iter()
            .filter(|t| {
                t["side"] == "BUY" && !before.contains(&t["trade_id"].as_str().unwrap_or_default().to_owned())
            })
            .collect();
        if !buys.is_empty() {
            break buys;
        }
        assert!(Instant::now() < deadline, "no buy within 60 s of the change");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    // Sized at the decision's price; the fill's slippage may add a little.
    assert!(new_buys.iter().all(|t| notional(t) <= 100.5), "a buy above the new limit: {new_buys:?}");
    let entry =
        app.running.store.audit(100_000).unwrap_or_default().into_iter().find(|e| e.kind == "risk_limits");
    let entry = entry.unwrap_or_else(|| panic!("the change is audited"));
    assert_eq!(
        (entry.actor.as_str(), entry.payload["previous"]["max_order_notional"].as_str()),
        ("admin", Some("1000"))
    );
    assert_eq!(entry.payload["limits"]["max_order_notional"], "100");
    app.stop().await;

    // A restart keeps them, and they win over the environment's from then on.
    let app = spawn_with(dir.path(), &[("MAX_ORDER_NOTIONAL", "500")]).await;
    let risk = app.get("/api/risk").await;
    assert_eq!(risk["limits"]["max_order_notional"], "100", "{risk}");
    assert_eq!((risk["source"].as_str(), risk["updated_by"].as_str()), (Some("dashboard"), Some("admin")));
    // A viewer reads them; only an admin changes them.
    let (code, _) = mirai(dir.path(), &["users", "add", "vic", "--role", "viewer"], &[], "viewer-password\n");
    assert_eq!(code, 0);
    let viewer = login_as(&app, "vic", "viewer-password").await.unwrap_or_else(|| panic!("vic logs in"));
    assert_eq!(send(&app, reqwest::Method::GET, "/api/risk", &viewer, None).await.0, 200);
    let (status, body) =
        send(&app, reqwest::Method::PUT, "/api/risk", &viewer, Some(json!({ "limits": risk["limits"] })))
            .await;
    assert_eq!((status, body["required_role"].as_str()), (403, Some("admin")));
    app.stop().await;
}

/// Edits entry `seq` behind the store's back (as `audit_chain.rs` does).
fn tamper(data: &Path, seq: i64) {
    let conn = rusqlite::Connection::open(data.join(DB_FILE)).unwrap_or_else(|e| panic!("{e}"));
    conn.execute_batch("DROP TRIGGER audit_log_no_update").unwrap_or_else(|e| panic!("{e}"));
    let n = conn
        .execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = ?1", [seq])
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(n, 1, "no entry {seq}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_log_pages_newest_first_and_says_when_its_chain_breaks() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let app = spawn(dir.path()).await;
    app.wait_for_trades(1, 30).await;
    let first = app.get("/api/audit?limit=5").await;
    assert_eq!(first["verified"], true, "{first}");
    let top = first["entries"][0]["seq"].as_u64().unwrap_or_else(|| panic!("entries: {first}"));
    assert!(first["verified_through"].as_u64() >= Some(top));
    for k in ["seq", "ts", "kind", "actor", "payload", "prev_hash", "hash"] {
        assert!(first["entries"][0].get(k).is_some(), "{k}");
    }
    // Page back to the first entry: every seq once, newest first.
    let mut seqs = Vec::new();
    let mut page = first;
    let mut pages = 0;
    loop {
        pages += 1;
        seqs.extend(page["entries"].as_array().into_iter().flatten().filter_map(|e| e["seq"].as_u64()));
        match page["next"].as_str() {
            Some(next) => page = app.get(&format!("/api/audit?limit=200&cursor={next}")).await,
            None => break,
        }
        assert!(pages < 10_000, "the pages do not end");
    }
    let want: Vec<u64> = (1..=top).rev().collect();
    assert_eq!(seqs, want);
    // Entries appended since are checked as they come.
    app.control("pause").await;
    let again = app.get("/api/audit?limit=1").await;
    assert_eq!(again["verified"], true);
    assert!(again["verified_through"].as_u64() > Some(top));
    app.stop().await;

    tamper(dir.path(), 2);
    let app = spawn(dir.path()).await;
    let page = app.get("/api/audit?limit=3").await;
    assert_eq!((page["verified"].as_bool(), page["broken_at"].as_u64()), (Some(false), Some(2)), "{page}");
    assert!(page["broken_reason"].as_str().unwrap_or_default().contains("hash"), "{page}");
    assert_eq!(page["entries"].as_array().map(Vec::len), Some(3), "the log is still shown");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_approval_needs_the_password_and_the_confirmation_and_the_cli_sees_it() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let app = spawn_with(dir.path(), &[("LIVE_APPROVAL_HOURS", "2")]).await;
    let tok = app.token.clone();
    let approve = |body: Value| send(&app, reqwest::Method::POST, "/api/live/approve", &tok, Some(body));
    let live = app.get("/api/live").await;
    assert_eq!(
        (live["approved"].as_bool(), live["approval_hours"].as_u64()),
        (Some(false), Some(2)),
        "{live}"
    );
    let confirm = live["confirm"].as_str().unwrap_or_else(|| panic!("{live}")).to_owned();
    let audited = |store: &LocalStore| {
        store.audit(100_000).unwrap_or_default().into_iter().filter(|e| e.kind == "live_approval").count()
    };

    // A wrong password: 403, and nothing recorded.
    let (status, body) = approve(json!({ "password": "wrong password", "confirm": confirm })).await;
    assert_eq!((status, body["code"].as_str()), (403, Some("password_mismatch")), "{body}");
    // No or a wrong confirmation: 422.
    let (status, body) = approve(json!({ "password": PASSWORD })).await;
    assert_eq!((status, body["fields"][0]["field"].as_str()), (422, Some("confirm")), "{body}");
    let (status, _) = approve(json!({ "password": PASSWORD, "confirm": "approve" })).await;
    assert_eq!(status, 422);
    // The pre-flight fails here (no Binance key, no backup …): refused, as the CLI refuses.
    let (status, body) = approve(json!({ "password": PASSWORD, "confirm": confirm })).await;
    assert_eq!(status, 409, "{body}");
    assert!(body["error"].as_str().unwrap_or_default().contains("pre-flight"), "{body}");
    assert_eq!(app.running.store.live_approval().unwrap_or_else(|e| panic!("{e}")), None);
    assert_eq!(audited(&app.running.store), 0, "nothing recorded");

    // With an override reason: approved for LIVE_APPROVAL_HOURS, audited with the reason.
    let (status, body) =
        approve(json!({ "password": PASSWORD, "confirm": confirm, "override": "rehearsal" })).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!((body["approved"].as_bool(), body["approved_by"].as_str()), (Some(true), Some("admin")));
    let (at, until) = (body["approved_at"].as_i64().unwrap_or(0), body["expires_at"].as_i64().unwrap_or(0));
    assert_eq!(until - at, 2 * 3_600_000);
    let entry =
        app.running.store.audit(100_000).unwrap_or_default().into_iter().find(|e| e.kind == "live_approval");
    let entry = entry.unwrap_or_else(|| panic!("audited"));
    assert_eq!((entry.actor.as_str(), entry.payload["via"].as_str()), ("admin", Some("web")));
    assert!(entry.payload["overridden"].as_str().unwrap_or_default().contains("rehearsal"));
    assert!(!serde_json::to_string(&entry.payload).unwrap_or_default().contains(PASSWORD));

    // The CLI sees the dashboard's approval, and revokes it; the dashboard sees that.
    let (code, out) = mirai(dir.path(), &["live", "status"], &[], "");
    assert!(code == 0 && out.contains("approved by admin"), "{out}");
    let (code, out) = mirai(dir.path(), &["live", "revoke", "--by", "ops"], &[], "");
    assert_eq!(code, 0, "{out}");
    assert_eq!(app.get("/api/live").await["approved"], false);
    // … and approves; the dashboard shows it, with the CLI's LIVE_APPROVAL_HOURS.
    let (code, out) = mirai(
        dir.path(),
        &["live", "approve", "--by", "ops", "--override", "cli rehearsal"],
        &[("LIVE_APPROVAL_HOURS", "3")],
        "",
    );
    assert_eq!(code, 0, "{out}");
    let live = app.get("/api/live").await;
    assert_eq!(
        (live["approved"].as_bool(), live["approved_by"].as_str()),
        (Some(true), Some("ops")),
        "{live}"
    );
    let span = live["expires_at"].as_i64().unwrap_or(0) - live["approved_at"].as_i64().unwrap_or(0);
    assert_eq!(span, 3 * 3_600_000);
    // Revoked from the dashboard: the CLI says so.
    let (status, body) = send(&app, reqwest::Method::POST, "/api/live/revoke", &tok, None).await;
    assert_eq!((status, body["approved"].as_bool()), (200, Some(false)), "{body}");
    let (_, out) = mirai(dir.path(), &["live", "status"], &[], "");
    assert!(out.contains("not approved"), "{out}");
    let actors: Vec<(String, Option<String>)> = app
        .running
        .store
        .audit(100_000)
        .unwrap_or_default()
        .into_iter()
        .filter(|e| e.kind == "live_approval")
        .map(|e| (e.actor, e.payload["via"].as_str().map(str::to_owned)))
        .rev()
        .collect();
    let via = |a: &str, v: &str| (a.to_owned(), Some(v.to_owned()));
    assert_eq!(actors, [via("admin", "web"), via("ops", "cli"), via("ops", "cli"), via("admin", "web")]);

    // An approval whose time is up is no approval: the dashboard and the CLI say it lapsed.
    let long_ago = Timestamp::from_millis(1_000);
    app.running
        .store
        .approve_live_until("admin", long_ago, Timestamp::from_millis(2_000), None, "web")
        .unwrap_or_else(|e| panic!("{e}"));
    let live = app.get("/api/live").await;
    assert_eq!((live["approved"].as_bool(), live["expired"].as_bool()), (Some(false), Some(true)), "{live}");
    let (_, out) = mirai(dir.path(), &["live", "status"], &[], "");
    assert!(out.contains("expired"), "{out}");
    // A trader may not even look.
    let (code, _) =
        mirai(dir.path(), &["users", "add", "tess", "--role", "trader"], &[], "trader-password\n");
    assert_eq!(code, 0);
    let trader = login_as(&app, "tess", "trader-password").await.unwrap_or_else(|| panic!("tess logs in"));
    assert_eq!(send(&app, reqwest::Method::GET, "/api/live", &trader, None).await.0, 403);
    let (status, _) = send(
        &app,
        reqwest::Method::POST,
        "/api/live/approve",
        &trader,
        Some(json!({ "password": "trader-password", "confirm": confirm })),
    )
    .await;
    assert_eq!(status, 403);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_manage_users_in_the_store_the_cli_uses() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let app = spawn(dir.path()).await;
    let tok = app.token.clone();
    let users = |body: &Value| -> Vec<(String, String)> {
        body["users"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|u| {
                (
                    u["name"].as_str().unwrap_or_default().to_owned(),
                    u["role"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    };
    assert_eq!(users(&app.get("/api/users").await), [("admin".to_owned(), "admin".to_owned())]);

    let pw = "tess-first-password";
    let (status, body) = send(
        &app,
        reqwest::Method::POST,
        "/api/users",
        &tok,
        Some(json!({ "name": "tess", "role": "trader", "password": pw })),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert!(!body.to_string().contains(pw) && body.get("password_hash").is_none(), "{body}");
    let (status, _) = send(
        &app,
        reqwest::Method::POST,
        "/api/users",
        &tok,
        Some(json!({ "name": "tess", "role": "viewer", "password": pw })),
    )
    .await;
    assert_eq!(status, 409, "a name taken");
    let (status, body) = send(
        &app,
        reqwest::Method::POST,
        "/api/users",
        &tok,
        Some(json!({ "name": "bad name", "role": "boss", "password": "x" })),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(body["fields"].as_array().map(Vec::len), Some(3), "{body}");

    // The new user logs in; the CLI lists them.
    let tess = login_as(&app, "tess", pw).await.unwrap_or_else(|| panic!("tess logs in"));
    assert_eq!(
        send(&app, reqwest::Method::POST, "/api/control", &tess, Some(json!({ "action": "pause" }))).await.0,
        200
    );
    assert_eq!(
        send(&app, reqwest::Method::GET, "/api/users", &tess, None).await.0,
        403,
        "a trader manages no users"
    );
    let (code, out) = mirai(dir.path(), &["users", "list"], &[], "");
    assert!(code == 0 && out.contains("tess") && out.contains("trader"), "{out}");

    // Lowered: her next request has the lower role. A new password ends her sessions.
    let (status, body) =
        send(&app, reqwest::Method::PUT, "/api/users/tess", &tok, Some(json!({ "role": "viewer" }))).await;
    assert_eq!((status, body["role"].as_str()), (200, Some("viewer")), "{body}");
    assert_eq!(
        send(&app, reqwest::Method::POST, "/api/control", &tess, Some(json!({ "action": "resume" }))).await.0,
        403
    );
    let new_pw = "tess-second-password";
    let (status, _) =
        send(&app, reqwest::Method::PUT, "/api/users/tess", &tok, Some(json!({ "password": new_pw }))).await;
    assert_eq!(status, 200);
    assert_eq!(
        send(&app, reqwest::Method::GET, "/api/status", &tess, None).await.0,
        401,
        "her old session ended"
    );
    assert!(login_as(&app, "tess", pw).await.is_none());
    assert!(login_as(&app, "tess", new_pw).await.is_some());
    assert_eq!(
        send(&app, reqwest::Method::PUT, "/api/users/nobody", &tok, Some(json!({ "role": "viewer" })))
            .await
            .0,
        404
    );

    // A user the CLI adds is listed here, and removed from here.
    let (code, _) = mirai(dir.path(), &["users", "add", "cleo", "--role", "admin"], &[], "cleo-password\n");
    assert_eq!(code, 0);
    assert!(users(&app.get("/api/users").await).contains(&("cleo".to_owned(), "admin".to_owned())));
    let (status, body) = send(&app, reqwest::Method::DELETE, "/api/users/cleo", &tok, None).await;
    assert_eq!((status, body["removed"]["name"].as_str()), (200, Some("cleo")), "{body}");
    let (status, _) = send(&app, reqwest::Method::DELETE, "/api/users/tess", &tok, None).await;
    assert_eq!(status, 200);
    assert!(login_as(&app, "tess", new_pw).await.is_none(), "removed");
    // The last admin stays.
    let (status, body) = send(&app, reqwest::Method::DELETE, "/api/users/admin", &tok, None).await;
    assert_eq!(status, 409, "{body}");
    assert!(body["error"].as_str().unwrap_or_default().contains("last enabled admin"), "{body}");
    let (status, _) =
        send(&app, reqwest::Method::PUT, "/api/users/admin", &tok, Some(json!({ "role": "viewer" }))).await;
    assert_eq!(status, 409);
    assert_eq!(users(&app.get("/api/users").await), [("admin".to_owned(), "admin".to_owned())]);

    // Every change is audited with the acting admin, through the web; never a password or hash.
    let entries: Vec<_> = app
        .running
        .store
        .audit(100_000)
        .unwrap_or_default()
        .into_iter()
        .filter(|e| e.kind == "user")
        .collect();
    let web: Vec<(String, String)> = entries
        .iter()
        .filter(|e| e.payload["via"] == "web")
        .map(|e| (e.actor.clone(), e.payload["action"].as_str().unwrap_or_default().to_owned()))
        .rev()
        .collect();
    let want = ["add", "role", "passwd", "remove", "remove"].map(|a| ("admin".to_owned(), a.to_owned()));
    assert_eq!(web, want);
    let everything = format!("{entries:?}");
    for secret in [pw, new_pw, "$argon2"] {
        assert!(!everything.contains(secret), "{secret} in the audit log");
    }
    app.stop().await;
}

/// The serverless tier, as on Vercel: a web `Ctx` with no users of its own, every admin route
/// reaching this worker through its control API (service token), the acting user named to it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_serverless_tier_reaches_the_admin_routes_through_the_control_api() {
    const SERVICE: &str = "svc-token-for-the-admin-routes-test-0123456789";
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let app = spawn_with(dir.path(), &[("WORKER_SERVICE_TOKEN", SERVICE)]).await;
    let vars: std::collections::HashMap<&str, String> = [
        ("JWT_SECRET", "the-serverless-tier-own-jwt-secret-0123456789".to_owned()),
        ("WORKER_URL", app.base.clone()),
        ("WORKER_SERVICE_TOKEN", SERVICE.to_owned()),
    ]
    .into_iter()
    .collect();
    let ctx = mirai_web::Ctx::from_vars(|k| vars.get(k).cloned()).unwrap_or_else(|e| panic!("{e}"));
    let call = |method: http::Method, path: &str, token: Option<&str>, body: Option<Value>| {
        let mut b = http::Request::builder().method(method).uri(path);
        if let Some(t) = token {
            b = b.header(http::header::AUTHORIZATION, format!("Bearer {t}"));
        }
        if body.is_some() {
            b = b.header(http::header::CONTENT_TYPE, "application/json");
        }
        let bytes = body.map(|v| v.to_string()).unwrap_or_default();
        let req = b.body(bytes::Bytes::from(bytes)).unwrap_or_else(|e| panic!("{e}"));
        let ctx = &ctx;
        async move {
            let resp = mirai_web::handle(ctx, req).await;
            let body = serde_json::from_slice(resp.body()).unwrap_or(Value::Null);
            (resp.status().as_u16(), body)
        }
    };
    let (status, login) = call(
        http::Method::POST,
        "/api/auth/login",
        None,
        Some(json!({ "username": "admin", "password": PASSWORD })),
    )
    .await;
    assert_eq!(status, 200, "{login}");
    let tok = login["token"].as_str().unwrap_or_else(|| panic!("{login}")).to_owned();
    let t = Some(tok.as_str());

    let (status, risk) = call(http::Method::GET, "/api/risk", t, None).await;
    assert_eq!((status, risk["source"].as_str()), (200, Some("configuration")), "{risk}");
    let mut limits = risk["limits"].clone();
    limits["max_trades_per_day"] = json!(7);
    let (status, set) = call(http::Method::PUT, "/api/risk", t, Some(json!({ "limits": limits }))).await;
    assert_eq!((status, set["updated_by"].as_str()), (200, Some("admin")), "{set}");
    let kept =
        app.running.store.risk_limits().unwrap_or_else(|e| panic!("{e}")).unwrap_or_else(|| panic!("kept"));
    assert_eq!((kept.limits.max_trades_per_day, kept.set_by.as_str()), (7, "admin"));

    let (status, page) = call(http::Method::GET, "/api/audit?limit=2", t, None).await;
    assert_eq!((status, page["verified"].as_bool()), (200, Some(true)), "{page}");
    assert_eq!(page["entries"].as_array().map(Vec::len), Some(2));

    let confirm = mirai_web::LIVE_CONFIRMATION;
    let (status, _) = call(
        http::Method::POST,
        "/api/live/approve",
        t,
        Some(json!({ "password": "wrong", "confirm": confirm })),
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(app.running.store.live_approval().unwrap_or_else(|e| panic!("{e}")), None);
    let body = json!({ "password": PASSWORD, "confirm": confirm, "override": "serverless rehearsal" });
    let (status, live) = call(http::Method::POST, "/api/live/approve", t, Some(body)).await;
    assert_eq!((status, live["approved_by"].as_str()), (200, Some("admin")), "{live}");
    let (status, live) = call(http::Method::POST, "/api/live/revoke", t, None).await;
    assert_eq!((status, live["approved"].as_bool()), (200, Some(false)), "{live}");

    let new = json!({ "name": "sid", "role": "viewer", "password": "sid-password-1" });
    assert_eq!(call(http::Method::POST, "/api/users", t, Some(new)).await.0, 201);
    let (status, sid) = call(http::Method::PUT, "/api/users/sid", t, Some(json!({ "role": "trader" }))).await;
    assert_eq!((status, sid["role"].as_str()), (200, Some("trader")), "{sid}");
    assert_eq!(call(http::Method::DELETE, "/api/users/sid", t, None).await.0, 200);
    let (status, refused) = call(http::Method::DELETE, "/api/users/admin", t, None).await;
    assert_eq!(status, 409, "{refused}");
    let actors: Vec<String> = app
        .running
        .store
        .audit(100_000)
        .unwrap_or_default()
        .into_iter()
        .filter(|e| ["user", "live_approval", "risk_limits"].contains(&e.kind.as_str()))
        .filter(|e| e.payload["via"] != "start")
        .map(|e| e.actor)
        .collect();
    assert!(actors.len() >= 6 && actors.iter().all(|a| a == "admin"), "{actors:?}");
    app.stop().await;
}
