//! `SecretMap`: the settings one JSON secret holds, by name. Strings are taken as they are;
//! numbers and booleans as their JSON text (`"MAX_TRADES_PER_DAY": 20` is `"20"`); `null` as
//! unset. Parse problems name the key and the kind of value, never the value.

use std::collections::BTreeMap;
use std::fmt;

use secrecy::{ExposeSecret, SecretString};

#[derive(Clone, Default)]
pub struct SecretMap {
    values: BTreeMap<String, SecretString>,
}

impl SecretMap {
    /// Parses the secret's text: a JSON object of settings. The error is a phrase that follows
    /// the secret's name ("… is not valid JSON (line 1, column 9)").
    pub fn from_json(text: &str) -> Result<Self, String> {
        let value: serde_json::Value = serde_json::from_str(text)
            // serde_json's syntax errors carry a position, not the text; still, say it ourselves.
            .map_err(|e| format!("is not valid JSON (line {}, column {})", e.line(), e.column()))?;
        let serde_json::Value::Object(object) = value else {
            return Err(format!(
                "is JSON but not an object of settings (it is {}); store {{\"JWT_SECRET\": \"...\", ...}}",
                kind(&value)
            ));
        };
        let mut values = BTreeMap::new();
        for (key, value) in object {
            let text = match value {
                serde_json::Value::String(s) => s,
                serde_json::Value::Number(n) => n.to_string(),
                serde_json::Value::Bool(b) => b.to_string(),
                serde_json::Value::Null => continue,
                other => {
                    return Err(format!("has {key} as {}; settings are strings", kind(&other)));
                }
            };
            values.insert(key, SecretString::from(text));
        }
        Ok(Self { values })
    }

    /// The value of `key`, trimmed; `None` when absent or blank (as the settings reader counts
    /// a blank value unset).
    pub fn get(&self, key: &str) -> Option<String> {
        let v = self.values.get(key)?.expose_secret().trim();
        (!v.is_empty()).then(|| v.to_owned())
    }

    /// The key names, sorted.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.values.keys().map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Whether both hold the same keys with the same values.
    pub fn same_as(&self, other: &SecretMap) -> bool {
        self.values.len() == other.values.len()
            && self
                .values
                .iter()
                .zip(&other.values)
                .all(|((ka, va), (kb, vb))| ka == kb && va.expose_secret() == vb.expose_secret())
    }
}

/// Key names only.
impl fmt::Debug for SecretMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretMap").field("keys", &self.values.keys().collect::<Vec<_>>()).finish()
    }
}

fn kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_by_name_with_plain_values() {
        let m = SecretMap::from_json(
            r#"{"JWT_SECRET": " s3cr3t-value ", "MAX_TRADES_PER_DAY": 20, "DRY_RUN": false, "OLD": null, "BLANK": " "}"#,
        )
        .unwrap();
        assert_eq!(m.get("JWT_SECRET").as_deref(), Some("s3cr3t-value"));
        assert_eq!(m.get("MAX_TRADES_PER_DAY").as_deref(), Some("20"));
        assert_eq!(m.get("DRY_RUN").as_deref(), Some("false"));
        assert_eq!(m.get("OLD"), None);
        assert_eq!(m.get("BLANK"), None);
        assert_eq!(m.keys().collect::<Vec<_>>(), ["BLANK", "DRY_RUN", "JWT_SECRET", "MAX_TRADES_PER_DAY"]);
        assert!(!format!("{m:?}").contains("s3cr3t"));
        let same = SecretMap::from_json(
            r#"{"BLANK": " ", "DRY_RUN": false, "JWT_SECRET": " s3cr3t-value ", "MAX_TRADES_PER_DAY": 20}"#,
        )
        .unwrap();
        assert!(m.same_as(&same));
        assert!(!m.same_as(&SecretMap::from_json(r#"{"JWT_SECRET": "other"}"#).unwrap()));
    }

    #[test]
    fn problems_never_echo_values() {
        let e = SecretMap::from_json(r#"{"JWT_SECRET": "hunter2-secret""#).unwrap_err();
        assert!(e.starts_with("is not valid JSON (line 1") && !e.contains("hunter2"), "{e}");
        let e = SecretMap::from_json(r#""hunter2-secret""#).unwrap_err();
        assert!(e.contains("not an object") && e.contains("a string") && !e.contains("hunter2"), "{e}");
        let e = SecretMap::from_json(r#"{"WEB_PASS": ["hunter2-secret"]}"#).unwrap_err();
        assert_eq!(e, "has WEB_PASS as an array; settings are strings");
    }
}
