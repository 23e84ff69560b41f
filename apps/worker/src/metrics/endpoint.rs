//! `GET /metrics`: every metric in the text exposition format, for holders of the service token
//! (`WORKER_SERVICE_TOKEN`, the control API's, checked the same way and in constant time). With
//! no service token configured the route does not exist (404), as `/internal/v1` does not: the
//! figures (equity, orders) are not for anyone who can reach the port, and the dashboard's login
//! is for people, not for a scraper.

use bytes::Bytes;
use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use mirai_web::error::ApiResult;
use mirai_web::{ApiError, Backend, check_service_token};
use secrecy::{ExposeSecret, SecretString};

use super::Metrics;
use super::exposition::{CONTENT_TYPE, Exposition, Kind};

/// Answers one request to `/metrics`.
pub async fn answer(
    metrics: &Metrics,
    backend: &dyn Backend,
    service_token: Option<&SecretString>,
    req: &Request<Bytes>,
) -> Response<Bytes> {
    match scrape(metrics, backend, service_token, req).await {
        Ok(resp) => resp,
        Err(e) => e.into_response(),
    }
}

async fn scrape(
    metrics: &Metrics,
    backend: &dyn Backend,
    service_token: Option<&SecretString>,
    req: &Request<Bytes>,
) -> ApiResult<Response<Bytes>> {
    let Some(token) = service_token else { return Err(ApiError::NotFound) };
    check_service_token(req.headers(), token.expose_secret())?;
    if req.method() != Method::GET {
        return Err(ApiError::MethodNotAllowed { allow: "GET" });
    }
    // Off the async threads: the counts hold the store's connection for a pass over three tables.
    let store = metrics.store.clone();
    let counts = tokio::task::spawn_blocking(move || store.ledger_counts())
        .await
        .map_err(|e| ApiError::Internal(format!("counting the ledger: {e}")))?
        .map_err(|e| ApiError::Internal(format!("counting the ledger: {e}")))?;
    let status = backend.status().await?;
    let mut out = Exposition::new();
    super::scrape::render(&mut out, &counts, &status, mirai_live::venue::stream_reconnects());
    const UNRECORDED: &str = "mirai_candles_unrecorded_total";
    out.family(
        UNRECORDED,
        Kind::Counter,
        "Closed candles traded on that the local store refused, since the start.",
    );
    out.sample(UNRECORDED, &[], mirai_live::candles::candles_unrecorded());
    metrics.http.render(&mut out);

    let mut resp = Response::new(Bytes::from(out.finish()));
    *resp.status_mut() = StatusCode::OK;
    let headers = resp.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}
