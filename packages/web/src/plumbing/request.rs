//! Reading requests: the body size limit, JSON bodies, bearer tokens and query parameters.

use bytes::Bytes;
use http::{HeaderMap, Request, header};
use serde::de::DeserializeOwned;

use crate::error::{ApiError, ApiResult};

/// The largest request body accepted, in bytes. Hosts that stream the body (vercel_runtime)
/// must stop reading at this size too; see `mirai_api`.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Refuses a body over [`MAX_BODY_BYTES`] with 413.
pub(crate) fn check_body_size(body: &Bytes) -> ApiResult<()> {
    if body.len() > MAX_BODY_BYTES {
        return Err(ApiError::PayloadTooLarge { limit: MAX_BODY_BYTES });
    }
    Ok(())
}

/// Parses the body as JSON `T`. A content-type other than JSON gives 415; malformed JSON or the
/// wrong shape gives 400. With `echo_detail` false the 400 message names no part of the input
/// (used where the body holds a password).
pub(crate) fn json_body<T: DeserializeOwned>(req: &Request<Bytes>, echo_detail: bool) -> ApiResult<T> {
    if let Some(ct) = req.headers().get(header::CONTENT_TYPE) {
        let mime = ct.to_str().unwrap_or_default();
        let essence = mime.split(';').next().unwrap_or_default().trim();
        if !essence.eq_ignore_ascii_case("application/json") {
            return Err(ApiError::UnsupportedMediaType);
        }
    }
    serde_json::from_slice(req.body()).map_err(|e| {
        let msg = if req.body().is_empty() {
            "request body must be a JSON object".to_owned()
        } else if echo_detail {
            format!("invalid JSON body: {e}")
        } else {
            let kind = match e.classify() {
                serde_json::error::Category::Data => "wrong fields or types",
                _ => "malformed JSON",
            };
            format!("invalid JSON body: {kind}")
        };
        ApiError::BadRequest(msg)
    })
}

/// The token of an `Authorization: Bearer <token>` header, if there is one.
pub(crate) fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[test]
    fn bearer_tokens_are_found_only_in_the_bearer_scheme() {
        let mut h = HeaderMap::new();
        assert_eq!(bearer_token(&h), None);
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer abc"));
        assert_eq!(bearer_token(&h), Some("abc"));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("bearer  abc "));
        assert_eq!(bearer_token(&h), Some("abc"));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert_eq!(bearer_token(&h), None);
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer "));
        assert_eq!(bearer_token(&h), None);
    }
}
