//! `GET /api/me`: who the token belongs to, the role the request has (the lower of the token's
//! and the user's now), and when the token expires.

use bytes::Bytes;
use http::{Response, StatusCode};

use crate::auth::Session;
use crate::error::ApiResult;
use crate::plumbing::response::json;

pub(super) fn me(session: &Session) -> ApiResult<Response<Bytes>> {
    Ok(json(StatusCode::OK, session))
}
