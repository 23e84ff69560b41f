//! What the admin routes show and take: the risk limits (`/api/risk`), the audit log
//! (`/api/audit`), the live-trading approval (`/api/live`) and the users (`/api/users`), with the
//! checks their input must pass. Decimals are strings; times are milliseconds since the Unix
//! epoch.

use std::fmt;

use mirai_core::{Amount, Confidence, Decimal, RiskLimits, Role, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::FieldError;

/// What `POST /api/live/approve`'s `confirm` must say, typed by the person approving.
pub const LIVE_CONFIRMATION: &str = "APPROVE LIVE TRADING";
/// The longest reason for approving although the pre-flight fails (as `mirai live approve
/// --override`).
pub const MAX_OVERRIDE_CHARS: usize = 500;
/// The shortest and longest password a user may be given (as `mirai users`).
pub const MIN_PASSWORD_CHARS: usize = 8;
pub const MAX_PASSWORD_CHARS: usize = 1024;
/// The largest `max_order_notional` accepted, in the quote currency.
pub const MAX_ORDER_NOTIONAL: i64 = 1_000_000_000_000_000;
/// The longest cooldown (a week) and news embargo (a day), in milliseconds: as the settings.
pub const MAX_COOLDOWN_MS: i64 = 7 * 24 * 3_600_000;
pub const MAX_NEWS_EMBARGO_MS: i64 = 24 * 3_600_000;

/// Where the limits in force come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RiskSource {
    /// The environment (`MAX_*` …) and `STRATEGY_FILE`'s `[risk]`, or their defaults.
    Configuration,
    /// Set by a person (`PUT /api/risk`): kept in the store, they win over the configuration
    /// from then on, across restarts.
    Dashboard,
}

/// `GET`/`PUT /api/risk`: every limit the gates enforce now (the fields of `RiskLimits`:
/// percentages as fractions of equity, durations in milliseconds), where they come from, and who
/// set them last from the dashboard.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RiskLimitsView {
    pub limits: RiskLimits,
    pub source: RiskSource,
    pub updated_by: Option<String>,
    pub updated_at: Option<Timestamp>,
}

/// The names of the limits, in `RiskLimits`' order.
pub const RISK_LIMIT_FIELDS: [&str; 9] = [
    "max_order_notional",
    "max_position_pct",
    "max_total_exposure_pct",
    "max_daily_loss_pct",
    "max_trades_per_day",
    "max_consecutive_losses",
    "cooldown_ms",
    "min_confidence",
    "news_embargo_ms",
];

fn field_error(field: String, code: &str, message: impl Into<String>) -> FieldError {
    FieldError { field, code: code.to_owned(), message: message.into() }
}

/// A name from the request, cut for the answer (it is the client's own text).
fn shown(name: &str) -> String {
    let cut: String = name.chars().filter(|c| !c.is_control()).take(64).collect();
    if cut.is_empty() { "(empty)".to_owned() } else { cut }
}

fn decimal(v: &Value) -> Option<Decimal> {
    let text = match v {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    if text.is_empty() || text.len() > 64 {
        return None;
    }
    text.parse::<Decimal>().ok().or_else(|| Decimal::from_scientific(&text).ok())
}

fn whole(v: &Value) -> Option<i128> {
    match v {
        // `7.0` is the whole number 7 in JSON (and JSON Schema's `integer`); the bound keeps the
        // float exact.
        Value::Number(n) => n.as_u64().map(i128::from).or_else(|| n.as_i64().map(i128::from)).or_else(|| {
            n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() <= 9_007_199_254_740_992.0).map(|f| f as i128)
        }),
        Value::String(s) => {
            let s = s.trim();
            (!s.is_empty() && s.len() <= 20).then(|| s.parse::<i128>().ok()).flatten()
        }
        _ => None,
    }
}

/// The limits of `PUT /api/risk`'s body, `{"limits": {…}}` with every field of `RiskLimits`
/// (decimals as strings or numbers, whole numbers as numbers or strings), or every problem found,
/// each naming its field (`limits.max_position_pct`): missing, unknown, of the wrong type, or out
/// of range.
pub fn parse_risk_limits(body: &Value) -> Result<RiskLimits, Vec<FieldError>> {
    let mut errors = Vec::new();
    let Some(top) = body.as_object() else {
        return Err(vec![field_error("limits".into(), "type", "the body must be {\"limits\": {…}}")]);
    };
    for key in top.keys().filter(|k| *k != "limits") {
        errors.push(field_error(shown(key), "unknown", "not a field of this request"));
    }
    let limits: &Map<String, Value> = match top.get("limits") {
        Some(Value::Object(m)) => m,
        other => {
            errors.push(match other {
                Some(_) => field_error("limits".into(), "type", "must be an object of the limits"),
                None => field_error("limits".into(), "required", "must give every limit"),
            });
            errors.sort();
            return Err(errors);
        }
    };
    for key in limits.keys().filter(|k| !RISK_LIMIT_FIELDS.contains(&k.as_str())) {
        errors.push(field_error(format!("limits.{}", shown(key)), "unknown", "not a risk limit"));
    }
    let mut get = |name: &str| -> Option<&Value> {
        let v = limits.get(name);
        if v.is_none() {
            errors.push(field_error(format!("limits.{name}"), "required", "must be given"));
        }
        v
    };
    let notional = get("max_order_notional").map(decimal);
    let position = get("max_position_pct").map(decimal);
    let exposure = get("max_total_exposure_pct").map(decimal);
    let daily = get("max_daily_loss_pct").map(decimal);
    let trades = get("max_trades_per_day").map(whole);
    let losses = get("max_consecutive_losses").map(whole);
    let cooldown = get("cooldown_ms").map(whole);
    let confidence = get("min_confidence").map(decimal);
    let embargo = get("news_embargo_ms").map(whole);

    let mut type_error = |name: &str, what: &str| {
        errors.push(field_error(format!("limits.{name}"), "type", format!("must be {what}")));
    };
    let dec = |v: Option<Option<Decimal>>, name: &str, te: &mut dyn FnMut(&str, &str)| match v {
        Some(Some(d)) => Some(d),
        Some(None) => {
            te(name, "a decimal number (a string such as \"0.10\", or a number)");
            None
        }
        None => None,
    };
    let int = |v: Option<Option<i128>>, name: &str, max: i128, te: &mut dyn FnMut(&str, &str)| match v {
        Some(Some(n)) if (0..=max).contains(&n) => Some(n),
        Some(_) => {
            te(name, &format!("a whole number from 0 to {max}"));
            None
        }
        None => None,
    };
    let notional = dec(notional, "max_order_notional", &mut type_error);
    let position = dec(position, "max_position_pct", &mut type_error);
    let exposure = dec(exposure, "max_total_exposure_pct", &mut type_error);
    let daily = dec(daily, "max_daily_loss_pct", &mut type_error);
    let confidence = dec(confidence, "min_confidence", &mut type_error);
    let trades = int(trades, "max_trades_per_day", i128::from(u32::MAX), &mut type_error);
    let losses = int(losses, "max_consecutive_losses", i128::from(u32::MAX), &mut type_error);
    let cooldown = int(cooldown, "cooldown_ms", i128::from(MAX_COOLDOWN_MS), &mut type_error);
    let embargo = int(embargo, "news_embargo_ms", i128::from(MAX_NEWS_EMBARGO_MS), &mut type_error);

    let parsed = match (notional, position, exposure, daily, trades, losses, cooldown, confidence, embargo) {
        (Some(n), Some(p), Some(e), Some(d), Some(t), Some(l), Some(c), Some(conf), Some(emb)) => {
            range_errors(&n, &p, &e, &d, &conf, &mut errors);
            Confidence::new_checked(conf).ok().map(|min_confidence| RiskLimits {
                max_order_notional: Amount::new(n),
                max_position_pct: p,
                max_total_exposure_pct: e,
                max_daily_loss_pct: d,
                max_trades_per_day: u32::try_from(t).unwrap_or(u32::MAX),
                max_consecutive_losses: u32::try_from(l).unwrap_or(u32::MAX),
                cooldown_ms: i64::try_from(c).unwrap_or(MAX_COOLDOWN_MS),
                min_confidence,
                news_embargo_ms: i64::try_from(emb).unwrap_or(MAX_NEWS_EMBARGO_MS),
            })
        }
        (n, p, e, d, _, _, _, conf, _) => {
            // Ranges of the decimals that did read, so one answer lists every problem.
            let z = Decimal::ONE;
            range_errors(
                &n.unwrap_or(z),
                &p.unwrap_or(z),
                &e.unwrap_or(z),
                &d.unwrap_or(z),
                &conf.unwrap_or(z),
                &mut errors,
            );
            None
        }
    };
    match parsed {
        Some(limits) if errors.is_empty() => Ok(limits),
        _ => {
            errors.sort();
            errors.dedup();
            Err(errors)
        }
    }
}

fn range_errors(
    notional: &Decimal,
    position: &Decimal,
    exposure: &Decimal,
    daily: &Decimal,
    confidence: &Decimal,
    errors: &mut Vec<FieldError>,
) {
    if *notional <= Decimal::ZERO || *notional > Decimal::from(MAX_ORDER_NOTIONAL) {
        errors.push(field_error(
            "limits.max_order_notional".into(),
            "range",
            format!("must be above 0 and at most {MAX_ORDER_NOTIONAL} (quote currency)"),
        ));
    }
    for (name, v) in
        [("max_position_pct", position), ("max_total_exposure_pct", exposure), ("max_daily_loss_pct", daily)]
    {
        if *v <= Decimal::ZERO || *v > Decimal::ONE {
            errors.push(field_error(
                format!("limits.{name}"),
                "range",
                "must be a fraction of equity above 0 and at most 1 (0.10 is 10 %)",
            ));
        }
    }
    if *confidence < Decimal::ZERO || *confidence > Decimal::ONE {
        errors.push(field_error("limits.min_confidence".into(), "range", "must be from 0 to 1"));
    }
}

/// Every limit of `limits` out of the ranges [`parse_risk_limits`] accepts (for limits that
/// arrive typed, over the control API).
pub fn check_risk_limits(limits: &RiskLimits) -> Vec<FieldError> {
    let mut errors = Vec::new();
    range_errors(
        &limits.max_order_notional.get(),
        &limits.max_position_pct,
        &limits.max_total_exposure_pct,
        &limits.max_daily_loss_pct,
        &limits.min_confidence.get(),
        &mut errors,
    );
    for (name, v, max) in [
        ("cooldown_ms", limits.cooldown_ms, MAX_COOLDOWN_MS),
        ("news_embargo_ms", limits.news_embargo_ms, MAX_NEWS_EMBARGO_MS),
    ] {
        if !(0..=max).contains(&v) {
            errors.push(field_error(
                format!("limits.{name}"),
                "range",
                format!("must be a whole number from 0 to {max}"),
            ));
        }
    }
    errors.sort();
    errors
}

/// One entry of the audit log, as stored: its place in the chain and the hashes that link it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditEntryView {
    pub seq: u64,
    pub ts: Timestamp,
    pub kind: String,
    pub actor: String,
    /// What happened, by kind (the fields differ per kind).
    #[schema(value_type = Object)]
    pub payload: Value,
    pub prev_hash: String,
    pub hash: String,
}

/// `GET /api/audit?limit=&cursor=`: at most `limit` entries older than the cursor (the `next` of
/// the page before).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditQuery {
    pub limit: u32,
    /// Entries with a seq below this one; `None`: the newest.
    pub before: Option<u64>,
}

/// A page of the audit log, newest first, with the state of its hash chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditPage {
    pub entries: Vec<AuditEntryView>,
    /// The cursor of the next (older) page; `None` on the last.
    pub next: Option<String>,
    /// Whether the whole chain verifies, from the first entry to the last.
    pub verified: bool,
    /// The last entry the check covered.
    pub verified_through: u64,
    /// The first entry that does not verify, and why, when `verified` is false.
    pub broken_at: Option<u64>,
    pub broken_reason: Option<String>,
}

/// `GET /api/live`: the live-trading approval as recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LiveApprovalView {
    /// An approval is recorded and has not lapsed: with `BINANCE_ENV=live` the worker trades.
    pub approved: bool,
    pub approved_by: Option<String>,
    pub approved_at: Option<Timestamp>,
    pub expires_at: Option<Timestamp>,
    /// An approval is recorded but has lapsed.
    pub expired: bool,
    /// The worker is configured for real money (`DRY_RUN=false`, `BINANCE_ENV=live`).
    pub live_configured: bool,
    /// How long an approval given now lasts (`LIVE_APPROVAL_HOURS`).
    pub approval_hours: u32,
    /// What `confirm` must say to approve.
    pub confirm: String,
}

/// An approval of live trading: by the user `by` (the token's), with the reason the pre-flight
/// checks are overridden, if they fail and the person approves anyway.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LiveApproveRequest {
    pub by: String,
    #[serde(default, rename = "override", skip_serializing_if = "Option::is_none")]
    pub override_reason: Option<String>,
}

/// A dashboard user as the admin sees them: never the password nor its hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UserView {
    pub name: String,
    pub role: Role,
    pub disabled: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A user to add. No `Debug` of the password.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// 1 to 64 characters, no spaces or control characters.
    #[schema(min_length = 1, max_length = 64, pattern = r"^[^\s\x00-\x1f\x7f-\x9f]+$")]
    pub name: String,
    pub role: Role,
    /// 8 to 1024 characters.
    #[schema(format = Password, min_length = 8, max_length = 1024)]
    pub password: String,
}

impl fmt::Debug for NewUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewUser")
            .field("name", &self.name)
            .field("role", &self.role)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// A change to a user: a new role, a new password, or both. No `Debug` of the password.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(min_properties = 1)]
pub struct UserUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub role: Option<Role>,
    /// 8 to 1024 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, format = Password, min_length = 8, max_length = 1024)]
    pub password: Option<String>,
}

impl fmt::Debug for UserUpdate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserUpdate")
            .field("role", &self.role)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// Whether `password` may be a user's: [`MIN_PASSWORD_CHARS`] to [`MAX_PASSWORD_CHARS`]
/// characters. The message never quotes it.
pub fn check_password(password: &str) -> Result<(), String> {
    let n = password.chars().count();
    if (MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&n) {
        Ok(())
    } else {
        Err(format!("must be {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters"))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn body(limits: Value) -> Value {
        json!({ "limits": limits })
    }

    fn good() -> Value {
        serde_json::to_value(RiskLimits::default()).unwrap_or_default()
    }

    fn fields(v: Value) -> Vec<(String, String)> {
        parse_risk_limits(&v)
            .map_or_else(|e| e.into_iter().map(|f| (f.field, f.code)).collect(), |_| Vec::new())
    }

    #[test]
    fn the_limits_read_back_as_they_are_shown() {
        assert_eq!(parse_risk_limits(&body(good())), Ok(RiskLimits::default()));
        let mut numbers = good();
        numbers["max_order_notional"] = json!(250.5);
        numbers["max_position_pct"] = json!(0.2);
        numbers["max_trades_per_day"] = json!("7");
        numbers["cooldown_ms"] = json!(60_000.0);
        numbers["min_confidence"] = json!(1);
        let parsed = parse_risk_limits(&body(numbers)).unwrap_or_default();
        assert_eq!(parsed.max_order_notional, Amount::new(Decimal::new(2505, 1)));
        assert_eq!(parsed.max_position_pct, Decimal::new(2, 1));
        assert_eq!(parsed.max_trades_per_day, 7);
        assert_eq!(parsed.cooldown_ms, 60_000, "a whole number written as a float");
        assert_eq!(parsed.min_confidence, Confidence::ONE);
    }

    #[test]
    fn every_problem_is_listed_by_field() {
        let mut bad = good();
        bad["max_order_notional"] = json!("0");
        bad["max_position_pct"] = json!("1.5");
        bad["max_trades_per_day"] = json!(-1);
        bad["max_consecutive_losses"] = json!(2.5);
        bad["cooldown_ms"] = json!(1e12);
        bad["min_confidence"] = json!(true);
        bad["extra"] = json!(1);
        let mut o = bad.as_object().cloned().unwrap_or_default();
        o.remove("news_embargo_ms");
        let got = fields(json!({ "limits": o, "x": 1 }));
        let want = [
            ("limits.cooldown_ms", "type"),
            ("limits.extra", "unknown"),
            ("limits.max_consecutive_losses", "type"),
            ("limits.max_order_notional", "range"),
            ("limits.max_position_pct", "range"),
            ("limits.max_trades_per_day", "type"),
            ("limits.min_confidence", "type"),
            ("limits.news_embargo_ms", "required"),
            ("x", "unknown"),
        ];
        assert_eq!(got, want.map(|(a, b)| (a.to_owned(), b.to_owned())));
        assert_eq!(fields(json!([])), [("limits".to_owned(), "type".to_owned())]);
        assert_eq!(fields(json!({})), [("limits".to_owned(), "required".to_owned())]);
        assert_eq!(fields(json!({ "limits": 5 })), [("limits".to_owned(), "type".to_owned())]);
    }

    #[test]
    fn typed_limits_are_checked_alike() {
        assert!(check_risk_limits(&RiskLimits::default()).is_empty());
        let bad = RiskLimits { max_daily_loss_pct: Decimal::TWO, cooldown_ms: -1, ..RiskLimits::default() };
        let named: Vec<String> = check_risk_limits(&bad).into_iter().map(|f| f.field).collect();
        assert_eq!(named, ["limits.cooldown_ms", "limits.max_daily_loss_pct"]);
    }

    #[test]
    fn passwords_are_never_in_debug_output() {
        let u = NewUser { name: "ann".into(), role: Role::Admin, password: "hunter2-hunter2".into() };
        assert!(!format!("{u:?}").contains("hunter2"));
        let c = UserUpdate { role: None, password: Some("hunter2-hunter2".into()) };
        assert!(!format!("{c:?}").contains("hunter2"));
        assert!(check_password("short").is_err() && check_password("long-enough").is_ok());
    }
}
