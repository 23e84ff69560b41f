//! Building responses: JSON, and the security headers every response carries — defined here once,
//! for the API, the dashboard and its files, errors, 404/405 and the worker's control API alike.

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Response, StatusCode, header};
use serde::Serialize;

/// The Content-Security-Policy of every response: scripts, styles and requests from this origin
/// only (no inline code, nothing from another origin), no plugins, no framing. The dashboard and
/// the API docs page run under it; a JSON answer opened in a browser tab cannot run anything.
pub(crate) const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
                              img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// `Strict-Transport-Security` where the web tier is served over https (Vercel, Lambda): two
/// years, subdomains included. Browsers ignore it over plain http, and the local server (plain
/// http on loopback, or behind a TLS proxy that sets its own) does not send it.
pub(crate) const HSTS: &str = "max-age=63072000; includeSubDomains";

/// Serialises `body` as a JSON response (with the headers of [`secure_headers`]).
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
    secure_headers(h, false);
    resp
}

/// Puts the security headers on a response, whoever built it: the one definition, applied to
/// every response `handle` and `handle_control_api` return and, by the hosts, to the answers
/// they make themselves (the worker's `/healthz`, `/metrics`, 408 and 413; the functions' 413).
/// Idempotent. A `Cache-Control` already set (the dashboard's files, which are revalidated or
/// versioned) is kept; anything else is `no-store`. `https`: also `Strict-Transport-Security`.
/// No `Access-Control-Allow-*` header ever leaves: the API grants no other origin anything.
pub fn secure_headers(h: &mut HeaderMap, https: bool) {
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
    if https {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
    }
    h.remove(header::ACCESS_CONTROL_ALLOW_ORIGIN);
    h.remove(header::ACCESS_CONTROL_ALLOW_CREDENTIALS);
}
