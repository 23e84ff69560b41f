//! `handle`: the web tier's router. It never panics on input and never answers 500 for bad
//! input; it mounts unchanged on vercel_runtime, lambda_http and axum.

use bytes::Bytes;
use http::{Method, Request, Response};

use super::auth_guard::authorize;
use super::{control, dashboard, health, login, positions, status, trades};
use crate::ctx::Ctx;
use crate::error::{ApiError, ApiResult};
use crate::plumbing::request::check_body_size;

#[derive(Clone, Copy)]
enum Route {
    Dashboard,
    Health,
    Login,
    Status,
    Positions,
    Trades,
    Control,
}

impl Route {
    fn find(path: &str) -> Option<Self> {
        Some(match path {
            // `/api/dashboard` is where vercel.json rewrites `/`.
            "/" | "/index.html" | "/api/dashboard" => Route::Dashboard,
            "/api/health" => Route::Health,
            "/api/auth/login" => Route::Login,
            "/api/status" => Route::Status,
            "/api/positions" => Route::Positions,
            "/api/trades" => Route::Trades,
            "/api/control" => Route::Control,
            _ => return None,
        })
    }

    fn method(self) -> (Method, &'static str) {
        match self {
            Route::Login | Route::Control => (Method::POST, "POST"),
            _ => (Method::GET, "GET"),
        }
    }
}

/// Answers one request. Authentication: none for the dashboard, health and login; a user JWT
/// (`Authorization: Bearer`) for everything else.
pub async fn handle(ctx: &Ctx, req: Request<Bytes>) -> Response<Bytes> {
    match dispatch(ctx, &req).await {
        Ok(resp) => resp,
        Err(e) => e.into_response(),
    }
}

async fn dispatch(ctx: &Ctx, req: &Request<Bytes>) -> ApiResult<Response<Bytes>> {
    let route = Route::find(req.uri().path()).ok_or(ApiError::NotFound)?;
    let (method, allow) = route.method();
    if req.method() != method {
        return Err(ApiError::MethodNotAllowed { allow });
    }
    check_body_size(req.body())?;
    match route {
        Route::Dashboard => Ok(dashboard::page()),
        Route::Health => Ok(health::health()),
        Route::Login => login::login(ctx, req),
        Route::Status => {
            authorize(ctx, req)?;
            status::status(ctx).await
        }
        Route::Positions => {
            authorize(ctx, req)?;
            positions::positions(ctx).await
        }
        Route::Trades => {
            authorize(ctx, req)?;
            trades::trades(ctx, req).await
        }
        Route::Control => {
            let claims = authorize(ctx, req)?;
            control::control(ctx, &claims.sub, req).await
        }
    }
}
