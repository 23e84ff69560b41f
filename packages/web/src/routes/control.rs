//! `POST /api/control`: pause, resume or kill; answers with the resulting status.

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use serde::Deserialize;

use crate::ctx::Ctx;
use crate::error::ApiResult;
use crate::plumbing::request::json_body;
use crate::plumbing::response::json;
use crate::views::ControlAction;

/// `{"action": "pause" | "resume" | "kill"}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ControlRequest {
    action: ControlAction,
}

pub(super) async fn control(ctx: &Ctx, user: &str, req: &Request<Bytes>) -> ApiResult<Response<Bytes>> {
    let body: ControlRequest = json_body(req, true)?;
    tracing::warn!(%user, action = %body.action, "control command");
    let status = ctx.backend.control(body.action, user.to_owned()).await?;
    Ok(json(StatusCode::OK, &status))
}
