//! `GET /api/health`: liveness, without authentication and without touching the worker.

use bytes::Bytes;
use http::{Response, StatusCode};
use serde_json::json;

use crate::plumbing::response::json;

pub(super) fn health() -> Response<Bytes> {
    json(StatusCode::OK, &json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }))
}
