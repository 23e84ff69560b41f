//! Milvus SDK errors as the port's `VectorError`: transport trouble is `Unavailable` (retry
//! later), a request the SDK or server judged malformed is `Invalid`. Messages never carry the
//! password.

use milvus::v2::error::Error;
use mirai_core::VectorError;

pub fn classify(e: Error, what: &str, password: Option<&str>) -> VectorError {
    let text = scrub(&e.to_string(), password);
    match e {
        Error::Validation(_) | Error::Conversion(_) => VectorError::Invalid(format!("Milvus {what}: {text}")),
        _ => VectorError::Unavailable(format!("Milvus {what}: {text}")),
    }
}

pub fn timed_out(what: &str, secs: f32) -> VectorError {
    VectorError::Unavailable(format!("Milvus {what}: no answer within {secs} s"))
}

fn scrub(text: &str, password: Option<&str>) -> String {
    let text: String = text.chars().take(500).collect();
    match password {
        Some(p) if !p.is_empty() => text.replace(p, "***"),
        _ => text,
    }
}
