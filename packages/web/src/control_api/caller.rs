//! Who a forwarded request is for. A serverless web tier counts each user's and address's
//! requests in its own warm instance only, and a burst spreads over as many instances as the
//! platform starts; so each call to the worker's control API names the signed-in user and the
//! client's address (`x-mirai-user`, `x-mirai-client`), and the worker counts them against the
//! same limits as its own web server does, over every instance together. The headers are read
//! only after the service token has been checked: only the web tier can spend a user's budget.
//!
//! A task-local carries the caller from the router (which knows the session) to
//! [`super::RemoteBackend`] (which sends the request) without widening every `Backend` method.

use std::future::Future;
use std::net::IpAddr;

use http::{HeaderMap, HeaderValue};
use mirai_core::Timestamp;

use crate::auth::RateLimiter;
use crate::error::{ApiError, ApiResult};

/// The signed-in user's name, percent-encoded (a name may hold any non-control character).
pub(crate) const USER_HEADER: &str = "x-mirai-user";
/// The client's address as the web tier saw it.
pub(crate) const CLIENT_HEADER: &str = "x-mirai-client";

/// The user and client address a request is served for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Caller {
    pub user: String,
    pub addr: Option<IpAddr>,
}

tokio::task_local! {
    static CALLER: Caller;
}

/// Runs `f` on behalf of `caller`: the control-API calls it makes name them.
pub(crate) async fn on_behalf_of<F: Future>(caller: Caller, f: F) -> F::Output {
    CALLER.scope(caller, f).await
}

/// The headers naming the caller of the running task, if it runs on behalf of one.
pub(crate) fn headers() -> Vec<(&'static str, HeaderValue)> {
    let Ok(caller) = CALLER.try_with(Caller::clone) else { return Vec::new() };
    let mut out = Vec::with_capacity(2);
    let user: String = form_urlencoded::byte_serialize(caller.user.as_bytes()).collect();
    if let Ok(v) = HeaderValue::from_str(&user) {
        out.push((USER_HEADER, v));
    }
    if let Some(addr) = caller.addr
        && let Ok(v) = HeaderValue::from_str(&addr.to_string())
    {
        out.push((CLIENT_HEADER, v));
    }
    out
}

/// The caller a forwarded request names (either part may be missing: a call made on no user's
/// behalf, such as the sign-in check, names neither).
fn forwarded(headers: &HeaderMap) -> (Option<String>, Option<IpAddr>) {
    let text = |name| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    let user = text(USER_HEADER)
        .filter(|u| !u.is_empty())
        .map(|u| form_urlencoded::parse(format!("u={u}").as_bytes()).map(|(_, v)| v.into_owned()).collect());
    let addr = text(CLIENT_HEADER).and_then(|a| a.parse::<IpAddr>().ok());
    (user, addr)
}

/// Counts a forwarded request against its address's and its user's limits, as the web server
/// counts its own: a 429 with the wait once either is spent.
pub(crate) fn check(rate: &RateLimiter, headers: &HeaderMap, now: Timestamp) -> ApiResult<()> {
    let (user, addr) = forwarded(headers);
    if let Some(addr) = addr {
        rate.check_addr(addr, now).map_err(|retry_after_secs| {
            tracing::debug!(client = %addr, retry_after_secs, "rate limited (forwarded address)");
            ApiError::RateLimited { retry_after_secs }
        })?;
    }
    if let Some(user) = user {
        rate.check_user(&user, now).map_err(|retry_after_secs| {
            tracing::debug!(%user, retry_after_secs, "rate limited (forwarded user)");
            ApiError::RateLimited { retry_after_secs }
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::RatePolicy;

    fn sent(caller: Option<Caller>) -> HeaderMap {
        let run = async {
            let mut map = HeaderMap::new();
            for (k, v) in headers() {
                map.insert(k, v);
            }
            map
        };
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap_or_else(|e| panic!("{e}"));
        match caller {
            Some(c) => rt.block_on(on_behalf_of(c, run)),
            None => rt.block_on(run),
        }
    }

    #[test]
    fn the_caller_travels_and_reads_back_as_it_was() {
        assert!(sent(None).is_empty(), "no caller, no headers");
        for name in ["ann", "zoë the trader", "a%b&c=d+e", "名前"] {
            let addr: IpAddr = "2001:db8::7".parse().unwrap_or_else(|e| panic!("{e}"));
            let map = sent(Some(Caller { user: name.to_owned(), addr: Some(addr) }));
            assert_eq!(forwarded(&map), (Some(name.to_owned()), Some(addr)), "{name}");
        }
        let map = sent(Some(Caller { user: "bob".into(), addr: None }));
        assert_eq!(forwarded(&map), (Some("bob".to_owned()), None));
    }

    #[test]
    fn forwarded_requests_share_the_limits() {
        let rate = RateLimiter::new(RatePolicy { per_user_per_min: 3, per_addr_per_min: 5 });
        let now = Timestamp::from_millis(1_700_000_000_000);
        let ann = sent(Some(Caller { user: "ann".into(), addr: "10.0.0.1".parse().ok() }));
        for _ in 0..3 {
            assert!(check(&rate, &ann, now).is_ok());
        }
        let refused = check(&rate, &ann, now);
        assert!(matches!(refused, Err(ApiError::RateLimited { retry_after_secs }) if retry_after_secs >= 1));
        // Another user at the same address: one left there (the refused call counted too).
        let bo = sent(Some(Caller { user: "bo".into(), addr: "10.0.0.1".parse().ok() }));
        assert!(check(&rate, &bo, now).is_ok());
        assert!(check(&rate, &bo, now).is_err(), "the address's five are spent");
        // A call on no one's behalf is not counted; a minute later ann may again.
        assert!(check(&rate, &HeaderMap::new(), now).is_ok());
        assert!(check(&rate, &ann, now.plus_millis(60_000)).is_ok());
    }
}
