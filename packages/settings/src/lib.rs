//! What every part's settings share. Like `mirai-core` it depends on no other Mirai crate, so any
//! adapter may use it without bending the direction of dependencies: the one [`Reader`] (every
//! problem collected; one return type, [`Settings`]), and the one check of a service's base URL
//! (OpenAI, Polygon, Milvus, Snowflake, the worker's control API, Binance overrides), on
//! `url::Url` rather than split by hand: IPv6 hosts, credentials in the authority and odd schemes
//! are where hand-split checks go wrong.

use std::net::IpAddr;

mod reader;

pub use reader::{Reader, Settings};

pub use url::Url;

/// Where plain `http://` may go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    /// `http` or `https` anywhere (a service inside the operator's own network, no secret in it).
    AnyHttp,
    /// `https` anywhere, `http` only to this machine: a key or password travels with the requests.
    HttpsUnlessLoopback,
}

/// Checks a base URL: absolute, `http(s)` as `transport` allows, a host, no credentials, no
/// query or fragment. The message names what is wrong, never echoing the value.
pub fn check_base_url(raw: &str, transport: Transport) -> Result<Url, String> {
    let url = Url::parse(raw.trim()).map_err(|e| format!("is not a URL ({e})"))?;
    if url.host_str().is_none_or(str::is_empty) {
        return Err("has no host".to_owned());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not carry credentials (they have settings of their own)".to_owned());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("must not have a query or fragment".to_owned());
    }
    match (url.scheme(), transport) {
        ("https", _) | ("http", Transport::AnyHttp) => Ok(url),
        ("http", Transport::HttpsUnlessLoopback) if is_loopback(&url) => Ok(url),
        ("http", Transport::HttpsUnlessLoopback) => {
            Err("must use https (plain http only to 127.0.0.1, ::1 or localhost)".to_owned())
        }
        (other, _) => Err(format!("has scheme {other:?}; use https")),
    }
}

/// Whether the URL's host is this machine: `localhost` or a loopback address.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_checked_the_same_way_everywhere() {
        use Transport::{AnyHttp, HttpsUnlessLoopback as Https};
        for ok in
            ["https://api.openai.com/v1", "http://127.0.0.1:8080/v1", "http://[::1]:8080", "http://localhost"]
        {
            assert!(check_base_url(ok, Https).is_ok(), "{ok}");
        }
        assert!(check_base_url("http://worker.internal:8080", AnyHttp).is_ok());
        for (bad, why) in [
            ("http://localhost.evil.com/v1", "must use https"),
            ("http://10.0.0.7", "must use https"),
            ("https://user:pw@proxy.example.com", "credentials"),
            ("https://:pw@proxy.example.com", "credentials"),
            ("ftp://x", "scheme"),
            ("not a url", "is not a URL"),
            ("https://x/?a=1", "query"),
            ("https://x/#f", "fragment"),
            ("file:///etc/passwd", "no host"),
        ] {
            let e = check_base_url(bad, Https).expect_err(bad);
            assert!(e.contains(why), "{bad}: {e}");
            assert!(!e.contains("pw@"), "the value is not echoed: {e}");
        }
        assert!(is_loopback(&Url::parse("ws://[::1]:1/ws-api/v3").unwrap()));
        assert!(is_loopback(&Url::parse("http://127.0.0.2").unwrap()));
        assert!(!is_loopback(&Url::parse("https://api.binance.com").unwrap()));
    }
}
