//! Building responses: JSON with the security headers every API answer carries.

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Response, StatusCode, header};
use serde::Serialize;

/// Serialises `body` as a JSON response with `no-store` caching and `nosniff`.
pub(crate) fn json<T: Serialize + ?Sized>(status: StatusCode, body: &T) -> Response<Bytes> {
    match serde_json::to_vec(body) {
        Ok(bytes) => with_body(status, "application/json", Bytes::from(bytes)),
        Err(e) => {
            tracing::error!(error = %e, "response serialisation failed");
            with_body(
                StatusCode::INTERNAL_SERVER_ERROR,
                "application/json",
                Bytes::from_static(br#"{"error":"internal error","code":"internal"}"#),
            )
        }
    }
}

/// A response with `content_type` and the headers every response gets.
pub(crate) fn with_body(status: StatusCode, content_type: &'static str, body: Bytes) -> Response<Bytes> {
    let mut resp = Response::new(body);
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    secure_headers(h);
    resp
}

fn secure_headers(h: &mut HeaderMap) {
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
}
