//! `GET /api/positions`: every holding, valued at its mark.

use bytes::Bytes;
use http::{Response, StatusCode};
use serde_json::json;

use crate::ctx::Ctx;
use crate::error::ApiResult;
use crate::plumbing::response::json;

pub(super) async fn positions(ctx: &Ctx) -> ApiResult<Response<Bytes>> {
    let positions = ctx.backend.positions().await?;
    Ok(json(StatusCode::OK, &json!({ "positions": positions })))
}
