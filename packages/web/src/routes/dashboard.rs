//! `GET /` and `/index.html`: the dashboard page, and `GET /static/…`: its scripts, styles and the
//! vendored chart library (uPlot, `apps/web/vendor/VENDORED.md`). Everything is compiled in, so
//! every function and the local server serve the same files. The page carries a CSP that allows
//! scripts and styles from this origin only (no inline code) and requests to this origin.

use std::sync::LazyLock;

use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode, header};
use sha2::{Digest, Sha256};

use crate::plumbing::response::with_body;

/// The dashboard page, compiled in.
pub const DASHBOARD_HTML: &str = include_str!("../../../../apps/web/index.html");

/// The Content-Security-Policy the dashboard is served with: every response's
/// (`plumbing::response::CSP`): no inline script or style, nothing from another origin, no framing.
pub fn content_security_policy() -> &'static str {
    crate::plumbing::response::CSP
}

/// Our own files change with each build under the same URL: the browser asks again each time
/// (a `304` when its copy is current).
const REVALIDATE: &str = "no-cache";
/// The vendored library's URL carries its version, so a copy never goes stale.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

/// One file of the dashboard: where it is served, its type, how long it may be cached, its bytes.
#[derive(Debug)]
pub struct StaticFile {
    pub path: &'static str,
    pub content_type: &'static str,
    pub cache_control: &'static str,
    pub body: &'static [u8],
}

macro_rules! web_file {
    ($path:literal, $file:literal, $type:expr, $cache:expr) => {
        StaticFile {
            path: $path,
            content_type: $type,
            cache_control: $cache,
            body: include_bytes!(concat!("../../../../apps/web/", $file)),
        }
    };
}

/// Every file under `/static/`. A new file in `apps/web/js/` must be listed here (a test checks).
pub const STATIC_FILES: &[StaticFile] = &[
    web_file!("/static/js/app.js", "js/app.js", JS, REVALIDATE),
    web_file!("/static/js/api.js", "js/api.js", JS, REVALIDATE),
    web_file!("/static/js/util.js", "js/util.js", JS, REVALIDATE),
    web_file!("/static/js/charts.js", "js/charts.js", JS, REVALIDATE),
    web_file!("/static/js/overview.js", "js/overview.js", JS, REVALIDATE),
    web_file!("/static/js/history.js", "js/history.js", JS, REVALIDATE),
    web_file!("/static/js/backtests.js", "js/backtests.js", JS, REVALIDATE),
    web_file!("/static/js/search.js", "js/search.js", JS, REVALIDATE),
    web_file!("/static/js/admin.js", "js/admin.js", JS, REVALIDATE),
    // The API docs page's (`GET /api/docs`), not the dashboard's.
    web_file!("/static/js/docs.js", "js/docs.js", JS, REVALIDATE),
    web_file!("/static/app.css", "app.css", CSS, REVALIDATE),
    web_file!(
        "/static/vendor/uplot-1.6.32/uPlot.iife.min.js",
        "vendor/uplot-1.6.32/uPlot.iife.min.js",
        JS,
        IMMUTABLE
    ),
    web_file!(
        "/static/vendor/uplot-1.6.32/uPlot.min.css",
        "vendor/uplot-1.6.32/uPlot.min.css",
        CSS,
        IMMUTABLE
    ),
];

/// Each file's `ETag` (a hash of its bytes), in the order of [`STATIC_FILES`].
static ETAGS: LazyLock<Vec<String>> = LazyLock::new(|| {
    STATIC_FILES
        .iter()
        .map(|f| {
            let digest = Sha256::digest(f.body);
            let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
            format!("\"{hex}\"")
        })
        .collect()
});

/// The file served at `path`, if any.
pub(super) fn static_file(path: &str) -> Option<&'static StaticFile> {
    STATIC_FILES.iter().find(|f| f.path == path)
}

/// The page, with the security headers of every response (its CSP among them).
fn page() -> Response<Bytes> {
    with_body(StatusCode::OK, "text/html; charset=utf-8", Bytes::from_static(DASHBOARD_HTML.as_bytes()))
}

/// `/api/dashboard` (where vercel.json rewrites `/` and `/static/…`): the page, or on Vercel the
/// static file `?static=js/app.js` names, whichever path the function is handed.
pub(super) fn page_or_file(req: &Request<Bytes>) -> Response<Bytes> {
    let named = req.uri().query().and_then(|q| {
        form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "static")
            .and_then(|(_, v)| static_file(&format!("/static/{v}")))
    });
    match named {
        Some(file) => serve(file, req),
        None => page(),
    }
}

/// One static file, or `304 Not Modified` when the browser's copy (`If-None-Match`) is current.
pub(super) fn serve(file: &'static StaticFile, req: &Request<Bytes>) -> Response<Bytes> {
    let etag = STATIC_FILES
        .iter()
        .position(|f| std::ptr::eq(f, file))
        .and_then(|i| ETAGS.get(i))
        .map_or("\"\"", String::as_str);
    let current = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut resp = if current {
        with_body(StatusCode::NOT_MODIFIED, file.content_type, Bytes::new())
    } else {
        with_body(StatusCode::OK, file.content_type, Bytes::from_static(file.body))
    };
    let h = resp.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(file.cache_control));
    if let Ok(v) = HeaderValue::from_str(etag) {
        h.insert(header::ETAG, v);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_js() -> String {
        STATIC_FILES
            .iter()
            .filter(|f| f.path.starts_with("/static/js/"))
            .map(|f| String::from_utf8_lossy(f.body).into_owned())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The values of `attr="…"` in `html`.
    fn attrs<'a>(html: &'a str, attr: &str) -> Vec<&'a str> {
        let needle = format!(" {attr}=\"");
        html.match_indices(&needle)
            .filter_map(|(i, _)| {
                let rest = &html[i + needle.len()..];
                rest.find('"').map(|end| &rest[..end])
            })
            .collect()
    }

    #[test]
    fn the_page_has_no_inline_script_style_or_handler() {
        assert!(!DASHBOARD_HTML.contains("<script>") && !DASHBOARD_HTML.contains("<style"));
        for banned in
            [" onclick=", " onload=", " onsubmit=", " style=\"", "javascript:", "http://", "https://"]
        {
            assert!(!DASHBOARD_HTML.contains(banned), "the page contains {banned}");
        }
        // Every script has a `src` on this origin.
        assert_eq!(DASHBOARD_HTML.matches("<script").count(), attrs(DASHBOARD_HTML, "src").len());
        assert_eq!(content_security_policy().matches("'self'").count(), 4);
        assert!(
            !content_security_policy().contains("unsafe") && !content_security_policy().contains("sha256")
        );
    }

    #[test]
    fn every_file_the_page_and_its_scripts_load_is_served() {
        let mut wanted: Vec<String> = attrs(DASHBOARD_HTML, "src")
            .into_iter()
            .chain(attrs(DASHBOARD_HTML, "href"))
            .filter(|p| p.starts_with('/'))
            .map(str::to_owned)
            .collect();
        // `import … from "./x.js"` in the modules.
        for f in STATIC_FILES.iter().filter(|f| f.path.starts_with("/static/js/")) {
            let text = String::from_utf8_lossy(f.body);
            for (i, _) in text.match_indices("from \"./") {
                let rest = &text[i + "from \"./".len()..];
                let end = rest.find('"').unwrap_or(0);
                wanted.push(format!("/static/js/{}", &rest[..end]));
            }
        }
        assert!(wanted.len() > STATIC_FILES.len(), "{wanted:?}");
        for path in &wanted {
            assert!(static_file(path).is_some(), "{path} is loaded but not served");
        }
        // And every script in apps/web/js is served.
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../apps/web/js");
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let name = entry.unwrap_or_else(|e| panic!("{e}")).file_name().to_string_lossy().into_owned();
            assert!(static_file(&format!("/static/js/{name}")).is_some(), "apps/web/js/{name} is not served");
        }
    }

    #[test]
    fn scripts_write_text_never_html() {
        let js = all_js();
        for banned in [
            "innerHTML",
            "outerHTML",
            "insertAdjacentHTML",
            "document.write",
            "eval(",
            "new Function",
            "http://",
        ] {
            assert!(!js.contains(banned), "the dashboard's scripts contain {banned}");
        }
        assert!(js.contains("textContent"));
    }

    #[test]
    fn files_have_their_type_cache_and_etag_and_a_current_copy_gets_304() {
        let get = |path: &str, etag: Option<&str>| {
            let mut b = Request::builder().uri(path);
            if let Some(e) = etag {
                b = b.header(header::IF_NONE_MATCH, e);
            }
            let req = b.body(Bytes::new()).unwrap_or_else(|e| panic!("{e}"));
            serve(static_file(path).unwrap_or_else(|| panic!("{path}")), &req)
        };
        let js = get("/static/js/app.js", None);
        assert_eq!(js.status(), StatusCode::OK);
        assert_eq!(js.headers()[header::CONTENT_TYPE], JS);
        assert_eq!(js.headers()[header::CACHE_CONTROL], "no-cache");
        assert_eq!(js.headers()[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        let etag = js.headers()[header::ETAG].to_str().unwrap_or_default().to_owned();
        assert_eq!(etag.len(), 26, "{etag}");
        let again = get("/static/js/app.js", Some(&etag));
        assert_eq!((again.status(), again.body().len()), (StatusCode::NOT_MODIFIED, 0));
        assert_eq!(get("/static/js/app.js", Some("\"stale\"")).status(), StatusCode::OK);
        let css = get("/static/app.css", None);
        assert_eq!(css.headers()[header::CONTENT_TYPE], CSS);
        let uplot = get("/static/vendor/uplot-1.6.32/uPlot.iife.min.js", None);
        assert_eq!(uplot.headers()[header::CACHE_CONTROL], IMMUTABLE);
        assert!(uplot.body().starts_with(b"/*! https://github.com/leeoniya/uPlot (v1.6.32) */"));
        assert!(static_file("/static/../Cargo.toml").is_none() && static_file("/static/js/").is_none());
    }

    #[test]
    fn the_vercel_rewrite_of_a_static_path_is_served_the_file() {
        let at = |uri: &str| {
            let req = Request::builder().uri(uri).body(Bytes::new()).unwrap_or_else(|e| panic!("{e}"));
            page_or_file(&req).headers()[header::CONTENT_TYPE].to_str().unwrap_or_default().to_owned()
        };
        assert_eq!(at("/api/dashboard?static=js%2Fapp.js"), JS);
        assert_eq!(at("/api/dashboard?static=app.css"), CSS);
        assert_eq!(at("/api/dashboard?static=../index.html"), "text/html; charset=utf-8");
        assert_eq!(at("/api/dashboard"), "text/html; charset=utf-8");
    }
}
