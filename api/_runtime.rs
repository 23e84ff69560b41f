//! `mirai_api`: the glue shared by the serverless entry points in `api/`. It builds the `Ctx`
//! once per process from the environment, reads request bodies with the 64 KiB limit, calls
//! `mirai_web::handle`, and never lets an `Err` reach the runtime (whose 500 bodies are built
//! without escaping). Vercel ignores files starting with `_`, so this is not a route.

use std::sync::OnceLock;

use bytes::Bytes;
use http::{Request, Response, header};
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use mirai_web::{ApiError, Ctx, MAX_BODY_BYTES};

/// The error type of the runtimes' `run` (a boxed error for both vercel_runtime and lambda_http).
pub type Error = vercel_runtime::Error;

static CTX: OnceLock<Option<Ctx>> = OnceLock::new();

/// Builds the context from the environment on first use. On a bad configuration every problem is
/// logged (names only, never values) and every request then gets a generic 500.
pub fn ctx() -> Option<&'static Ctx> {
    CTX.get_or_init(|| match Ctx::from_env() {
        Ok(ctx) => Some(ctx),
        Err(e) => {
            for problem in e.problems() {
                tracing::error!(%problem, "web tier misconfigured");
            }
            None
        }
    })
    .as_ref()
}

/// Answers one fully read request with `ctx`, or a generic 500 when there is none.
pub async fn respond_with(ctx: Option<&Ctx>, req: Request<Bytes>) -> Response<Bytes> {
    match ctx {
        Some(ctx) => mirai_web::handle(ctx, req).await,
        None => https(ApiError::Internal("the web tier is not configured".to_owned()).into_response()),
    }
}

/// The functions are served over https: every answer, the ones made here included (413, the
/// unconfigured 500), carries the security headers with `Strict-Transport-Security`.
fn https(mut resp: Response<Bytes>) -> Response<Bytes> {
    mirai_web::secure_headers(resp.headers_mut(), true);
    resp
}

/// Reads a streamed body, stopping at [`MAX_BODY_BYTES`]: a larger one (by `Content-Length` or
/// by what arrives) is answered with 413 without being read to the end.
pub async fn read_body<B>(headers: &http::HeaderMap, body: B) -> Result<Bytes, Response<Bytes>>
where
    B: BodyExt<Data = Bytes>,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let too_large = || ApiError::PayloadTooLarge { limit: MAX_BODY_BYTES }.into_response();
    let declared =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return Err(too_large());
    }
    match Limited::new(body, MAX_BODY_BYTES).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.is::<LengthLimitError>() => Err(too_large()),
        Err(e) => {
            tracing::debug!(error = %e, "request body unreadable");
            Err(ApiError::BadRequest("the request body could not be read".to_owned()).into_response())
        }
    }
}

/// The vercel_runtime handler shared by every `api/*.rs` function.
pub async fn vercel_handler(req: vercel_runtime::Request) -> Response<vercel_runtime::ResponseBody> {
    let (parts, body) = req.into_parts();
    let resp = match read_body(&parts.headers, body).await {
        Ok(bytes) => respond_with(ctx(), Request::from_parts(parts, bytes)).await,
        Err(resp) => https(resp),
    };
    resp.map(vercel_runtime::ResponseBody::from)
}

/// The `main` of every Vercel function: logging, the context (built before the first request:
/// settings checked, the worker's HTTP client made), then the runtime. Users are the worker's,
/// checked over its control API at each login and request.
pub async fn run_vercel() -> Result<(), Error> {
    mirai_web::telemetry::init();
    let _ = ctx();
    vercel_runtime::run(vercel_runtime::service_fn(vercel_handler)).await
}

/// Adapts a Lambda (API Gateway HTTP API) request; its body is already in memory.
pub fn from_lambda(req: lambda_http::Request) -> Request<Bytes> {
    let (parts, body) = req.into_parts();
    Request::from_parts(parts, Bytes::copy_from_slice(body.as_ref()))
}

/// The lambda_http handler: every route through `mirai_web::handle`, never an `Err`.
pub async fn lambda_handler(
    req: lambda_http::Request,
) -> Result<Response<Full<Bytes>>, std::convert::Infallible> {
    let resp = respond_with(ctx(), from_lambda(req)).await;
    Ok(resp.map(Full::new))
}

/// The `main` of the Lambda function.
pub async fn run_lambda() -> Result<(), Error> {
    mirai_web::telemetry::init();
    let _ = ctx();
    lambda_http::run(lambda_http::service_fn(lambda_handler)).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::{HeaderMap, HeaderValue, StatusCode};

    #[tokio::test]
    async fn bodies_are_read_up_to_the_limit() {
        let h = HeaderMap::new();
        let ok = read_body(&h, Full::new(Bytes::from(vec![b'x'; MAX_BODY_BYTES]))).await;
        assert_eq!(ok.map(|b| b.len()).ok(), Some(MAX_BODY_BYTES));

        let big = read_body(&h, Full::new(Bytes::from(vec![b'x'; MAX_BODY_BYTES + 1]))).await;
        let resp = big.expect_err("too large");
        assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(
            resp.body().as_ref(),
            br#"{"error":"request body must not exceed 65536 bytes","code":"payload_too_large"}"#
        );

        let mut declared = HeaderMap::new();
        declared.insert(header::CONTENT_LENGTH, HeaderValue::from_static("10000000"));
        let resp = read_body(&declared, Full::new(Bytes::new())).await.expect_err("declared too large");
        assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
    }

    #[tokio::test]
    async fn without_configuration_every_answer_is_a_generic_500() {
        let req = Request::get("/api/health").body(Bytes::new()).expect("request");
        let resp = respond_with(None, req).await;
        assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(resp.body().as_ref(), br#"{"error":"internal error","code":"internal"}"#);
    }

    #[test]
    fn lambda_requests_keep_method_path_headers_and_body() {
        let req = Request::post("/api/control?x=1")
            .header(header::AUTHORIZATION, "Bearer t")
            .body(lambda_http::Body::Text(r#"{"action":"pause"}"#.to_owned()))
            .expect("request");
        let req = from_lambda(req);
        assert_eq!(req.method(), http::Method::POST);
        assert_eq!(req.uri().path(), "/api/control");
        assert_eq!(req.uri().query(), Some("x=1"));
        assert_eq!(req.headers()[header::AUTHORIZATION], "Bearer t");
        assert_eq!(req.body().as_ref(), br#"{"action":"pause"}"#);
    }

    /// Every route file in `api/` has a `[[bin]]` with its path, and `vercel.json` is valid JSON
    /// that rewrites `/` to the dashboard function.
    #[test]
    fn every_route_file_is_a_bin_and_vercel_json_is_valid() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let manifest = std::fs::read_to_string(root.join("Cargo.toml")).expect("Cargo.toml");
        let mut stack = vec![root.join("api")];
        let mut routes = 0;
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).expect("read api/") {
                let path = entry.expect("entry").path();
                let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
                if path.is_dir() {
                    stack.push(path);
                } else if name.ends_with(".rs") && !name.starts_with('_') {
                    let rel = path.strip_prefix(root).expect("relative");
                    let line = format!("path = \"{}\"", rel.display());
                    assert!(manifest.contains(&line), "no [[bin]] for {}", rel.display());
                    routes += 1;
                }
            }
        }
        assert_eq!(
            routes, 29,
            "health, status, positions, performance, pnl, round-trips, decisions, trades, control, login, me, dashboard, news/search, rationales/search, the three backtest routes, the three proposal routes, risk, audit, live with approve and revoke, users with users/[name], openapi and docs"
        );
        // Vercel maps `/api/backtests/{id}`, `/api/backtests/{id}/result` and
        // `/api/proposals/{id}/approve|reject` to these files by its dynamic-segment convention;
        // the router answers the same paths.
        for file in [
            "api/backtests.rs",
            "api/backtests/[id].rs",
            "api/backtests/[id]/result.rs",
            "api/proposals.rs",
            "api/proposals/[id]/approve.rs",
            "api/proposals/[id]/reject.rs",
        ] {
            assert!(root.join(file).is_file(), "{file} is missing");
        }
        assert!(manifest.contains("path = \"api/_lambda.rs\""));

        let vercel = std::fs::read_to_string(root.join("vercel.json")).expect("vercel.json");
        let v: serde_json::Value = serde_json::from_str(&vercel).expect("vercel.json is JSON");
        assert!(v["functions"]["api/**/*.rs"].is_object());
        let rewrites = v["rewrites"].as_array().expect("rewrites");
        assert!(rewrites.iter().any(|r| r["source"] == "/" && r["destination"] == "/api/dashboard"));
        assert!(
            rewrites.iter().any(|r| r["source"] == "/api/openapi.json" && r["destination"] == "/api/openapi"),
            "the spec's path reaches its function"
        );
    }
}
