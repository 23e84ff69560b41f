//! `GET /` and `/index.html`: the dashboard page, with a CSP that allows only its own inline
//! script and style (by hash) and requests to this origin.

use std::sync::LazyLock;

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use sha2::{Digest, Sha256};

use crate::plumbing::response::with_body;

/// The dashboard, compiled in so every function and the local server serve the same page.
pub const DASHBOARD_HTML: &str = include_str!("../../../../apps/web/index.html");

static CSP: LazyLock<String> = LazyLock::new(|| {
    let script = inline_hashes(DASHBOARD_HTML, "script");
    let style = inline_hashes(DASHBOARD_HTML, "style");
    format!(
        "default-src 'none'; script-src {script}; style-src {style}; connect-src 'self'; \
         img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
});

/// The Content-Security-Policy the dashboard is served with.
pub fn content_security_policy() -> &'static str {
    &CSP
}

pub(super) fn page() -> Response<Bytes> {
    let mut resp =
        with_body(StatusCode::OK, "text/html; charset=utf-8", Bytes::from_static(DASHBOARD_HTML.as_bytes()));
    let h = resp.headers_mut();
    if let Ok(csp) = HeaderValue::from_str(content_security_policy()) {
        h.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    resp
}

/// `'sha256-…'` sources for every `<tag>…</tag>` block (opened without attributes) in `html`,
/// or `'none'` if there is none.
fn inline_hashes(html: &str, tag: &str) -> String {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    let mut sources = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find(&open) {
        let body = &rest[start + open.len()..];
        let Some(end) = body.find(&close) else { break };
        let digest = Sha256::digest(&body.as_bytes()[..end]);
        sources.push(format!("'sha256-{}'", base64(&digest)));
        rest = &body[end + close.len()..];
    }
    if sources.is_empty() { "'none'".to_owned() } else { sources.join(" ") }
}

/// Standard base64 with padding, as CSP hashes are written.
fn base64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (input, want) in cases {
            assert_eq!(base64(input.as_bytes()), want);
        }
    }

    #[test]
    fn csp_hashes_the_inline_blocks() {
        let html = "<style>a{}</style><script>alert(1)</script>";
        // echo -n 'alert(1)' | openssl dgst -sha256 -binary | base64
        assert_eq!(inline_hashes(html, "script"), "'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='");
        assert_eq!(inline_hashes("<p></p>", "script"), "'none'");
    }

    #[test]
    fn the_dashboard_has_exactly_one_script_and_one_style_and_no_inline_handlers() {
        assert_eq!(DASHBOARD_HTML.matches("<script").count(), 1);
        assert_eq!(DASHBOARD_HTML.matches("<style").count(), 1);
        assert!(DASHBOARD_HTML.contains("<script>") && DASHBOARD_HTML.contains("<style>"));
        for banned in [" onclick=", " onload=", " style=\"", "innerHTML", "http://", "https://"] {
            assert!(!DASHBOARD_HTML.contains(banned), "dashboard contains {banned}");
        }
        let csp = content_security_policy();
        assert!(csp.contains("script-src 'sha256-") && csp.contains("style-src 'sha256-"));
        assert!(!csp.contains("unsafe"));
    }
}
