//! `RemoteBackend`: a `Backend` that calls the worker's control API over HTTP.

use std::fmt;
use std::time::Duration;

use http::{HeaderValue, StatusCode};
use mirai_core::{RiskLimits, Timestamp};
use reqwest::{Client, Url, redirect};
use serde::Serialize;
use serde::de::DeserializeOwned;
use thiserror::Error;

use super::server::MIN_SERVICE_TOKEN_BYTES;
use super::wire::{self, ErrorBody, PositionsBody, ProposalsBody, RecordedBody, SearchBody, TradesBody};
use crate::auth::{Account, LoginEvent, UserDirectory};
use crate::backend::{Backend, BackendError, BackendFuture};
use crate::views::{
    AuditPage, AuditQuery, LiveApprovalView, LiveApproveRequest, NewUser, RiskLimitsView, UserUpdate,
    UserView,
};
use crate::views::{
    BacktestJobView, BacktestRequest, BacktestResultView, BacktestsPage, BacktestsQuery, ControlAction,
    DecisionsPage, DecisionsQuery, PerformanceView, PnlQuery, PnlView, PositionView, ProposalStatus,
    ProposalView, RoundTripsPage, RoundTripsQuery, SearchHitView, SearchRequest, StatusView, TradeView,
};

/// The limit on one call to the worker, connection included; Vercel allows 10 s per request.
pub const TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RemoteSetupError {
    #[error("invalid worker URL: {0}")]
    InvalidUrl(String),
    #[error("the service token is {len} bytes; at least {min} are required")]
    TokenTooShort { len: usize, min: usize },
    #[error("the service token is not a valid header value")]
    TokenNotHeaderSafe,
    #[error("HTTP client: {0}")]
    Client(String),
}

/// Checks a worker base URL: absolute, a host, no credentials, query or fragment, and https
/// unless the worker is on this machine (127.0.0.0/8, ::1, localhost). Every request carries the
/// service token and the answers carry the account, so plain http across a network gives both to
/// anyone on the path: a remote worker goes behind a TLS proxy (docs/operations.md).
pub(crate) fn check_base_url(raw: &str) -> Result<Url, String> {
    mirai_settings::check_base_url(raw, mirai_settings::Transport::HttpsUnlessLoopback)
}

/// Calls `handle_control_api` on a worker. The HTTP client is built once and reused; each call
/// is bounded by [`TIMEOUT`]; redirects are not followed.
pub struct RemoteBackend {
    client: Client,
    base: String,
    authorization: HeaderValue,
}

impl RemoteBackend {
    pub fn new(base_url: &str, service_token: &str) -> Result<Self, RemoteSetupError> {
        let url = check_base_url(base_url).map_err(RemoteSetupError::InvalidUrl)?;
        if service_token.len() < MIN_SERVICE_TOKEN_BYTES {
            return Err(RemoteSetupError::TokenTooShort {
                len: service_token.len(),
                min: MIN_SERVICE_TOKEN_BYTES,
            });
        }
        let mut authorization = HeaderValue::from_str(&format!("Bearer {service_token}"))
            .map_err(|_| RemoteSetupError::TokenNotHeaderSafe)?;
        authorization.set_sensitive(true);
        let client = Client::builder()
            .timeout(TIMEOUT)
            .connect_timeout(TIMEOUT)
            .redirect(redirect::Policy::none())
            .build()
            .map_err(|e| RemoteSetupError::Client(e.to_string()))?;
        Ok(Self { client, base: url.as_str().trim_end_matches('/').to_owned(), authorization })
    }

    async fn get<T: DeserializeOwned>(&self, path_and_query: &str) -> Result<T, BackendError> {
        let req = self.client.get(format!("{}{path_and_query}", self.base));
        self.send(req).await
    }

    async fn post<B: Serialize, T: DeserializeOwned>(&self, path: &str, body: &B) -> Result<T, BackendError> {
        let req = self.client.post(format!("{}{path}", self.base)).json(body);
        self.send(req).await
    }

    /// A request with a JSON body and any method (`PUT`, `DELETE`).
    async fn call<B: Serialize, T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: &B,
    ) -> Result<T, BackendError> {
        let req = self.client.request(method, format!("{}{path}", self.base)).json(body);
        self.send(req).await
    }

    async fn send<T: DeserializeOwned>(&self, mut req: reqwest::RequestBuilder) -> Result<T, BackendError> {
        for (name, value) in super::caller::headers() {
            req = req.header(name, value);
        }
        let resp = req
            .header(http::header::AUTHORIZATION, self.authorization.clone())
            .send()
            .await
            .map_err(|e| BackendError::Unavailable(error_chain(&e)))?;
        let status = resp.status();
        if status == StatusCode::TOO_MANY_REQUESTS {
            let retry_after_secs = resp
                .headers()
                .get(http::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .unwrap_or(1)
                .max(1);
            return Err(BackendError::RateLimited { retry_after_secs });
        }
        if status.is_success() {
            return resp
                .json::<T>()
                .await
                .map_err(|e| BackendError::Internal(format!("control API answer: {e}")));
        }
        let (message, code, mut fields) =
            resp.json::<ErrorBody>().await.map(|b| (b.error, b.code, b.fields)).unwrap_or_default();
        Err(match status {
            StatusCode::SERVICE_UNAVAILABLE if code == crate::error::DEPENDENCY_UNAVAILABLE => {
                BackendError::DependencyUnavailable(message)
            }
            StatusCode::CONFLICT => BackendError::Refused(message),
            StatusCode::UNPROCESSABLE_ENTITY
                if code == crate::error::VALIDATION_FAILED && fields.len() == 1 =>
            {
                let f = fields.remove(0);
                BackendError::InvalidField { field: f.field, message: f.message }
            }
            StatusCode::UNPROCESSABLE_ENTITY => BackendError::Invalid(message),
            StatusCode::NOT_FOUND => BackendError::NotFound(message),
            StatusCode::SERVICE_UNAVAILABLE | StatusCode::BAD_GATEWAY | StatusCode::GATEWAY_TIMEOUT => {
                BackendError::Unavailable(format!("control API answered {status}: {message}"))
            }
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                BackendError::Internal("the control API refused the service token".to_owned())
            }
            _ => BackendError::Internal(format!("control API answered {status}: {message}")),
        })
    }
}

/// The control-API path of a backtest; an id that could leave the path is no backtest.
fn backtest_path(id: &str, suffix: &str) -> Result<String, BackendError> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(format!("{}/{id}{suffix}", wire::BACKTESTS))
    } else {
        Err(BackendError::NotFound(format!("no backtest {id:?}")))
    }
}

/// The control-API path of a decision on a proposal; an id that could leave the path is no
/// proposal.
fn decide_path(id: &str, approve: bool) -> Result<String, BackendError> {
    if !crate::routes::proposals::id_ok(id) {
        return Err(BackendError::NotFound("no such proposal".to_owned()));
    }
    let action = if approve { "approve" } else { "reject" };
    Ok(format!("{}/{id}/{action}", wire::PROPOSALS))
}

/// The control-API path and query of a search, every value URL-encoded.
fn search_path(path: &str, r: &SearchRequest) -> String {
    let mut url = Url::parse("http://worker.invalid").unwrap_or_else(|_| unreachable!("a literal URL"));
    url.set_path(path);
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("q", &r.q);
        if let Some(s) = r.symbol {
            q.append_pair("symbol", s.as_str());
        }
        if let Some(t) = r.since {
            q.append_pair("since", &t.millis().to_string());
        }
        if let Some(t) = r.until {
            q.append_pair("until", &t.millis().to_string());
        }
        q.append_pair("limit", &r.limit.to_string());
    }
    format!("{}?{}", url.path(), url.query().unwrap_or_default())
}

/// The control-API path and query of a performance window, its bounds in epoch milliseconds.
fn performance_path(from: Option<Timestamp>, to: Option<Timestamp>) -> String {
    let bound = |name: &str, t: Option<Timestamp>| t.map(|t| format!("{name}={}", t.millis()));
    let query: Vec<String> = [bound("from", from), bound("to", to)].into_iter().flatten().collect();
    if query.is_empty() {
        wire::PERFORMANCE.to_owned()
    } else {
        format!("{}?{}", wire::PERFORMANCE, query.join("&"))
    }
}

/// The control-API path of a read, with its query string when it has one.
fn read_path(path: &str, query: String) -> String {
    if query.is_empty() { path.to_owned() } else { format!("{path}?{query}") }
}

/// An error and its sources on one line, for the logs (the URL holds no credentials).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

impl Backend for RemoteBackend {
    fn status(&self) -> BackendFuture<'_, StatusView> {
        Box::pin(self.get(wire::STATUS))
    }

    fn positions(&self) -> BackendFuture<'_, Vec<PositionView>> {
        Box::pin(async move {
            let body: PositionsBody = self.get(wire::POSITIONS).await?;
            Ok(body.positions)
        })
    }

    fn trades(&self, limit: u32) -> BackendFuture<'_, Vec<TradeView>> {
        Box::pin(async move {
            let body: TradesBody = self.get(&format!("{}?limit={limit}", wire::TRADES)).await?;
            Ok(body.trades)
        })
    }

    fn performance(
        &self,
        from: Option<Timestamp>,
        to: Option<Timestamp>,
    ) -> BackendFuture<'_, PerformanceView> {
        Box::pin(async move { self.get(&performance_path(from, to)).await })
    }

    fn pnl(&self, query: PnlQuery) -> BackendFuture<'_, PnlView> {
        Box::pin(async move { self.get(&read_path(wire::PNL, query.to_query_string())).await })
    }

    fn round_trips(&self, query: RoundTripsQuery) -> BackendFuture<'_, RoundTripsPage> {
        Box::pin(async move { self.get(&read_path(wire::ROUND_TRIPS, query.to_query_string())).await })
    }

    fn decisions(&self, query: DecisionsQuery) -> BackendFuture<'_, DecisionsPage> {
        Box::pin(async move { self.get(&read_path(wire::DECISIONS, query.to_query_string())).await })
    }

    fn control(&self, action: ControlAction, by: String) -> BackendFuture<'_, StatusView> {
        Box::pin(async move {
            self.post(wire::CONTROL, &wire::ControlBody { action, by: Some(by), unless_halted: false }).await
        })
    }

    fn resume_unless_halted(&self, by: String) -> BackendFuture<'_, StatusView> {
        let body = wire::ControlBody { action: ControlAction::Resume, by: Some(by), unless_halted: true };
        Box::pin(async move { self.post(wire::CONTROL, &body).await })
    }

    fn proposals(&self, status: Option<ProposalStatus>, limit: u32) -> BackendFuture<'_, Vec<ProposalView>> {
        Box::pin(async move {
            // Both values are from fixed alphabets (a status name, digits): nothing to encode.
            let status = status.map(|s| format!("&status={}", s.as_str())).unwrap_or_default();
            let body: ProposalsBody = self.get(&format!("{}?limit={limit}{status}", wire::PROPOSALS)).await?;
            Ok(body.proposals)
        })
    }

    fn decide_proposal(&self, id: String, approve: bool, by: String) -> BackendFuture<'_, ProposalView> {
        Box::pin(async move { self.post(&decide_path(&id, approve)?, &wire::DecideBody { by }).await })
    }

    fn create_backtest(&self, request: BacktestRequest) -> BackendFuture<'_, BacktestJobView> {
        Box::pin(async move { self.post(wire::BACKTESTS, &request).await })
    }

    fn backtest(&self, id: &str) -> BackendFuture<'_, BacktestJobView> {
        let path = backtest_path(id, "");
        Box::pin(async move { self.get(&path?).await })
    }

    fn backtest_result(&self, id: &str) -> BackendFuture<'_, BacktestResultView> {
        let path = backtest_path(id, "/result");
        Box::pin(async move { self.get(&path?).await })
    }

    fn backtests(&self, query: BacktestsQuery) -> BackendFuture<'_, BacktestsPage> {
        Box::pin(async move { self.get(&read_path(wire::BACKTESTS, query.to_query_string())).await })
    }

    fn search_news(&self, request: SearchRequest) -> BackendFuture<'_, Vec<SearchHitView>> {
        Box::pin(async move { self.search(wire::NEWS_SEARCH, &request).await })
    }

    fn search_rationales(&self, request: SearchRequest) -> BackendFuture<'_, Vec<SearchHitView>> {
        Box::pin(async move { self.search(wire::RATIONALES_SEARCH, &request).await })
    }

    fn risk_limits(&self) -> BackendFuture<'_, RiskLimitsView> {
        Box::pin(self.get(wire::RISK))
    }

    fn set_risk_limits(&self, limits: RiskLimits, by: String) -> BackendFuture<'_, RiskLimitsView> {
        Box::pin(async move {
            self.call(reqwest::Method::PUT, wire::RISK, &wire::SetRiskBody { limits, by }).await
        })
    }

    fn audit(&self, query: AuditQuery) -> BackendFuture<'_, AuditPage> {
        Box::pin(async move {
            // Digits only: nothing to encode.
            let cursor = query.before.map(|b| format!("&cursor={b}")).unwrap_or_default();
            self.get(&format!("{}?limit={}{cursor}", wire::AUDIT, query.limit)).await
        })
    }

    fn live_approval(&self) -> BackendFuture<'_, LiveApprovalView> {
        Box::pin(self.get(wire::LIVE))
    }

    fn approve_live(&self, request: LiveApproveRequest) -> BackendFuture<'_, LiveApprovalView> {
        Box::pin(async move { self.post(wire::LIVE_APPROVE, &request).await })
    }

    fn revoke_live(&self, by: String) -> BackendFuture<'_, LiveApprovalView> {
        Box::pin(async move { self.post(wire::LIVE_REVOKE, &wire::ByBody { by }).await })
    }

    fn list_users(&self) -> BackendFuture<'_, Vec<UserView>> {
        Box::pin(async move {
            let body: wire::UsersBody = self.get(wire::ACCOUNTS).await?;
            Ok(body.users)
        })
    }

    fn add_user(&self, user: NewUser, by: String) -> BackendFuture<'_, UserView> {
        Box::pin(async move {
            let body = wire::NewAccountBody { name: user.name, role: user.role, password: user.password, by };
            self.post(wire::ACCOUNTS, &body).await
        })
    }

    fn update_user(&self, name: String, update: UserUpdate, by: String) -> BackendFuture<'_, UserView> {
        Box::pin(async move {
            let body = wire::AccountUpdateBody { name, role: update.role, password: update.password, by };
            self.call(reqwest::Method::PUT, wire::ACCOUNTS, &body).await
        })
    }

    fn remove_user(&self, name: String, by: String) -> BackendFuture<'_, UserView> {
        Box::pin(async move {
            let body: wire::RemovedBody = self
                .call(reqwest::Method::DELETE, wire::ACCOUNTS, &wire::AccountRemoveBody { name, by })
                .await?;
            Ok(body.removed)
        })
    }

    fn record_login(&self, event: LoginEvent) -> BackendFuture<'_, ()> {
        Box::pin(async move {
            let answer: RecordedBody = self.post(wire::LOGIN_AUDIT, &event).await?;
            if answer.recorded {
                Ok(())
            } else {
                Err(BackendError::Internal("the worker did not record the login".to_owned()))
            }
        })
    }
}

/// The worker's users, over the control API: the serverless tier keeps none of its own, and asks
/// the worker at every login and on every authenticated request (one round trip each, on the
/// connection the client keeps open).
impl UserDirectory for RemoteBackend {
    fn authenticate(&self, username: String, password: String) -> BackendFuture<'_, Option<Account>> {
        Box::pin(async move {
            let body = wire::AuthenticateBody { username, password };
            account(self.post(wire::USERS_AUTHENTICATE, &body).await)
        })
    }

    fn current(&self, username: String) -> BackendFuture<'_, Option<Account>> {
        Box::pin(async move {
            let body = wire::CurrentUserBody { username };
            account(self.post(wire::USERS_CURRENT, &body).await)
        })
    }
}

/// A worker that keeps no users (404) is a misconfiguration, not "no such user".
fn account(answer: Result<wire::AccountBody, BackendError>) -> Result<Option<Account>, BackendError> {
    match answer {
        Ok(body) => Ok(body.account),
        Err(BackendError::NotFound(_)) => {
            Err(BackendError::Internal("the worker's control API serves no users".to_owned()))
        }
        Err(e) => Err(e),
    }
}

impl RemoteBackend {
    async fn search(&self, path: &str, request: &SearchRequest) -> Result<Vec<SearchHitView>, BackendError> {
        let body: SearchBody = self.get(&search_path(path, request)).await?;
        Ok(body.results)
    }
}

impl fmt::Debug for RemoteBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteBackend")
            .field("base", &self.base)
            .field("service_token", &"<redacted>")
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "service-token-service-token-0123456789";

    #[test]
    fn base_urls_are_checked() {
        assert!(check_base_url("http://127.0.0.1:8080").is_ok());
        assert!(check_base_url("https://worker.internal/").is_ok());
        assert!(check_base_url("ftp://x").is_err());
        assert!(check_base_url("http://user:pw@x").is_err());
        assert!(check_base_url("http://x/?a=1").is_err());
        assert!(check_base_url("not a url").is_err());
        // Plain http only to this machine: the service token would cross the network in clear.
        for loopback in ["http://127.0.0.2:8080", "http://[::1]:8080/", "http://localhost:8080"] {
            assert!(check_base_url(loopback).is_ok(), "{loopback}");
        }
        for remote in ["http://worker.internal:8080", "http://10.0.0.5:8080", "http://[2001:db8::1]/"] {
            let why = check_base_url(remote).expect_err(remote);
            assert!(why.contains("https"), "{remote}: {why}");
        }
    }

    #[test]
    fn search_paths_encode_every_value() {
        let r = SearchRequest {
            q: "etf & flows=up #1".into(),
            symbol: Some(mirai_core::Symbol::new("BTCUSDT")),
            since: Some(mirai_core::Timestamp::from_millis(5)),
            until: None,
            limit: 7,
        };
        let path = search_path(wire::NEWS_SEARCH, &r);
        assert_eq!(path, "/internal/v1/news/search?q=etf+%26+flows%3Dup+%231&symbol=BTCUSDT&since=5&limit=7");
        assert_eq!(crate::routes::search::parse_search(path.split_once('?').map(|p| p.1)).unwrap(), r);
    }

    #[test]
    fn performance_paths_carry_the_bounds_the_server_reads() {
        let (from, to) = (Some(Timestamp::from_millis(-5)), Some(Timestamp::from_millis(1_759_276_800_000)));
        assert_eq!(performance_path(None, None), "/internal/v1/performance");
        assert_eq!(performance_path(None, to), "/internal/v1/performance?to=1759276800000");
        let path = performance_path(Timestamp::from_millis(0).into(), to);
        assert_eq!(path, "/internal/v1/performance?from=0&to=1759276800000");
        assert_eq!(
            crate::routes::performance::parse_window(path.split_once('?').map(|p| p.1)).unwrap(),
            (Some(Timestamp::from_millis(0)), to)
        );
        // Before 1970 is no time the route reads: the server refuses it rather than reading another.
        assert!(
            crate::routes::performance::parse_window(
                performance_path(from, None).split_once('?').map(|p| p.1)
            )
            .is_err()
        );
    }

    #[test]
    fn setup_refuses_short_tokens_and_debug_redacts() {
        assert_eq!(
            RemoteBackend::new("http://127.0.0.1:1", "short").expect_err("short"),
            RemoteSetupError::TokenTooShort { len: 5, min: 32 }
        );
        let rb = RemoteBackend::new("http://127.0.0.1:1/", TOKEN).expect("valid");
        assert_eq!(rb.base, "http://127.0.0.1:1");
        assert!(!format!("{rb:?}").contains(TOKEN));
    }
}
