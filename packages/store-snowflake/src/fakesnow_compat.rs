//! The test-side adapter for fakesnow, the local Snowflake stand-in. Compiled only with the
//! `fakesnow` feature, which no production build turns on.
//!
//! What fakesnow 0.12.1 does differently, and what this layer does about it (nothing else in
//! the crate knows fakesnow exists):
//! - It serves plain HTTP on a local port, while snowflake-api addresses
//!   `https://<account>.snowflakecomputing.com`: handled by the production `BaseUrl` rewrite
//!   (`SNOWFLAKE_BASE_URL`), not here.
//! - Its login answer lacks `sessionId`, `masterToken`, `validityInSeconds`,
//!   `masterValidityInSeconds` and `sessionInfo.roleName`, which the crate requires: filled in.
//! - Its query answers lack `returned`, `finalRoleName` and `version`: filled in (`returned`
//!   from `total`, which is what the crate uses it for).
//! - Its errors lack `age`, `internalError`, `queryId` and sometimes `sqlState`, and some (an
//!   unknown session, an internal error) carry `data: null`: rebuilt into the error shape the
//!   crate parses, keeping fakesnow's code and message, so the store sees what Snowflake would
//!   send (390104 "login again" after a restart, for instance).
//! - TIMESTAMP_NTZ comes back as an {epoch, fraction} struct: nothing to do, because the store
//!   reads every column through TO_VARCHAR.
//! - It substitutes session variables by a regular expression over the raw SQL text, string
//!   literals included, so a value such as `'$BTC'` fails with "Session variable '$BTC' does not
//!   exist". Snowflake leaves literals alone. The request's `$` inside literals are rewritten to
//!   the equivalent escape `\x24` (which both understand) before fakesnow sees them.
//! - Its server mode ignores the `--db_path` option (0.12.1 passes it to the in-process patcher
//!   only): every database lives in memory and dies with the process. It persists a session's
//!   databases under the `FAKESNOW_DB_PATH` session parameter instead, which
//!   [`connect_persistent`] puts in the login request, so a restarted server finds the data.
//! - Passwords are not checked, and `/api/v2/statements` is not served (the crate does not use it).

use std::path::Path;

use http::Extensions;
use reqwest_middleware::{ClientWithMiddleware, Middleware, Next};
use reqwest012::{Request, Response, Url};
use serde_json::{Value, json};

use crate::{Credentials, DEFAULT_REQUEST_TIMEOUT, Result, SnowflakeSettings, SnowflakeStore};
use secrecy::SecretString;

/// Settings that reach a fakesnow server at `base_url` (`http://127.0.0.1:PORT`), in `database`
/// (fakesnow creates it, and the schema, on login).
pub fn settings(base_url: &str, database: &str) -> SnowflakeSettings {
    SnowflakeSettings {
        account: "fakesnow".into(),
        user: "mirai".into(),
        credentials: Credentials::Password(SecretString::from("fakesnow-does-not-check-passwords")),
        warehouse: Some("MIRAI_WH".into()),
        database: database.into(),
        schema: "MIRAI".into(),
        role: None,
        base_url: Some(Url::parse(base_url).unwrap_or_else(|e| panic!("bad fakesnow URL {base_url}: {e}"))),
        request_timeout: DEFAULT_REQUEST_TIMEOUT,
    }
}

/// Our production client plus this adapter; databases in the server's memory.
pub fn client(settings: &SnowflakeSettings) -> Result<ClientWithMiddleware> {
    Ok(crate::http::client_builder(settings)?.with(FakesnowCompat::default()).build())
}

/// Connects a store to fakesnow (and applies the schema); databases in the server's memory.
pub async fn connect(settings: SnowflakeSettings) -> Result<SnowflakeStore> {
    let http = client(&settings)?;
    SnowflakeStore::connect_with(settings, http).await
}

/// A store opened without I/O (see [`SnowflakeStore::open`]) on fakesnow.
pub fn open(settings: SnowflakeSettings) -> Result<SnowflakeStore> {
    let http = client(&settings)?;
    Ok(SnowflakeStore::open_with(settings, http))
}

/// As [`connect`], with the databases kept as files in `db_dir`, so that they outlive the
/// server process (a restarted server on the same folder finds them).
pub async fn connect_persistent(settings: SnowflakeSettings, db_dir: &Path) -> Result<SnowflakeStore> {
    let compat = FakesnowCompat { db_path: Some(db_dir.display().to_string()) };
    let http = crate::http::client_builder(&settings)?.with(compat).build();
    SnowflakeStore::connect_with(settings, http).await
}

/// The middleware that completes fakesnow's answers (and, with `db_path`, asks it to persist).
#[derive(Clone, Debug, Default)]
pub struct FakesnowCompat {
    pub db_path: Option<String>,
}

#[async_trait::async_trait]
impl Middleware for FakesnowCompat {
    async fn handle(
        &self,
        req: Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<Response> {
        let path = req.url().path().to_owned();
        let mut req = req;
        if path.ends_with("/queries/v1/query-request") {
            escape_dollars_in_body(&mut req);
        }
        if let Some(dir) = &self.db_path
            && path.ends_with("/session/v1/login-request")
        {
            set_db_path(&mut req, dir);
        }
        let resp = next.run(req, extensions).await?;
        let status = resp.status();
        let mut headers = resp.headers().clone();
        let bytes = resp.bytes().await.map_err(reqwest_middleware::Error::Reqwest)?;
        let body = match serde_json::from_slice::<Value>(&bytes) {
            Ok(mut v) => {
                complete(&path, &mut v);
                serde_json::to_vec(&v).unwrap_or_else(|_| bytes.to_vec())
            }
            Err(_) => bytes.to_vec(),
        };
        headers.remove(http::header::CONTENT_LENGTH);
        headers.remove(http::header::CONTENT_ENCODING);
        let mut out = http::Response::new(body);
        *out.status_mut() = status;
        *out.headers_mut() = headers;
        Ok(Response::from(out))
    }
}

fn set_db_path(req: &mut Request, dir: &str) {
    let Some(mut body) =
        req.body().and_then(|b| b.as_bytes()).and_then(|b| serde_json::from_slice::<Value>(b).ok())
    else {
        return;
    };
    if let Some(params) = body.pointer_mut("/data/SESSION_PARAMETERS").and_then(Value::as_object_mut) {
        params.insert("FAKESNOW_DB_PATH".into(), json!(dir));
        if let Ok(bytes) = serde_json::to_vec(&body) {
            *req.body_mut() = Some(bytes.into());
        }
    }
}

fn escape_dollars_in_body(req: &mut Request) {
    let Some(mut body) =
        req.body().and_then(|b| b.as_bytes()).and_then(|b| serde_json::from_slice::<Value>(b).ok())
    else {
        return;
    };
    if let Some(sql) = body.get("sqlText").and_then(Value::as_str) {
        let escaped = escape_dollars(sql);
        body["sqlText"] = Value::String(escaped);
        if let Ok(bytes) = serde_json::to_vec(&body) {
            *req.body_mut() = Some(bytes.into());
        }
    }
}

/// `$` inside single-quoted literals as `\x24`; everything else unchanged. Tracks Snowflake's
/// literal syntax: `''` is a quote inside a literal, `\` escapes the next character.
fn escape_dollars(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let (mut in_literal, mut escaped) = (false, false);
    for c in sql.chars() {
        if in_literal {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '\'' {
                // A doubled quote closes and reopens: the state flips twice, which is right.
                in_literal = false;
            } else if c == '$' {
                out.push_str("\\x24");
                continue;
            }
        } else if c == '\'' {
            in_literal = true;
        }
        out.push(c);
    }
    out
}

/// Adds what the crate requires and fakesnow leaves out; never overwrites what is there.
fn complete(path: &str, v: &mut Value) {
    let success = v.get("success").and_then(Value::as_bool).unwrap_or(false);
    if path.ends_with("/session/v1/login-request") && success {
        if let Some(data) = v.get_mut("data").and_then(Value::as_object_mut) {
            let token = data.get("token").cloned().unwrap_or(Value::Null);
            default(data, "sessionId", json!(0));
            default(data, "masterToken", token);
            default(data, "validityInSeconds", json!(3600));
            default(data, "masterValidityInSeconds", json!(14400));
            if let Some(info) = data.get_mut("sessionInfo").and_then(Value::as_object_mut) {
                default(info, "roleName", json!("PUBLIC"));
            }
        }
    } else if path.ends_with("/queries/v1/query-request") {
        if success {
            if let Some(data) = v.get_mut("data").and_then(Value::as_object_mut) {
                let total = data.get("total").cloned().unwrap_or(json!(0));
                default(data, "returned", total);
                default(data, "finalRoleName", json!("PUBLIC"));
                default(data, "version", json!(1));
            }
        } else {
            let code = v.get("code").and_then(Value::as_str).unwrap_or("000000").to_owned();
            if !v.get("data").is_some_and(Value::is_object) {
                v["data"] = json!({});
            }
            if let Some(data) = v.get_mut("data").and_then(Value::as_object_mut) {
                default(data, "errorCode", json!(code));
                default(data, "sqlState", json!(""));
                default(data, "age", json!(0));
                default(data, "internalError", json!(false));
                default(data, "queryId", json!(""));
            }
        }
    }
}

fn default(obj: &mut serde_json::Map<String, Value>, key: &str, value: Value) {
    match obj.get(key) {
        Some(v) if !v.is_null() => {}
        _ => {
            obj.insert(key.to_owned(), value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_answers_are_completed_without_overwriting() {
        let mut v = json!({"data": {"token": "t", "sessionInfo": {"databaseName": "D"}}, "success": true});
        complete("/session/v1/login-request", &mut v);
        assert_eq!(v["data"]["masterToken"], "t");
        assert_eq!(v["data"]["sessionInfo"]["roleName"], "PUBLIC");
        let mut v = json!({"data": {"token": "t", "sessionId": 7, "sessionInfo": {}}, "success": true});
        complete("/session/v1/login-request", &mut v);
        assert_eq!(v["data"]["sessionId"], 7);
    }

    #[test]
    fn dollars_are_escaped_inside_literals_only() {
        assert_eq!(
            escape_dollars("SELECT '$BTC', 'it''s $x', 'a\\\\$'"),
            "SELECT '\\x24BTC', 'it''s \\x24x', 'a\\\\\\x24'"
        );
        assert_eq!(escape_dollars("SELECT $1 FROM T"), "SELECT $1 FROM T");
    }

    #[test]
    fn errors_get_the_shape_the_crate_parses() {
        let mut v =
            json!({"data": null, "code": "390104", "message": "User must login again", "success": false});
        complete("/queries/v1/query-request", &mut v);
        assert_eq!(v["data"]["errorCode"], "390104");
        assert_eq!(v["data"]["internalError"], false);
        let mut v =
            json!({"data": {"errorCode": "002003", "sqlState": null}, "code": "002003", "success": false});
        complete("/queries/v1/query-request", &mut v);
        assert_eq!(v["data"]["sqlState"], "");
        assert_eq!(v["data"]["queryId"], "");
    }
}
