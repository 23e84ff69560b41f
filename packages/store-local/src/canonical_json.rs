//! Canonical JSON for hashing: object keys sorted by their UTF-8 bytes, no whitespace.
//!
//! Written out rather than relying on `serde_json::Value`'s map order, which becomes insertion
//! order as soon as any crate in the build enables serde_json's `preserve_order` feature; a
//! hash must not depend on what else is linked.

use std::fmt::Write;

use serde_json::Value;

/// The canonical text of `value`. Equal values always give equal text.
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value);
    out
}

fn write_value(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        // serde_json's own rendering: integers exactly, floats in shortest round-trip form.
        Value::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, k);
                out.push(':');
                write_value(out, v);
            }
            out.push('}');
        }
    }
}

/// A JSON string literal with serde_json's escaping (which cannot fail for a `str`).
fn write_string(out: &mut String, s: &str) {
    let _ = write!(out, "{}", Value::String(s.to_owned()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_are_sorted_at_every_depth_and_whitespace_dropped() {
        let v = json!({"b": 1, "a": {"z": [true, null], "y": "x\"\n"}, "A": -1.5});
        assert_eq!(canonical_json(&v), r#"{"A":-1.5,"a":{"y":"x\"\n","z":[true,null]},"b":1}"#);
    }

    #[test]
    fn canonical_text_parses_back_to_the_same_value() -> Result<(), serde_json::Error> {
        let v = json!({"qty": "0.00000001", "n": 18446744073709551615u64, "s": "é\u{1F600}"});
        let back: Value = serde_json::from_str(&canonical_json(&v))?;
        assert_eq!(back, v);
        Ok(())
    }
}
