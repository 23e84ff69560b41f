//! `handle`: the web tier's router. It never panics on input and never answers 500 for bad
//! input; it mounts unchanged on vercel_runtime, lambda_http and axum. Every route names the
//! [`Permission`] it needs (none for the dashboard, health and login), checked once before it
//! runs; [`routes`] lists them all.

use bytes::Bytes;
use http::{Method, Request, Response};
use serde::Serialize;

use super::admin;
use super::auth_guard::authorize;
use super::openapi;
use super::search::Corpus;
use super::{
    backtests, control, dashboard, decisions, health, login, me, performance, pnl, positions, proposals,
    round_trips, search, status, trades,
};
use crate::auth::{Permission, Session, client_addr};
use crate::control_api::caller::{Caller, on_behalf_of};
use crate::ctx::Ctx;
use crate::error::{ApiError, ApiResult};
use crate::plumbing::request::check_body_size;

const BACKTESTS: &str = "/api/backtests";
const PROPOSALS: &str = "/api/proposals";

#[derive(Clone, Copy)]
pub(super) enum Route<'a> {
    Dashboard,
    /// One of the dashboard's scripts, styles or vendored files (`/static/…`).
    Static(&'static dashboard::StaticFile),
    Health,
    /// `GET /api/openapi.json` (and `/api/openapi`, Vercel's function for it): the OpenAPI document.
    OpenApi,
    /// `GET /api/docs`: the page that shows it.
    ApiDocs,
    Login,
    Me,
    Status,
    Positions,
    Performance,
    Pnl,
    RoundTrips,
    Decisions,
    Trades,
    Control,
    NewBacktest,
    /// `GET` on the path where `POST` is [`Route::NewBacktest`]: the list of jobs.
    Backtests,
    Backtest(&'a str),
    BacktestResult(&'a str),
    Search(Corpus),
    Proposals,
    /// A proposal's id and whether it is approved (else rejected).
    DecideProposal(&'a str, bool),
    /// `GET /api/risk`; `PUT` is [`Route::SetRisk`].
    Risk,
    SetRisk,
    Audit,
    Live,
    /// `POST /api/live/approve` (true) or `/api/live/revoke`.
    DecideLive(bool),
    /// `GET /api/users`; `POST` is [`Route::NewUser`].
    Users,
    NewUser,
    /// `PUT /api/users/{name}` (the name as in the path, still percent-encoded); `DELETE` is
    /// [`Route::RemoveUser`].
    UpdateUser(&'a str),
    RemoveUser(&'a str),
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
        if let Some(file) = dashboard::static_file(path) {
            return Ok(Route::Static(file));
        }
        if let Some(name) = admin::parse_user_path(path) {
            return Ok(Route::UpdateUser(name?));
        }
        Ok(match path {
            // `/api/dashboard` is where vercel.json rewrites `/`.
            "/" | "/index.html" | "/api/dashboard" => Route::Dashboard,
            "/api/health" => Route::Health,
            openapi::SPEC_PATH | "/api/openapi" => Route::OpenApi,
            openapi::DOCS_PATH => Route::ApiDocs,
            "/api/auth/login" => Route::Login,
            "/api/me" => Route::Me,
            "/api/status" => Route::Status,
            "/api/positions" => Route::Positions,
            "/api/performance" => Route::Performance,
            "/api/pnl" => Route::Pnl,
            "/api/round-trips" => Route::RoundTrips,
            "/api/decisions" => Route::Decisions,
            "/api/trades" => Route::Trades,
            "/api/control" => Route::Control,
            "/api/news/search" => Route::Search(Corpus::News),
            "/api/rationales/search" => Route::Search(Corpus::Rationales),
            BACKTESTS => Route::NewBacktest,
            PROPOSALS => Route::Proposals,
            "/api/risk" => Route::Risk,
            "/api/audit" => Route::Audit,
            "/api/live" => Route::Live,
            "/api/live/approve" => Route::DecideLive(true),
            "/api/live/revoke" => Route::DecideLive(false),
            admin::USERS => Route::Users,
            _ => return Err(ApiError::NotFound),
        })
    }

    /// The path as a template, ids replaced by `{id}`: a metrics label, whose values must be a
    /// small fixed set. Beside `find` so that a new route gets its template in the same edit.
    pub(super) fn template(self) -> &'static str {
        match self {
            Route::Dashboard => "/",
            // A fixed set of paths: each file is its own label.
            Route::Static(file) => file.path,
            Route::Health => "/api/health",
            Route::OpenApi => openapi::SPEC_PATH,
            Route::ApiDocs => openapi::DOCS_PATH,
            Route::Login => "/api/auth/login",
            Route::Me => "/api/me",
            Route::Status => "/api/status",
            Route::Positions => "/api/positions",
            Route::Performance => "/api/performance",
            Route::Pnl => "/api/pnl",
            Route::RoundTrips => "/api/round-trips",
            Route::Decisions => "/api/decisions",
            Route::Trades => "/api/trades",
            Route::Control => "/api/control",
            Route::NewBacktest | Route::Backtests => BACKTESTS,
            Route::Backtest(_) => "/api/backtests/{id}",
            Route::BacktestResult(_) => "/api/backtests/{id}/result",
            Route::Search(Corpus::News) => "/api/news/search",
            Route::Search(Corpus::Rationales) => "/api/rationales/search",
            Route::Proposals => PROPOSALS,
            Route::DecideProposal(_, true) => "/api/proposals/{id}/approve",
            Route::DecideProposal(_, false) => "/api/proposals/{id}/reject",
            Route::Risk | Route::SetRisk => "/api/risk",
            Route::Audit => "/api/audit",
            Route::Live => "/api/live",
            Route::DecideLive(true) => "/api/live/approve",
            Route::DecideLive(false) => "/api/live/revoke",
            Route::Users | Route::NewUser => admin::USERS,
            Route::UpdateUser(_) | Route::RemoveUser(_) => "/api/users/{name}",
        }
    }

    /// What a user must be allowed to do to use the route; `None`: anyone, without a token.
    /// Beside `find` so that a new route gets its decision in the same edit. `/api/control` needs
    /// more for the kill switch and for resuming after it (`control::permission`).
    pub(super) fn permission(self) -> Option<Permission> {
        match self {
            Route::Dashboard | Route::Static(_) | Route::Health | Route::OpenApi | Route::ApiDocs | Route::Login => {
                None
            }
            Route::Me
            | Route::Status
            | Route::Positions
            | Route::Performance
            | Route::Pnl
            | Route::RoundTrips
            | Route::Decisions
            | Route::Trades
            | Route::Backtests
            | Route::Backtest(_)
            | Route::BacktestResult(_)
            | Route::Search(_)
            | Route::Proposals
            // The limits in force are no secret from a user who sees the positions they bound;
            // changing them is the admin's.
            | Route::Risk => Some(Permission::Read),
            Route::SetRisk => Some(Permission::RiskLimits),
            Route::Audit => Some(Permission::Audit),
            Route::Live | Route::DecideLive(_) => Some(Permission::LiveApproval),
            Route::Users | Route::NewUser | Route::UpdateUser(_) | Route::RemoveUser(_) => {
                Some(Permission::ManageUsers)
            }
            Route::Control => Some(Permission::PauseResume),
            Route::NewBacktest => Some(Permission::RunBacktests),
            Route::DecideProposal(..) => Some(Permission::DecideProposals),
        }
    }

    /// The method the route answers, as text.
    fn method_name(self) -> &'static str {
        match self.method().0 {
            Method::POST => "POST",
            Method::PUT => "PUT",
            Method::DELETE => "DELETE",
            _ => "GET",
        }
    }

    fn method(self) -> (Method, &'static str) {
        match self {
            // One path, two routes: the `Allow` of either names both.
            Route::NewBacktest => (Method::POST, "GET, POST"),
            Route::Backtests => (Method::GET, "GET, POST"),
            Route::Login | Route::Control | Route::DecideProposal(..) | Route::DecideLive(_) => {
                (Method::POST, "POST")
            }
            Route::Risk => (Method::GET, "GET, PUT"),
            Route::SetRisk => (Method::PUT, "GET, PUT"),
            Route::Users => (Method::GET, "GET, POST"),
            Route::NewUser => (Method::POST, "GET, POST"),
            Route::UpdateUser(_) => (Method::PUT, "PUT, DELETE"),
            Route::RemoveUser(_) => (Method::DELETE, "PUT, DELETE"),
            _ => (Method::GET, "GET"),
        }
    }

    /// The route `method` picks where one path serves two: `GET /api/backtests` lists the jobs,
    /// `POST` starts one.
    fn for_method(self, method: &Method) -> Self {
        match self {
            Route::NewBacktest if method == Method::GET => Route::Backtests,
            Route::Risk if method == Method::PUT => Route::SetRisk,
            Route::Users if method == Method::POST => Route::NewUser,
            Route::UpdateUser(name) if method == Method::DELETE => Route::RemoveUser(name),
            route => route,
        }
    }
}

/// One route: its method, its path template and what it needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct RouteSpec {
    pub method: &'static str,
    pub template: &'static str,
    /// `None`: public.
    pub permission: Option<Permission>,
}

/// One value of each route (ids made up): what [`routes`] lists.
const EXAMPLES: &[Route<'static>] = &[
    Route::Dashboard,
    // The dashboard's entry script stands for all of `dashboard::STATIC_FILES`, served alike.
    Route::Static(&dashboard::STATIC_FILES[0]),
    Route::Health,
    Route::OpenApi,
    Route::ApiDocs,
    Route::Login,
    Route::Me,
    Route::Status,
    Route::Positions,
    Route::Performance,
    Route::Pnl,
    Route::RoundTrips,
    Route::Decisions,
    Route::Trades,
    Route::Control,
    Route::NewBacktest,
    Route::Backtests,
    Route::Backtest("bt-1"),
    Route::BacktestResult("bt-1"),
    Route::Search(Corpus::News),
    Route::Search(Corpus::Rationales),
    Route::Proposals,
    Route::DecideProposal("mi-1", true),
    Route::DecideProposal("mi-1", false),
    Route::Risk,
    Route::SetRisk,
    Route::Audit,
    Route::Live,
    Route::DecideLive(true),
    Route::DecideLive(false),
    Route::Users,
    Route::NewUser,
    Route::UpdateUser("ann"),
    Route::RemoveUser("ann"),
];

/// Every public route, with its method and the permission it needs: for the role tests (every
/// route × every role) and for documentation.
pub fn routes() -> Vec<RouteSpec> {
    EXAMPLES
        .iter()
        .map(|r| RouteSpec { method: r.method_name(), template: r.template(), permission: r.permission() })
        .collect()
}

/// Answers one request. Authentication: none for the dashboard, health and login; for everything
/// else a user JWT (`Authorization: Bearer`) whose user exists and is enabled now, and a role that
/// may use the route (else 403).
///
/// Every answer comes within `ctx.request_timeout` (else `504`, the work abandoned) and carries
/// the security headers ([`crate::secure_headers`]); authenticated routes are rate-limited per
/// address and per user (`authorize`).
pub async fn handle(ctx: &Ctx, req: Request<Bytes>) -> Response<Bytes> {
    let mut resp = match tokio::time::timeout(ctx.request_timeout, dispatch(ctx, &req)).await {
        Ok(Ok(resp)) => resp,
        Ok(Err(e)) => e.into_response(),
        Err(_) => ApiError::Timeout { secs: ctx.request_timeout.as_secs() }.into_response(),
    };
    crate::plumbing::response::secure_headers(resp.headers_mut(), ctx.https);
    resp
}

async fn dispatch(ctx: &Ctx, req: &Request<Bytes>) -> ApiResult<Response<Bytes>> {
    let route = Route::find(req.uri().path())?.for_method(req.method());
    let (method, allow) = route.method();
    if req.method() != method {
        return Err(ApiError::MethodNotAllowed { allow });
    }
    check_body_size(req.body())?;
    // The one check of every protected route: the token, its user as they are now, the role.
    let session = match route.permission() {
        Some(permission) => authorize(ctx, req, permission).await?,
        None => {
            return match route {
                Route::Dashboard => Ok(dashboard::page_or_file(req)),
                Route::Static(file) => Ok(dashboard::serve(file, req)),
                Route::Health => Ok(health::health()),
                Route::OpenApi => Ok(openapi::spec()),
                Route::ApiDocs => Ok(openapi::docs_page()),
                Route::Login => login::login(ctx, req).await,
                _ => Err(ApiError::Internal(format!("{} has no handler without a token", route.template()))),
            };
        }
    };
    // Calls to a remote worker name the user and the client's address, so that the worker's rate
    // limits count every serverless instance's requests together (`control_api::caller`).
    let caller = Caller { user: session.user.clone(), addr: client_addr(req) };
    on_behalf_of(caller, serve(ctx, req, route, &session)).await
}

/// Answers an authenticated request for `route` as `session`.
async fn serve(
    ctx: &Ctx,
    req: &Request<Bytes>,
    route: Route<'_>,
    session: &Session,
) -> ApiResult<Response<Bytes>> {
    match route {
        Route::Dashboard
        | Route::Static(_)
        | Route::Health
        | Route::OpenApi
        | Route::ApiDocs
        | Route::Login => Err(ApiError::Internal(format!("{} is public", route.template()))),
        Route::Me => me::me(session),
        Route::Status => status::status(ctx).await,
        Route::Positions => positions::positions(ctx).await,
        Route::Performance => performance::performance(ctx.backend.as_ref(), req).await,
        Route::Pnl => pnl::pnl(ctx.backend.as_ref(), req).await,
        Route::RoundTrips => round_trips::round_trips(ctx.backend.as_ref(), req).await,
        Route::Decisions => decisions::decisions(ctx.backend.as_ref(), req).await,
        Route::Trades => trades::trades(ctx, req).await,
        Route::Control => control::control(ctx, session, req).await,
        Route::NewBacktest => {
            tracing::info!(user = %session.user, "backtest requested");
            backtests::create(ctx.backend.as_ref(), BACKTESTS, req).await
        }
        Route::Backtests => backtests::list(ctx.backend.as_ref(), req).await,
        Route::Backtest(id) => backtests::progress(ctx.backend.as_ref(), id).await,
        Route::BacktestResult(id) => backtests::result(ctx.backend.as_ref(), id).await,
        Route::Search(corpus) => search::search(ctx.backend.as_ref(), corpus, req).await,
        Route::Proposals => proposals::list(ctx.backend.as_ref(), req).await,
        Route::DecideProposal(id, approve) => {
            // The acting user is the session's, never anything the request says.
            proposals::decide(ctx.backend.as_ref(), id, approve, &session.user, req).await
        }
        Route::Risk => admin::risk(ctx.backend.as_ref()).await,
        Route::SetRisk => admin::set_risk(ctx.backend.as_ref(), session, req).await,
        Route::Audit => admin::audit(ctx.backend.as_ref(), req).await,
        Route::Live => admin::live(ctx.backend.as_ref()).await,
        Route::DecideLive(true) => admin::approve_live(ctx, session, req).await,
        Route::DecideLive(false) => admin::revoke_live(ctx.backend.as_ref(), session, req).await,
        Route::Users => admin::users(ctx.backend.as_ref()).await,
        Route::NewUser => admin::add_user(ctx.backend.as_ref(), session, req).await,
        Route::UpdateUser(name) => admin::update_user(ctx.backend.as_ref(), session, name, req).await,
        Route::RemoveUser(name) => admin::remove_user(ctx.backend.as_ref(), session, name, req).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each variant's place: the match stops compiling when a route is added, a reminder to list
    /// it in `EXAMPLES` (and so in the role tests).
    fn variant(r: Route<'_>) -> usize {
        match r {
            Route::Dashboard => 0,
            Route::Health => 1,
            Route::Login => 2,
            Route::Me => 3,
            Route::Status => 4,
            Route::Positions => 5,
            Route::Performance => 6,
            Route::Pnl => 7,
            Route::RoundTrips => 8,
            Route::Decisions => 9,
            Route::Trades => 10,
            Route::Control => 11,
            Route::NewBacktest => 12,
            Route::Backtests => 13,
            Route::Backtest(_) => 14,
            Route::BacktestResult(_) => 15,
            Route::Search(_) => 16,
            Route::Proposals => 17,
            Route::DecideProposal(..) => 18,
            Route::Static(_) => 19,
            Route::Risk => 20,
            Route::SetRisk => 21,
            Route::Audit => 22,
            Route::Live => 23,
            Route::DecideLive(_) => 24,
            Route::Users => 25,
            Route::NewUser => 26,
            Route::UpdateUser(_) => 27,
            Route::RemoveUser(_) => 28,
            Route::OpenApi => 29,
            Route::ApiDocs => 30,
        }
    }

    #[test]
    fn every_route_is_listed_with_who_may_use_it() {
        let mut seen = [false; 31];
        for r in EXAMPLES {
            seen[variant(*r)] = true;
            let id = if r.template().contains("proposals") { "mi-1" } else { "bt-1" };
            let path = r.template().replace("{id}", id).replace("{name}", "ann");
            let method = Method::from_bytes(r.method_name().as_bytes()).unwrap_or(Method::GET);
            let found = Route::find(&path).unwrap_or_else(|e| panic!("{path}: {e}")).for_method(&method);
            assert_eq!((found.template(), found.method_name()), (r.template(), r.method_name()));
        }
        assert!(seen.iter().all(|s| *s), "a route is missing from EXAMPLES: {seen:?}");
        let public: Vec<&str> =
            routes().iter().filter(|r| r.permission.is_none()).map(|r| r.template).collect();
        assert_eq!(
            public,
            ["/", "/static/js/app.js", "/api/health", "/api/openapi.json", "/api/docs", "/api/auth/login"]
        );
    }
}
