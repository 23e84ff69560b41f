//! `POST /api/control`: pause, resume or kill; answers with the resulting status. Pausing and
//! resuming after a pause need the trader role; the kill switch, and resuming after it (or after
//! a halt by the system), the admin role.

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use serde::Deserialize;

use super::auth_guard::require;
use crate::auth::{Permission, Session, may};
use crate::ctx::Ctx;
use crate::error::{ApiError, ApiResult};
use crate::plumbing::request::json_body;
use crate::plumbing::response::json;
use crate::views::ControlAction;

/// `{"action": "pause" | "resume" | "kill"}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct ControlRequest {
    action: ControlAction,
}

/// What an action needs, before the worker's state is known (`resume` after a kill needs more).
fn permission(action: ControlAction) -> Permission {
    match action {
        ControlAction::Pause | ControlAction::Resume => Permission::PauseResume,
        ControlAction::Kill => Permission::KillSwitch,
    }
}

pub(super) async fn control(
    ctx: &Ctx,
    session: &Session,
    req: &Request<Bytes>,
) -> ApiResult<Response<Bytes>> {
    let body: ControlRequest = json_body(req, true)?;
    require(session, permission(body.action))?;
    let user = session.user.clone();
    tracing::warn!(%user, role = %session.role, action = %body.action, "control command");
    let status = match body.action {
        ControlAction::Resume if !may(session.role, Permission::KillSwitch) => {
            // A 403 when the kill switch is on already; the worker checks again in order with the
            // other commands, so a kill given meanwhile is refused too (409), never lifted.
            if ctx.backend.status().await?.halted {
                tracing::info!(%user, role = %session.role, "refused: resuming after the kill switch needs an admin");
                return Err(ApiError::Forbidden { required: Permission::KillSwitch.minimum_role() });
            }
            ctx.backend.resume_unless_halted(user).await?
        }
        action => ctx.backend.control(action, user).await?,
    };
    Ok(json(StatusCode::OK, &status))
}
