//! `handle`: the web tier's router. It never panics on input and never answers 500 for bad
//! input; it mounts unchanged on vercel_runtime, lambda_http and axum.

use bytes::Bytes;
use http::{Method, Request, Response};

use super::auth_guard::authorize;
use super::search::Corpus;
use super::{backtests, control, dashboard, health, login, positions, proposals, search, status, trades};
use crate::ctx::Ctx;
use crate::error::{ApiError, ApiResult};
use crate::plumbing::request::check_body_size;

const BACKTESTS: &str = "/api/backtests";
const PROPOSALS: &str = "/api/proposals";

#[derive(Clone, Copy)]
pub(super) enum Route<'a> {
    Dashboard,
    Health,
    Login,
    Status,
    Positions,
    Trades,
    Control,
    NewBacktest,
    Backtest(&'a str),
    BacktestResult(&'a str),
    Search(Corpus),
    Proposals,
    /// A proposal's id and whether it is approved (else rejected).
    DecideProposal(&'a str, bool),
}

impl<'a> Route<'a> {
    pub(super) fn find(path: &'a str) -> ApiResult<Self> {
        if let Some(parsed) = backtests::parse_path(path, BACKTESTS) {
            let (id, result) = parsed?;
            return Ok(if result { Route::BacktestResult(id) } else { Route::Backtest(id) });
        }
        if let Some(parsed) = proposals::parse_path(path, PROPOSALS) {
            let (id, approve) = parsed?;
            return Ok(Route::DecideProposal(id, approve));
        }
        Ok(match path {
            // `/api/dashboard` is where vercel.json rewrites `/`.
            "/" | "/index.html" | "/api/dashboard" => Route::Dashboard,
            "/api/health" => Route::Health,
            "/api/auth/login" => Route::Login,
            "/api/status" => Route::Status,
            "/api/positions" => Route::Positions,
            "/api/trades" => Route::Trades,
            "/api/control" => Route::Control,
            "/api/news/search" => Route::Search(Corpus::News),
            "/api/rationales/search" => Route::Search(Corpus::Rationales),
            BACKTESTS => Route::NewBacktest,
            PROPOSALS => Route::Proposals,
            _ => return Err(ApiError::NotFound),
        })
    }

    /// The path as a template, ids replaced by `{id}`: a metrics label, whose values must be a
    /// small fixed set. Beside `find` so that a new route gets its template in the same edit.
    pub(super) fn template(self) -> &'static str {
        match self {
            Route::Dashboard => "/",
            Route::Health => "/api/health",
            Route::Login => "/api/auth/login",
            Route::Status => "/api/status",
            Route::Positions => "/api/positions",
            Route::Trades => "/api/trades",
            Route::Control => "/api/control",
            Route::NewBacktest => BACKTESTS,
            Route::Backtest(_) => "/api/backtests/{id}",
            Route::BacktestResult(_) => "/api/backtests/{id}/result",
            Route::Search(Corpus::News) => "/api/news/search",
            Route::Search(Corpus::Rationales) => "/api/rationales/search",
            Route::Proposals => PROPOSALS,
            Route::DecideProposal(_, true) => "/api/proposals/{id}/approve",
            Route::DecideProposal(_, false) => "/api/proposals/{id}/reject",
        }
    }

    fn method(self) -> (Method, &'static str) {
        match self {
            Route::Login | Route::Control | Route::NewBacktest | Route::DecideProposal(..) => {
                (Method::POST, "POST")
            }
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
    let route = Route::find(req.uri().path())?;
    let (method, allow) = route.method();
    if req.method() != method {
        return Err(ApiError::MethodNotAllowed { allow });
    }
    check_body_size(req.body())?;
    match route {
        Route::Dashboard => Ok(dashboard::page()),
        Route::Health => Ok(health::health()),
        Route::Login => login::login(ctx, req).await,
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
        Route::NewBacktest => {
            let claims = authorize(ctx, req)?;
            tracing::info!(user = %claims.sub, "backtest requested");
            backtests::create(ctx.backend.as_ref(), BACKTESTS, req).await
        }
        Route::Backtest(id) => {
            authorize(ctx, req)?;
            backtests::progress(ctx.backend.as_ref(), id).await
        }
        Route::BacktestResult(id) => {
            authorize(ctx, req)?;
            backtests::result(ctx.backend.as_ref(), id).await
        }
        Route::Search(corpus) => {
            authorize(ctx, req)?;
            search::search(ctx.backend.as_ref(), corpus, req).await
        }
        Route::Proposals => {
            authorize(ctx, req)?;
            proposals::list(ctx.backend.as_ref(), req).await
        }
        Route::DecideProposal(id, approve) => {
            // The acting user is the token's subject, never anything the request says.
            let claims = authorize(ctx, req)?;
            proposals::decide(ctx.backend.as_ref(), id, approve, &claims.sub, req).await
        }
    }
}
