//! `GET /api/status`: mode, switches and account totals.

use bytes::Bytes;
use http::{Response, StatusCode};

use crate::ctx::Ctx;
use crate::error::ApiResult;
use crate::plumbing::response::json;

pub(super) async fn status(ctx: &Ctx) -> ApiResult<Response<Bytes>> {
    let status = ctx.backend.status().await?;
    Ok(json(StatusCode::OK, &status))
}
