//! `ClientAddr` and `client_addr`: who is knocking. The local server knows the socket peer and
//! puts it in the request's extensions; behind Vercel (which overwrites `X-Forwarded-For` with
//! the real client address) the header's first hop is used instead.

use std::net::{IpAddr, SocketAddr};

use bytes::Bytes;
use http::Request;

/// The client's address as seen by the server that accepted the connection. A server that sets
/// it is trusted over any header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

/// The client's address: the [`ClientAddr`] extension if a server set one, else the first hop
/// of `X-Forwarded-For` if it parses as an address (with or without a port), else none.
pub fn client_addr(req: &Request<Bytes>) -> Option<IpAddr> {
    if let Some(ClientAddr(ip)) = req.extensions().get::<ClientAddr>() {
        return Some(*ip);
    }
    let first = req.headers().get("x-forwarded-for")?.to_str().ok()?.split(',').next()?.trim();
    first.parse::<IpAddr>().ok().or_else(|| first.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(xff: Option<&str>) -> Request<Bytes> {
        let mut b = Request::builder().uri("/");
        if let Some(v) = xff {
            b = b.header("x-forwarded-for", v);
        }
        b.body(Bytes::new()).expect("request")
    }

    #[test]
    fn the_extension_wins_and_the_first_hop_is_used() {
        assert_eq!(client_addr(&req(None)), None);
        assert_eq!(client_addr(&req(Some("203.0.113.7, 10.0.0.1"))), Some([203, 0, 113, 7].into()));
        assert_eq!(client_addr(&req(Some("[2001:db8::1]:443"))), "2001:db8::1".parse().ok());
        assert_eq!(client_addr(&req(Some("not-an-ip, 10.0.0.1"))), None);
        let mut r = req(Some("203.0.113.7"));
        r.extensions_mut().insert(ClientAddr([127, 0, 0, 1].into()));
        assert_eq!(client_addr(&r), Some([127, 0, 0, 1].into()));
    }
}
