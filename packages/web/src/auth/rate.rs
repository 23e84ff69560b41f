//! `RateLimiter`: requests per minute on the authenticated routes, counted per user and per
//! client address, refused with 429 and `Retry-After` past the limit. A token bucket per key
//! (kept as GCRA's one "theoretical arrival time"): a full minute's allowance may be spent at
//! once, and it refills evenly over the minute. State lives in this process only, in two tables
//! of fixed size ([`BoundedMap`], the login limiter's): when one is full, keys whose bucket has
//! refilled go first, then the eighth nearest to full; no background task, no pruning timer.

use std::net::{IpAddr, Ipv6Addr};
use std::ops::RangeInclusive;
use std::sync::{Mutex, MutexGuard, PoisonError};

use mirai_core::Timestamp;

use super::bounded::{BoundedMap, Slot};

/// Default `WEB_RATE_PER_USER_PER_MIN`: ten a second on average for one user across their tabs
/// (an open dashboard asks for about a dozen answers a refresh and a few every few seconds).
pub const DEFAULT_PER_USER_PER_MIN: u32 = 600;
/// Default `WEB_RATE_PER_ADDR_PER_MIN`: twice the user's, for a few users behind one address.
pub const DEFAULT_PER_ADDR_PER_MIN: u32 = 1200;
/// Accepted range of both settings.
pub const RATE_PER_MIN_RANGE: RangeInclusive<u32> = 1..=10_000_000;
/// Keys each table tracks at most (users, addresses): a few hundred kilobytes at most.
pub const DEFAULT_RATE_CAPACITY: usize = 10_000;

const MINUTE_US: i64 = 60_000_000;

/// How many requests a minute one user, and one address, may make.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RatePolicy {
    pub per_user_per_min: u32,
    pub per_addr_per_min: u32,
}

impl Default for RatePolicy {
    fn default() -> Self {
        Self { per_user_per_min: DEFAULT_PER_USER_PER_MIN, per_addr_per_min: DEFAULT_PER_ADDR_PER_MIN }
    }
}

impl RatePolicy {
    /// Checks both values against [`RATE_PER_MIN_RANGE`]; each problem names its setting.
    pub fn new(per_user_per_min: u32, per_addr_per_min: u32) -> Result<Self, Vec<String>> {
        let (lo, hi) = (RATE_PER_MIN_RANGE.start(), RATE_PER_MIN_RANGE.end());
        let mut problems = Vec::new();
        if !RATE_PER_MIN_RANGE.contains(&per_user_per_min) {
            problems.push(format!("WEB_RATE_PER_USER_PER_MIN must be between {lo} and {hi}"));
        }
        if !RATE_PER_MIN_RANGE.contains(&per_addr_per_min) {
            problems.push(format!("WEB_RATE_PER_ADDR_PER_MIN must be between {lo} and {hi}"));
        }
        if problems.is_empty() { Ok(Self { per_user_per_min, per_addr_per_min }) } else { Err(problems) }
    }
}

/// One key's bucket: the time (µs) at which it will be full again.
#[derive(Clone, Copy, Debug)]
struct Bucket {
    full_at: i64,
}

impl Slot for Bucket {
    fn expired(&self, now_ms: i64) -> bool {
        self.full_at <= now_ms.saturating_mul(1000)
    }
    /// The bucket nearest to full goes first: forgetting it gives its key the least.
    fn age(&self) -> i64 {
        self.full_at
    }
}

/// One table: its limit and its buckets.
#[derive(Debug)]
struct Limit<K> {
    /// The refill interval of one request, µs.
    interval: i64,
    /// How far ahead of now a bucket's `full_at` may be: a minute's allowance less one request.
    burst: i64,
    buckets: Mutex<BoundedMap<K, Bucket>>,
}

impl<K: std::hash::Hash + Eq + Clone> Limit<K> {
    fn new(per_min: u32, capacity: usize) -> Self {
        let interval = (MINUTE_US / i64::from(per_min.max(1))).max(1);
        let evict = (capacity / 8).max(1);
        Self {
            interval,
            burst: MINUTE_US.saturating_sub(interval),
            buckets: Mutex::new(BoundedMap::new(capacity, evict)),
        }
    }

    fn lock(&self) -> MutexGuard<'_, BoundedMap<K, Bucket>> {
        // Counters only: a panic elsewhere leaves them usable.
        self.buckets.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes one request from `key`'s bucket, or says in how many seconds one will be there.
    fn take<Q>(&self, key: &Q, now_ms: i64) -> Result<(), u64>
    where
        K: std::borrow::Borrow<Q>,
        Q: std::hash::Hash + Eq + ?Sized + ToOwned<Owned = K>,
    {
        let now = now_ms.saturating_mul(1000);
        let mut table = self.lock();
        if !table.contains_key(key) {
            table.get_or_insert_with(key.to_owned(), now_ms, || Bucket { full_at: now });
        }
        let Some(bucket) = table.get_mut(key) else { return Ok(()) };
        let from = bucket.full_at.max(now);
        if from - now > self.burst {
            let wait_us = from - self.burst - now;
            let secs = (wait_us + 999_999) / 1_000_000;
            return Err(u64::try_from(secs).unwrap_or(1).max(1));
        }
        bucket.full_at = from + self.interval;
        Ok(())
    }
}

/// Per-process request counters for the authenticated routes. Cheap to check: one uncontended
/// mutex and one hash lookup per table, no allocation for a key already tracked, no I/O.
#[derive(Debug)]
pub struct RateLimiter {
    policy: RatePolicy,
    users: Limit<String>,
    addrs: Limit<IpAddr>,
}

impl RateLimiter {
    pub fn new(policy: RatePolicy) -> Self {
        Self::with_capacity(policy, DEFAULT_RATE_CAPACITY)
    }

    /// As [`RateLimiter::new`] with another table size, for tests of the bound.
    pub fn with_capacity(policy: RatePolicy, capacity: usize) -> Self {
        Self {
            policy,
            users: Limit::new(policy.per_user_per_min, capacity),
            addrs: Limit::new(policy.per_addr_per_min, capacity),
        }
    }

    pub fn policy(&self) -> RatePolicy {
        self.policy
    }

    /// Counts a request from `addr` at `now`; `Err(seconds)` to wait once the address is over
    /// its limit. IPv6 addresses count by their /64 (one subscriber's network), so rotating
    /// through a prefix's addresses earns nothing.
    pub fn check_addr(&self, addr: IpAddr, now: Timestamp) -> Result<(), u64> {
        self.addrs.take(&network(addr), now.millis())
    }

    /// Counts a request by `user` at `now`; `Err(seconds)` to wait once the user is over their
    /// limit.
    pub fn check_user(&self, user: &str, now: Timestamp) -> Result<(), u64> {
        self.users.take(user, now.millis())
    }

    /// How many users and addresses are tracked now.
    pub fn tracked(&self) -> (usize, usize) {
        (self.users.lock().len(), self.addrs.lock().len())
    }
}

impl Default for RateLimiter {
    fn default() -> Self {
        Self::new(RatePolicy::default())
    }
}

/// The key an address counts under: IPv4 as it is (IPv4-mapped IPv6 as IPv4), IPv6 by its /64.
fn network(addr: IpAddr) -> IpAddr {
    match addr.to_canonical() {
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(Ipv6Addr::from(bits))
        }
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: i64) -> Timestamp {
        Timestamp::from_millis(ms)
    }

    #[test]
    fn a_minutes_allowance_then_one_per_interval() {
        let l = RateLimiter::new(RatePolicy::new(60, 60).unwrap_or_else(|e| panic!("{e:?}")));
        for i in 0..60 {
            assert_eq!(l.check_user("a", at(0)), Ok(()), "request {i}");
        }
        assert_eq!(l.check_user("a", at(0)), Err(1));
        assert_eq!(l.check_user("b", at(0)), Ok(()), "another user has their own bucket");
        assert_eq!(l.check_user("a", at(999)), Err(1));
        assert_eq!(l.check_user("a", at(1000)), Ok(()), "one a second refills");
        assert_eq!(l.check_user("a", at(1000)), Err(1));
        // A minute later the bucket is full again.
        for _ in 0..60 {
            assert_eq!(l.check_user("a", at(61_000)), Ok(()));
        }
        assert!(l.check_user("a", at(61_000)).is_err());
    }

    #[test]
    fn retry_after_says_when_the_next_request_passes() {
        let l = RateLimiter::new(RatePolicy::new(1, 1).unwrap_or_else(|e| panic!("{e:?}")));
        assert_eq!(l.check_addr([10, 0, 0, 1].into(), at(0)), Ok(()));
        assert_eq!(l.check_addr([10, 0, 0, 1].into(), at(0)), Err(60));
        assert_eq!(l.check_addr([10, 0, 0, 1].into(), at(30_500)), Err(30));
        assert_eq!(l.check_addr([10, 0, 0, 1].into(), at(60_000)), Ok(()));
    }

    #[test]
    fn ipv6_counts_by_its_64_and_mapped_ipv4_as_ipv4() {
        let l = RateLimiter::new(RatePolicy::new(1, 1).unwrap_or_else(|e| panic!("{e:?}")));
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap_or_else(|e| panic!("{e}"));
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap_or_else(|e| panic!("{e}"));
        let other: IpAddr = "2001:db8:1:3::1".parse().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(l.check_addr(a, at(0)), Ok(()));
        assert!(l.check_addr(b, at(0)).is_err(), "same /64");
        assert_eq!(l.check_addr(other, at(0)), Ok(()));
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(l.check_addr([192, 0, 2, 1].into(), at(0)), Ok(()));
        assert!(l.check_addr(mapped, at(0)).is_err());
    }

    #[test]
    fn the_tables_are_bounded() {
        let l = RateLimiter::with_capacity(RatePolicy::default(), 64);
        for i in 0..10_000u32 {
            assert_eq!(l.check_addr(IpAddr::from(i.to_be_bytes()), at(0)), Ok(()));
            assert_eq!(l.check_user(&format!("u{i}"), at(0)), Ok(()));
            let (users, addrs) = l.tracked();
            assert!(users <= 64 && addrs <= 64, "{users} {addrs}");
        }
    }

    #[test]
    fn policy_ranges_are_enforced() {
        assert_eq!(RatePolicy::new(0, 0).map_err(|p| p.len()), Err(2));
        assert!(RatePolicy::new(1, 10_000_001).is_err());
        assert_eq!(RatePolicy::new(600, 1200), Ok(RatePolicy::default()));
    }
}
