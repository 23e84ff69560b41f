//! `mirai health`: asks the worker at the configured address (`BIND_ADDR`, `PORT`, or `--addr`)
//! for its `/healthz` and exits 0 when it answers healthy, 1 otherwise (refused, no answer within
//! 3 s, trading blocked) with one line on stderr: the exit codes a container `HEALTHCHECK`
//! expects (Docker reserves 2, so no failure here uses it).
//!
//! Plain HTTP over a blocking socket, written out by hand: the worker serves plain HTTP, the
//! request is one line, and a health check should not need an async runtime or a TLS stack.

use std::io::{Read as _, Write as _};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use clap::Args;

use super::{Failure, failure::print};
use crate::server::HEALTH_PATH;

/// The whole check, connection to last byte.
const TIMEOUT: Duration = Duration::from_secs(3);
/// More than any `/healthz` answer; a longer one is not the worker.
const MAX_RESPONSE: u64 = 16 * 1024;

#[derive(Debug, Clone, Args)]
pub struct HealthArgs {
    /// The worker's address (default: BIND_ADDR and PORT as the worker reads them; an unspecified
    /// BIND_ADDR such as 0.0.0.0 is reached on loopback).
    #[arg(long, value_name = "IP:PORT")]
    pub addr: Option<SocketAddr>,
}

pub fn health(args: &HealthArgs) -> Result<(), Failure> {
    let addr = match args.addr {
        Some(a) => a,
        None => configured_addr(&|k| std::env::var(k).ok())?,
    };
    match probe(addr, TIMEOUT) {
        Ok(()) => print(&format!("healthy: the worker at {addr} answers and may trade\n")),
        Err(why) => Err(Failure::System(format!("unhealthy: {why}"))),
    }
}

/// Where the worker listens, read as the worker reads it (same names, same defaults).
fn configured_addr(get: &dyn Fn(&str) -> Option<String>) -> Result<SocketAddr, Failure> {
    let mut r = mirai_settings::Reader::new(get);
    let bind = r.parse("BIND_ADDR", IpAddr::from([127, 0, 0, 1]), "an IP address");
    let port = r.parse("PORT", 8080u16, "a port number (0-65535)");
    r.finish(()).map_err(|problems| Failure::System(problems.join("; ")))?;
    // A worker listening on every interface is reached on this machine's own.
    let ip = match bind {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    Ok(SocketAddr::new(ip, port))
}

/// One `GET /healthz` within `timeout`: `Ok` on 200, else why not.
fn probe(addr: SocketAddr, timeout: Duration) -> Result<(), String> {
    let deadline = Instant::now() + timeout;
    let left = || {
        deadline
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
            .ok_or_else(|| format!("no answer from {addr} within {} s", timeout.as_secs()))
    };
    let mut stream = TcpStream::connect_timeout(&addr, left()?).map_err(|e| match e.kind() {
        std::io::ErrorKind::TimedOut => format!("no answer from {addr} within {} s", timeout.as_secs()),
        _ => format!("cannot connect to {addr}: {e}"),
    })?;
    stream.set_write_timeout(Some(left()?)).map_err(|e| e.to_string())?;
    let request = format!("GET {HEALTH_PATH} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).map_err(|e| format!("sending to {addr}: {e}"))?;
    let mut response = Vec::new();
    let mut limited = (&stream).take(MAX_RESPONSE);
    let mut chunk = [0u8; 1024];
    loop {
        stream.set_read_timeout(Some(left()?)).map_err(|e| e.to_string())?;
        match limited.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => response.extend_from_slice(&chunk[..n]),
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                return Err(format!("no answer from {addr} within {} s", timeout.as_secs()));
            }
            Err(e) => return Err(format!("reading from {addr}: {e}")),
        }
    }
    verdict(&response)
}

/// Judges a raw HTTP response to `/healthz`.
fn verdict(response: &[u8]) -> Result<(), String> {
    let text = String::from_utf8_lossy(response);
    let status = text
        .lines()
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|code| code.parse::<u16>().ok())
        .ok_or_else(|| "the answer is not HTTP (is something else on that port?)".to_owned())?;
    let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    match status {
        200 => Ok(()),
        503 if body.contains("\"blocked\"") => {
            Err("trading is blocked (the reason is in /api/status and the worker's log)".to_owned())
        }
        code => Err(format!("the worker answered HTTP {code}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_address_is_the_workers_with_loopback_for_every_interface() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| (*v).to_owned())
        };
        let at = |pairs| configured_addr(&env(pairs)).map_err(|_| ()).map(|a| a.to_string());
        assert_eq!(at(&[]), Ok("127.0.0.1:8080".to_owned()));
        assert_eq!(at(&[("BIND_ADDR", "0.0.0.0"), ("PORT", "9000")]), Ok("127.0.0.1:9000".to_owned()));
        assert_eq!(at(&[("BIND_ADDR", "::")]), Ok("[::1]:8080".to_owned()));
        assert_eq!(at(&[("BIND_ADDR", "10.1.2.3")]), Ok("10.1.2.3:8080".to_owned()));
        assert_eq!(at(&[("PORT", "http")]), Err(()));
    }

    #[test]
    fn only_a_200_is_healthy() {
        assert_eq!(verdict(b"HTTP/1.1 200 OK\r\ncontent-length: 15\r\n\r\n{\"status\":\"ok\"}"), Ok(()));
        let blocked = verdict(b"HTTP/1.1 503 Service Unavailable\r\n\r\n{\"status\":\"blocked\"}");
        assert!(blocked.is_err_and(|e| e.contains("blocked")));
        assert!(verdict(b"HTTP/1.1 404 Not Found\r\n\r\n").is_err_and(|e| e.contains("404")));
        assert!(verdict(b"SSH-2.0-OpenSSH_9.6\r\n").is_err_and(|e| e.contains("not HTTP")));
        assert!(verdict(b"").is_err());
    }

    #[test]
    fn a_silent_listener_fails_within_the_timeout() {
        // Accepts (the kernel's backlog does) but never answers.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let started = Instant::now();
        let err = probe(addr, Duration::from_millis(300)).expect_err("no answer");
        assert!(err.contains("no answer"), "{err}");
        assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
        drop(listener);
    }
}
