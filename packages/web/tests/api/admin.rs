//! The admin routes with a fake worker: risk limits (`/api/risk`), the audit log
//! (`/api/audit`), the live approval (`/api/live`, `/approve`, `/revoke`) and users
//! (`/api/users`, `/api/users/{name}`): what they answer, every field a bad request names, that
//! the acting user is the token's, that no password is ever echoed, and the same over the control
//! API (`RemoteBackend` against `handle_control_api`). Who may use each route is in the role
//! matrix (`roles.rs`); the 401 without a token in `auth.rs`; hostile input in `fuzz.rs`.

use std::sync::Mutex;

use http::{Method, StatusCode};
use mirai_core::{Amount, Decimal, RiskLimits, Role, Timestamp};
use mirai_web::{
    AuditEntryView, AuditPage, AuditQuery, Backend, BackendError, LIVE_CONFIRMATION, LiveApprovalView,
    LiveApproveRequest, NewUser, RemoteBackend, RiskLimitsView, RiskSource, UserUpdate, UserView,
};
use serde_json::{Value, json};

use crate::remote::spawn_worker;
use crate::support::*;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The worker's admin side, in memory: limits, a log of 7 entries, the approval and the users.
#[derive(Debug)]
pub struct FakeAdmin {
    pub limits: Mutex<RiskLimitsView>,
    pub audit: Vec<AuditEntryView>,
    /// Whether the fake's chain verifies; when not, it is broken at entry 3.
    pub chain_ok: Mutex<bool>,
    pub live: Mutex<LiveApprovalView>,
    /// When set, the pre-flight fails with this check's name.
    pub preflight_fails: Mutex<Option<String>>,
    pub users: Mutex<Vec<UserView>>,
    /// Every change asked for, in order: (what, whom, by).
    pub changes: Mutex<Vec<(String, String, String)>>,
    /// Every password the fake was given, to check none comes back.
    pub passwords: Mutex<Vec<String>>,
}

fn user(name: &str, role: Role) -> UserView {
    let at = Timestamp::from_millis(T0 - 86_400_000);
    UserView { name: name.into(), role, disabled: false, created_at: at, updated_at: at }
}

impl FakeAdmin {
    pub fn new() -> Self {
        let audit = (1..=7u64)
            .rev()
            .map(|seq| AuditEntryView {
                seq,
                ts: Timestamp::from_millis(T0 - 1_000 * (8 - seq as i64)),
                kind: if seq % 2 == 0 { "login".into() } else { "control".into() },
                actor: "admin".into(),
                payload: json!({ "n": seq }),
                prev_hash: format!("{:064x}", seq - 1),
                hash: format!("{seq:064x}"),
            })
            .collect();
        Self {
            limits: Mutex::new(RiskLimitsView {
                limits: RiskLimits::default(),
                source: RiskSource::Configuration,
                updated_by: None,
                updated_at: None,
            }),
            audit,
            chain_ok: Mutex::new(true),
            live: Mutex::new(LiveApprovalView {
                approved: false,
                approved_by: None,
                approved_at: None,
                expires_at: None,
                expired: false,
                live_configured: false,
                approval_hours: 24,
                confirm: LIVE_CONFIRMATION.to_owned(),
            }),
            preflight_fails: Mutex::new(None),
            users: Mutex::new(vec![
                user(USER, Role::Admin),
                user("carl", Role::Trader),
                user(TRADER, Role::Trader),
                user(VIEWER, Role::Viewer),
            ]),
            changes: Mutex::new(Vec::new()),
            passwords: Mutex::new(Vec::new()),
        }
    }

    /// How many changes the fake was asked for.
    pub fn mutations(&self) -> usize {
        lock(&self.changes).len()
    }

    fn change(&self, what: &str, whom: &str, by: &str) {
        lock(&self.changes).push((what.into(), whom.into(), by.into()));
    }

    pub fn risk_limits(&self) -> Result<RiskLimitsView, BackendError> {
        Ok(lock(&self.limits).clone())
    }

    pub fn set_risk_limits(&self, limits: RiskLimits, by: String) -> Result<RiskLimitsView, BackendError> {
        self.change("risk", "", &by);
        let view = RiskLimitsView {
            limits,
            source: RiskSource::Dashboard,
            updated_by: Some(by),
            updated_at: Some(Timestamp::from_millis(T0)),
        };
        *lock(&self.limits) = view.clone();
        Ok(view)
    }

    pub fn audit(&self, q: AuditQuery) -> Result<AuditPage, BackendError> {
        let older: Vec<AuditEntryView> =
            self.audit.iter().filter(|e| q.before.is_none_or(|b| e.seq < b)).cloned().collect();
        let limit = q.limit as usize;
        let next = (older.len() > limit).then(|| older[limit - 1].seq.to_string());
        let ok = *lock(&self.chain_ok);
        Ok(AuditPage {
            entries: older.into_iter().take(limit).collect(),
            next,
            verified: ok,
            verified_through: if ok { 7 } else { 2 },
            broken_at: (!ok).then_some(3),
            broken_reason: (!ok).then(|| "content does not match its hash".to_owned()),
        })
    }

    pub fn live_approval(&self) -> Result<LiveApprovalView, BackendError> {
        Ok(lock(&self.live).clone())
    }

    pub fn approve_live(&self, r: LiveApproveRequest) -> Result<LiveApprovalView, BackendError> {
        if let Some(check) = lock(&self.preflight_fails).clone()
            && r.override_reason.is_none()
        {
            return Err(BackendError::Refused(format!("not approved: the pre-flight failed ({check})")));
        }
        self.change("approve", r.override_reason.as_deref().unwrap_or_default(), &r.by);
        let mut live = lock(&self.live);
        live.approved = true;
        live.approved_by = Some(r.by);
        live.approved_at = Some(Timestamp::from_millis(T0));
        live.expires_at = Some(Timestamp::from_millis(T0 + 24 * 3_600_000));
        Ok(live.clone())
    }

    pub fn revoke_live(&self, by: String) -> Result<LiveApprovalView, BackendError> {
        self.change("revoke", "", &by);
        let mut live = lock(&self.live);
        (live.approved, live.approved_by, live.approved_at, live.expires_at) = (false, None, None, None);
        Ok(live.clone())
    }

    pub fn list_users(&self) -> Result<Vec<UserView>, BackendError> {
        Ok(lock(&self.users).clone())
    }

    pub fn add_user(&self, u: NewUser, by: String) -> Result<UserView, BackendError> {
        lock(&self.passwords).push(u.password.clone());
        let mut users = lock(&self.users);
        if users.iter().any(|x| x.name == u.name) {
            return Err(BackendError::Refused(format!("a user {:?} already exists", u.name)));
        }
        self.change("add", &u.name, &by);
        let added = user(&u.name, u.role);
        users.push(added.clone());
        Ok(added)
    }

    fn admins_left_without(users: &[UserView], name: &str) -> usize {
        users.iter().filter(|u| u.role == Role::Admin && u.name != name).count()
    }

    pub fn update_user(&self, name: String, c: UserUpdate, by: String) -> Result<UserView, BackendError> {
        if let Some(p) = &c.password {
            lock(&self.passwords).push(p.clone());
        }
        let mut users = lock(&self.users);
        let others = Self::admins_left_without(&users, &name);
        let Some(u) = users.iter_mut().find(|u| u.name == name) else {
            return Err(BackendError::NotFound("no such user".into()));
        };
        if c.role.is_some_and(|r| r != Role::Admin) && u.role == Role::Admin && others == 0 {
            return Err(BackendError::Refused(format!("{name:?} is the last enabled admin")));
        }
        self.change("update", &name, &by);
        if let Some(r) = c.role {
            u.role = r;
        }
        Ok(u.clone())
    }

    pub fn remove_user(&self, name: String, by: String) -> Result<UserView, BackendError> {
        let mut users = lock(&self.users);
        let others = Self::admins_left_without(&users, &name);
        let Some(i) = users.iter().position(|u| u.name == name) else {
            return Err(BackendError::NotFound("no such user".into()));
        };
        if users[i].role == Role::Admin && others == 0 {
            return Err(BackendError::Refused(format!("{name:?} is the last enabled admin")));
        }
        self.change("remove", &name, &by);
        Ok(users.remove(i))
    }
}

fn put(path: &str, token: Option<&str>, body: &str) -> http::Request<bytes::Bytes> {
    request(Method::PUT, path, token, body)
}

fn delete(path: &str, token: Option<&str>) -> http::Request<bytes::Bytes> {
    request(Method::DELETE, path, token, "")
}

/// The fields a 422 names, in its (sorted) order.
fn fields(a: &Answer) -> Vec<String> {
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.text);
    assert_eq!(a.json()["code"], "validation_failed");
    a.json()["fields"].as_array().map_or_else(Vec::new, |f| {
        f.iter().map(|f| f["field"].as_str().unwrap_or_default().to_owned()).collect()
    })
}

fn limits_json() -> Value {
    serde_json::to_value(RiskLimits::default()).unwrap_or_else(|e| panic!("{e}"))
}

// ---- /api/risk --------------------------------------------------------------------------

#[tokio::test]
async fn every_role_reads_the_limits_in_force() {
    let h = harness_with_roles();
    let viewer = h.login_as(VIEWER, VIEWER_PASSWORD).await;
    let a = call(&h.ctx, get("/api/risk", Some(&viewer))).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    a.assert_json_headers();
    let body = a.json();
    assert_eq!(body["source"], "configuration");
    assert_eq!(body["limits"], limits_json());
    for name in mirai_web::views::RISK_LIMIT_FIELDS {
        assert!(body["limits"].get(name).is_some(), "{name} missing from {body}");
    }
    assert_eq!(body["limits"]["max_order_notional"], "1000", "decimals are strings");
    assert_eq!(body["limits"]["max_trades_per_day"], 50);
}

#[tokio::test]
async fn an_admin_sets_every_limit_as_the_token_says() {
    let h = harness();
    let token = login(&h).await;
    let mut limits = limits_json();
    limits["max_order_notional"] = json!("25.5");
    limits["max_position_pct"] = json!(0.05);
    limits["max_trades_per_day"] = json!(3);
    let a = call(&h.ctx, put("/api/risk", Some(&token), &json!({ "limits": limits }).to_string())).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let body = a.json();
    assert_eq!((body["source"].as_str(), body["updated_by"].as_str()), (Some("dashboard"), Some(USER)));
    assert_eq!(body["limits"]["max_order_notional"], "25.5");
    let set = lock(&h.backend.admin.limits).limits.clone();
    assert_eq!(set.max_order_notional, Amount::new(Decimal::new(255, 1)));
    assert_eq!((set.max_position_pct, set.max_trades_per_day), (Decimal::new(5, 2), 3));
    // What GET answers, PUT takes back unchanged.
    let again = call(&h.ctx, get("/api/risk", Some(&token))).await.json();
    let a =
        call(&h.ctx, put("/api/risk", Some(&token), &json!({ "limits": again["limits"] }).to_string())).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
}

#[tokio::test]
async fn each_bad_limit_is_a_422_naming_it_and_all_are_listed_at_once() {
    let h = harness();
    let token = login(&h).await;
    let send = |limits: Value| put("/api/risk", Some(&token), &json!({ "limits": limits }).to_string());
    let bad: [(&str, Value); 13] = [
        ("max_order_notional", json!("0")),
        ("max_order_notional", json!("-5")),
        ("max_order_notional", json!("1e16")),
        ("max_position_pct", json!("1.01")),
        ("max_total_exposure_pct", json!(0)),
        ("max_daily_loss_pct", json!("ten")),
        ("max_trades_per_day", json!(-1)),
        ("max_trades_per_day", json!(1.5)),
        ("max_consecutive_losses", json!(4_294_967_296_u64)),
        ("cooldown_ms", json!(604_800_001)),
        ("min_confidence", json!("1.1")),
        ("news_embargo_ms", json!([1])),
        ("news_embargo_ms", json!(null)),
    ];
    for (name, value) in bad {
        let mut limits = limits_json();
        limits[name] = value.clone();
        let a = call(&h.ctx, send(limits)).await;
        assert_eq!(fields(&a), [format!("limits.{name}")], "{name} = {value}");
    }
    let mut all = limits_json();
    all["max_order_notional"] = json!("0");
    all["min_confidence"] = json!(2);
    all["surprise"] = json!(1);
    all.as_object_mut().map(|o| o.remove("cooldown_ms"));
    let a = call(&h.ctx, send(all)).await;
    assert_eq!(
        fields(&a),
        ["limits.cooldown_ms", "limits.max_order_notional", "limits.min_confidence", "limits.surprise"]
    );
    for (body, code) in [("{", StatusCode::BAD_REQUEST), ("[]", StatusCode::UNPROCESSABLE_ENTITY)] {
        let a = call(&h.ctx, put("/api/risk", Some(&token), body)).await;
        assert_eq!(a.status, code, "{body}: {}", a.text);
    }
    assert_eq!(h.backend.admin.mutations(), 0, "nothing reached the worker");
    let a = call(&h.ctx, post("/api/risk", Some(&token), "{}")).await;
    assert_eq!(
        (a.status, a.headers.get("allow").map(|v| v.to_str().unwrap_or_default())),
        (StatusCode::METHOD_NOT_ALLOWED, Some("GET, PUT"))
    );
}

// ---- /api/audit -------------------------------------------------------------------------

#[tokio::test]
async fn the_audit_log_pages_newest_first_with_the_chains_state() {
    let h = harness();
    let token = login(&h).await;
    let a = call(&h.ctx, get("/api/audit?limit=3", Some(&token))).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let page = a.json();
    let seqs = |p: &Value| -> Vec<u64> {
        p["entries"]
            .as_array()
            .map_or_else(Vec::new, |e| e.iter().filter_map(|e| e["seq"].as_u64()).collect())
    };
    assert_eq!(seqs(&page), [7, 6, 5]);
    assert_eq!((page["verified"].as_bool(), page["verified_through"].as_u64()), (Some(true), Some(7)));
    let first = &page["entries"][0];
    for k in ["seq", "ts", "kind", "actor", "payload", "prev_hash", "hash"] {
        assert!(first.get(k).is_some(), "{k} missing: {first}");
    }
    let next = page["next"].as_str().unwrap_or_else(|| panic!("a next page: {page}")).to_owned();
    let page = call(&h.ctx, get(&format!("/api/audit?limit=3&cursor={next}"), Some(&token))).await.json();
    assert_eq!(seqs(&page), [4, 3, 2]);
    let next = page["next"].as_str().unwrap_or_default().to_owned();
    let page = call(&h.ctx, get(&format!("/api/audit?limit=3&cursor={next}"), Some(&token))).await.json();
    assert_eq!((seqs(&page), page["next"].clone()), (vec![1], Value::Null));

    *lock(&h.backend.admin.chain_ok) = false;
    let page = call(&h.ctx, get("/api/audit", Some(&token))).await.json();
    assert_eq!((page["verified"].as_bool(), page["broken_at"].as_u64()), (Some(false), Some(3)));

    for bad in ["limit=0", "limit=501", "cursor=abc", "cursor=0"] {
        let a = call(&h.ctx, get(&format!("/api/audit?{bad}"), Some(&token))).await;
        assert_eq!(fields(&a).len(), 1, "{bad}");
    }
}

// ---- /api/live ----------------------------------------------------------------------------

fn approval(password: &str, confirm: Option<&str>) -> String {
    let mut body = json!({ "password": password });
    if let Some(c) = confirm {
        body["confirm"] = json!(c);
    }
    body.to_string()
}

#[tokio::test]
async fn approving_live_needs_the_password_again_and_the_typed_confirmation() {
    let h = harness();
    let token = login(&h).await;
    let approve = |body: String| post("/api/live/approve", Some(&token), &body);
    let live = call(&h.ctx, get("/api/live", Some(&token))).await;
    assert_eq!(live.status, StatusCode::OK, "{}", live.text);
    assert_eq!(
        (live.json()["approved"].as_bool(), live.json()["confirm"].as_str()),
        (Some(false), Some(LIVE_CONFIRMATION))
    );

    // A wrong password: 403, nothing recorded, never echoed.
    let a = call(&h.ctx, approve(approval("not-the-password", Some(LIVE_CONFIRMATION)))).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.text);
    assert_eq!(a.json()["code"], "password_mismatch");
    assert!(!a.text.contains("not-the-password"));
    // No or a wrong confirmation, no password: 422 naming each, before the password is checked.
    assert_eq!(fields(&call(&h.ctx, approve(approval(PASSWORD, None))).await), ["confirm"]);
    assert_eq!(fields(&call(&h.ctx, approve(approval(PASSWORD, Some("yes")))).await), ["confirm"]);
    assert_eq!(fields(&call(&h.ctx, approve(approval("", Some("nope")))).await), ["confirm", "password"]);
    let a = call(
        &h.ctx,
        approve(format!(r#"{{"password":"{PASSWORD}","confirm":"{LIVE_CONFIRMATION}","x":1}}"#)),
    )
    .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(!a.text.contains(PASSWORD), "{}", a.text);
    assert_eq!(h.backend.admin.mutations(), 0, "nothing recorded");

    // The pre-flight fails: refused with why, unless an override reason is given.
    *lock(&h.backend.admin.preflight_fails) = Some("recent backup".into());
    let a = call(&h.ctx, approve(approval(PASSWORD, Some(LIVE_CONFIRMATION)))).await;
    assert_eq!(a.status, StatusCode::CONFLICT, "{}", a.text);
    assert!(a.json()["error"].as_str().unwrap_or_default().contains("recent backup"));
    let overriding = json!({ "password": PASSWORD, "confirm": LIVE_CONFIRMATION, "override": "rehearsal" });
    let a = call(&h.ctx, approve(overriding.to_string())).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let body = a.json();
    assert_eq!((body["approved"].as_bool(), body["approved_by"].as_str()), (Some(true), Some(USER)));
    assert_eq!(body["expires_at"].as_i64(), Some(T0 + 24 * 3_600_000));
    assert_eq!(
        lock(&h.backend.admin.changes).last().cloned(),
        Some(("approve".into(), "rehearsal".into(), USER.into()))
    );

    let a = call(&h.ctx, post("/api/live/revoke", Some(&token), "")).await;
    assert_eq!((a.status, a.json()["approved"].as_bool()), (StatusCode::OK, Some(false)), "{}", a.text);
    assert_eq!(
        call(&h.ctx, post("/api/live/revoke", Some(&token), r#"{"by":"mallory"}"#)).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(lock(&h.backend.admin.changes).last().map(|c| c.2.clone()), Some(USER.to_owned()));
}

#[tokio::test]
async fn wrong_passwords_at_approval_lock_out_like_logins() {
    let h = harness();
    let token = login(&h).await;
    for _ in 0..5 {
        let a = call(
            &h.ctx,
            post("/api/live/approve", Some(&token), &approval("guess", Some(LIVE_CONFIRMATION))),
        )
        .await;
        assert_eq!(a.status, StatusCode::FORBIDDEN);
    }
    let a =
        call(&h.ctx, post("/api/live/approve", Some(&token), &approval(PASSWORD, Some(LIVE_CONFIRMATION))))
            .await;
    assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS, "{}", a.text);
    assert!(a.headers.contains_key("retry-after"));
    assert_eq!(h.backend.admin.mutations(), 0);
}

// ---- /api/users ---------------------------------------------------------------------------

#[tokio::test]
async fn admins_list_add_change_and_remove_users_without_a_password_ever_coming_back() {
    let h = harness();
    let token = login(&h).await;
    let mut seen = String::new();
    let a = call(&h.ctx, get("/api/users", Some(&token))).await;
    assert_eq!(a.status, StatusCode::OK);
    let names: Vec<String> = a.json()["users"].as_array().map_or_else(Vec::new, |u| {
        u.iter().map(|u| u["name"].as_str().unwrap_or_default().to_owned()).collect()
    });
    assert_eq!(names, [USER, "carl", TRADER, VIEWER]);
    seen.push_str(&a.everything());

    let new = json!({ "name": "dora", "role": "trader", "password": "dora-secret-pw" }).to_string();
    let a = call(&h.ctx, post("/api/users", Some(&token), &new)).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
    assert_eq!((a.json()["name"].as_str(), a.json()["role"].as_str()), (Some("dora"), Some("trader")));
    seen.push_str(&a.everything());
    let a = call(&h.ctx, post("/api/users", Some(&token), &new)).await;
    assert_eq!(a.status, StatusCode::CONFLICT, "a name taken: {}", a.text);
    seen.push_str(&a.everything());
    let bad = json!({ "name": "a b", "role": "root", "password": "short" }).to_string();
    let a = call(&h.ctx, post("/api/users", Some(&token), &bad)).await;
    assert_eq!(fields(&a), ["name", "password", "role"]);
    assert!(!a.text.contains("short"), "{}", a.text);
    assert_eq!(
        fields(&call(&h.ctx, post("/api/users", Some(&token), "{}")).await),
        ["name", "password", "role"]
    );

    let a = call(
        &h.ctx,
        put("/api/users/dora", Some(&token), r#"{"role":"viewer","password":"dora-new-secret"}"#),
    )
    .await;
    assert_eq!((a.status, a.json()["role"].as_str()), (StatusCode::OK, Some("viewer")), "{}", a.text);
    seen.push_str(&a.everything());
    assert_eq!(fields(&call(&h.ctx, put("/api/users/dora", Some(&token), "{}")).await), ["role"]);
    assert_eq!(
        fields(&call(&h.ctx, put("/api/users/dora", Some(&token), r#"{"password":"x"}"#)).await),
        ["password"]
    );
    let a = call(&h.ctx, put("/api/users/nobody", Some(&token), r#"{"role":"viewer"}"#)).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    let a = call(&h.ctx, put("/api/users/a%20b", Some(&token), r#"{"role":"viewer"}"#)).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND, "a name no user can have");

    let a = call(&h.ctx, delete("/api/users/dora", Some(&token))).await;
    assert_eq!(
        (a.status, a.json()["removed"]["name"].as_str()),
        (StatusCode::OK, Some("dora")),
        "{}",
        a.text
    );
    // The last admin stays: neither removed nor lowered.
    let a = call(&h.ctx, delete(&format!("/api/users/{USER}"), Some(&token))).await;
    assert_eq!(a.status, StatusCode::CONFLICT, "{}", a.text);
    assert!(a.json()["error"].as_str().unwrap_or_default().contains("last enabled admin"));
    let a = call(&h.ctx, put(&format!("/api/users/{USER}"), Some(&token), r#"{"role":"trader"}"#)).await;
    assert_eq!(a.status, StatusCode::CONFLICT, "{}", a.text);
    assert_eq!(call(&h.ctx, delete("/api/users/nobody", Some(&token))).await.status, StatusCode::NOT_FOUND);
    let a = call(&h.ctx, request(Method::PATCH, "/api/users/dora", Some(&token), "")).await;
    assert_eq!(a.status, StatusCode::METHOD_NOT_ALLOWED);

    let changes = lock(&h.backend.admin.changes).clone();
    assert!(changes.iter().all(|c| c.2 == USER), "every change is the token's user's: {changes:?}");
    assert_eq!(changes.iter().map(|c| c.0.as_str()).collect::<Vec<_>>(), ["add", "update", "remove"]);
    let passwords = lock(&h.backend.admin.passwords).clone();
    assert!(passwords.contains(&"dora-new-secret".to_owned()));
    for p in passwords {
        assert!(!seen.contains(&p), "a password came back");
    }
}

// ---- The control API ----------------------------------------------------------------------

fn ok<T>(r: Result<T, BackendError>) -> T {
    r.unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn the_admin_routes_round_trip_over_the_control_api() {
    let backend = FakeBackend::new();
    let worker = spawn_worker(backend.clone()).await;
    let remote = RemoteBackend::new(&worker.url, SERVICE_TOKEN).unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(ok(remote.risk_limits().await), ok(backend.risk_limits().await));
    let lower = RiskLimits { max_trades_per_day: 2, ..RiskLimits::default() };
    let set = ok(remote.set_risk_limits(lower.clone(), "ann".into()).await);
    assert_eq!((set.limits, set.updated_by.as_deref()), (lower, Some("ann")));
    let bad = RiskLimits { max_position_pct: Decimal::TWO, ..RiskLimits::default() };
    let refused = remote.set_risk_limits(bad, "ann".into()).await;
    assert!(
        matches!(refused, Err(BackendError::InvalidField { ref field, .. }) if field == "limits.max_position_pct"),
        "{refused:?}"
    );

    let page = ok(remote.audit(AuditQuery { limit: 2, before: Some(5) }).await);
    assert_eq!(page.entries.iter().map(|e| e.seq).collect::<Vec<_>>(), [4, 3]);
    assert_eq!(page, ok(backend.audit(AuditQuery { limit: 2, before: Some(5) }).await));

    assert!(!ok(remote.live_approval().await).approved);
    let approved =
        ok(remote.approve_live(LiveApproveRequest { by: "ann".into(), override_reason: None }).await);
    assert_eq!(approved.approved_by.as_deref(), Some("ann"));
    *lock(&backend.admin.preflight_fails) = Some("alerts delivered".into());
    let refused = remote.approve_live(LiveApproveRequest { by: "ann".into(), override_reason: None }).await;
    assert!(
        matches!(refused, Err(BackendError::Refused(ref m)) if m.contains("alerts delivered")),
        "{refused:?}"
    );
    assert!(!ok(remote.revoke_live("bob".into()).await).approved);

    assert_eq!(ok(remote.list_users().await).len(), 4);
    let added = ok(remote
        .add_user(
            NewUser { name: "eve".into(), role: Role::Viewer, password: "eve-secret-pw".into() },
            "ann".into(),
        )
        .await);
    assert_eq!(added.name, "eve");
    let taken = remote
        .add_user(
            NewUser { name: "eve".into(), role: Role::Viewer, password: "eve-secret-pw".into() },
            "ann".into(),
        )
        .await;
    assert!(matches!(taken, Err(BackendError::Refused(_))), "{taken:?}");
    let changed = ok(remote
        .update_user("eve".into(), UserUpdate { role: Some(Role::Trader), password: None }, "ann".into())
        .await);
    assert_eq!(changed.role, Role::Trader);
    assert!(matches!(
        remote
            .update_user("zed".into(), UserUpdate { role: Some(Role::Trader), password: None }, "ann".into())
            .await,
        Err(BackendError::NotFound(_))
    ));
    assert_eq!(ok(remote.remove_user("eve".into(), "ann".into()).await).name, "eve");
    assert!(matches!(remote.remove_user(USER.into(), "ann".into()).await, Err(BackendError::Refused(_))));
    let by: Vec<String> = lock(&backend.admin.changes).iter().map(|c| c.2.clone()).collect();
    assert_eq!(by, ["ann", "ann", "bob", "ann", "ann", "ann"], "the web tier's user is the worker's actor");

    // The control API checks what it is given too: a blank actor, a short password.
    let raw = |method: Method, path: &str, body: Value| {
        let req = request(method, path, Some(SERVICE_TOKEN), &body.to_string());
        let backend = backend.clone();
        async move {
            let resp = mirai_web::handle_control_api(backend.as_ref(), SERVICE_TOKEN, req).await;
            (resp.status(), String::from_utf8_lossy(resp.body()).into_owned())
        }
    };
    let (status, _) = raw(Method::POST, "/internal/v1/live/revoke", json!({ "by": " " })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, text) = raw(
        Method::POST,
        "/internal/v1/accounts",
        json!({ "name": "x", "role": "viewer", "password": "tiny", "by": "ann" }),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!text.contains("tiny"), "{text}");
    let (status, _) = raw(Method::GET, "/internal/v1/audit?limit=0", json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(mirai_web::route_template("/internal/v1/accounts"), "/internal/v1/accounts");
    assert_eq!(mirai_web::route_template("/api/users/somebody"), "/api/users/{name}");
}

/// A worker whose control API predates the admin routes answers 404: the web tier passes it on,
/// and the dashboard hides the panel.
#[tokio::test]
async fn a_worker_without_the_admin_routes_gives_404() {
    struct Old;
    impl Backend for Old {
        fn status(&self) -> mirai_web::BackendFuture<'_, mirai_web::StatusView> {
            Box::pin(async { Err(BackendError::Unavailable("old".into())) })
        }
        fn positions(&self) -> mirai_web::BackendFuture<'_, Vec<mirai_web::PositionView>> {
            Box::pin(async { Ok(Vec::new()) })
        }
        fn trades(&self, _: u32) -> mirai_web::BackendFuture<'_, Vec<mirai_web::TradeView>> {
            Box::pin(async { Ok(Vec::new()) })
        }
        fn performance(
            &self,
            _: Option<Timestamp>,
            _: Option<Timestamp>,
        ) -> mirai_web::BackendFuture<'_, mirai_web::PerformanceView> {
            Box::pin(async { Err(BackendError::NotFound("old".into())) })
        }
        fn pnl(&self, _: mirai_web::PnlQuery) -> mirai_web::BackendFuture<'_, mirai_web::PnlView> {
            Box::pin(async { Err(BackendError::NotFound("old".into())) })
        }
        fn round_trips(
            &self,
            _: mirai_web::RoundTripsQuery,
        ) -> mirai_web::BackendFuture<'_, mirai_web::RoundTripsPage> {
            Box::pin(async { Err(BackendError::NotFound("old".into())) })
        }
        fn decisions(
            &self,
            _: mirai_web::DecisionsQuery,
        ) -> mirai_web::BackendFuture<'_, mirai_web::DecisionsPage> {
            Box::pin(async { Err(BackendError::NotFound("old".into())) })
        }
        fn control(
            &self,
            _: mirai_web::ControlAction,
            _: String,
        ) -> mirai_web::BackendFuture<'_, mirai_web::StatusView> {
            Box::pin(async { Err(BackendError::NotFound("old".into())) })
        }
        fn proposals(
            &self,
            _: Option<mirai_web::ProposalStatus>,
            _: u32,
        ) -> mirai_web::BackendFuture<'_, Vec<mirai_web::ProposalView>> {
            Box::pin(async { Ok(Vec::new()) })
        }
        fn decide_proposal(
            &self,
            _: String,
            _: bool,
            _: String,
        ) -> mirai_web::BackendFuture<'_, mirai_web::ProposalView> {
            Box::pin(async { Err(BackendError::NotFound("old".into())) })
        }
        fn create_backtest(
            &self,
            _: mirai_web::BacktestRequest,
        ) -> mirai_web::BackendFuture<'_, mirai_web::BacktestJobView> {
            Box::pin(async { Err(BackendError::NotFound("old".into())) })
        }
        fn backtest(&self, _: &str) -> mirai_web::BackendFuture<'_, mirai_web::BacktestJobView> {
            Box::pin(async { Err(BackendError::NotFound("old".into())) })
        }
        fn backtest_result(&self, _: &str) -> mirai_web::BackendFuture<'_, mirai_web::BacktestResultView> {
            Box::pin(async { Err(BackendError::NotFound("old".into())) })
        }
        fn backtests(
            &self,
            _: mirai_web::BacktestsQuery,
        ) -> mirai_web::BackendFuture<'_, mirai_web::BacktestsPage> {
            Box::pin(async { Err(BackendError::NotFound("old".into())) })
        }
        fn search_news(
            &self,
            _: mirai_web::SearchRequest,
        ) -> mirai_web::BackendFuture<'_, Vec<mirai_web::SearchHitView>> {
            Box::pin(async { Ok(Vec::new()) })
        }
        fn search_rationales(
            &self,
            _: mirai_web::SearchRequest,
        ) -> mirai_web::BackendFuture<'_, Vec<mirai_web::SearchHitView>> {
            Box::pin(async { Ok(Vec::new()) })
        }
        fn record_login(&self, _: mirai_web::LoginEvent) -> mirai_web::BackendFuture<'_, ()> {
            Box::pin(async { Ok(()) })
        }
    }
    let old = Old;
    for path in ["/internal/v1/risk", "/internal/v1/audit", "/internal/v1/live", "/internal/v1/accounts"] {
        let resp = mirai_web::handle_control_api(&old, SERVICE_TOKEN, get(path, Some(SERVICE_TOKEN))).await;
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{path}");
    }
}
