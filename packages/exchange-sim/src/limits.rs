//! Binance's limits as the venue applies them: request weight per minute (reported in
//! `X-MBX-USED-WEIGHT-1M`), order counts per 10 s and per day (`X-MBX-ORDER-COUNT-*`), a 429
//! with `Retry-After` when a limit is broken, and a 418 ban for clients that keep going. Tests
//! can also throttle or ban on demand ([`Limits::throttle`], [`Limits::ban`]): a 429 or 418 storm
//! without having to spend the weight first.

use std::sync::Mutex;

use axum::http::StatusCode;

use crate::error::ApiError;

#[derive(Debug, Default)]
struct Counters {
    minute: i64,
    weight: u32,
    ten_s: i64,
    orders_10s: u32,
    day: i64,
    orders_day: u32,
    throttled: u32,
    banned_until_ms: i64,
    /// Until then every request is answered 429, as if the weight were spent (a storm on demand).
    throttled_until_ms: i64,
}

impl Counters {
    fn roll(&mut self, now_ms: i64) {
        let (m, t, d) = (now_ms.div_euclid(60_000), now_ms.div_euclid(10_000), now_ms.div_euclid(86_400_000));
        if m != self.minute {
            self.minute = m;
            self.weight = 0;
            self.throttled = 0;
        }
        if t != self.ten_s {
            self.ten_s = t;
            self.orders_10s = 0;
        }
        if d != self.day {
            self.day = d;
            self.orders_day = 0;
        }
    }
}

#[derive(Debug)]
pub(crate) struct Limits {
    weight_per_minute: u32,
    orders_per_10s: u32,
    orders_per_day: u32,
    ban_after_429s: u32,
    ban_ms: u64,
    counters: Mutex<Counters>,
}

/// Order counts after an accepted order, for the response headers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct OrderCounts {
    pub ten_s: u32,
    pub day: u32,
}

impl Limits {
    pub fn new(
        weight_per_minute: u32,
        orders_per_10s: u32,
        orders_per_day: u32,
        ban_after_429s: u32,
        ban_ms: u64,
    ) -> Self {
        Self {
            weight_per_minute,
            orders_per_10s,
            orders_per_day,
            ban_after_429s,
            ban_ms,
            counters: Mutex::new(Counters::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Counters> {
        self.counters.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Charges a request's weight. Over the limit: 429 with the seconds to the next minute; a
    /// client that keeps sending while throttled is banned (418) for `ban_ms`.
    pub fn charge(&self, weight: u32, now_ms: i64) -> Result<u32, ApiError> {
        let mut c = self.lock();
        if now_ms < c.banned_until_ms {
            let mut e = ApiError::new(
                StatusCode::IM_A_TEAPOT,
                -1003,
                format!(
                    "Way too much request weight used; IP banned until {}. Please use WebSocket Streams for live updates to avoid bans.",
                    c.banned_until_ms
                ),
            );
            e.retry_after_s = Some(((c.banned_until_ms - now_ms) as u64).div_ceil(1000));
            return Err(e);
        }
        c.roll(now_ms);
        if now_ms < c.throttled_until_ms {
            let retry_ms = c.throttled_until_ms - now_ms;
            return Err(self.throttled(&mut c, now_ms, retry_ms));
        }
        c.weight = c.weight.saturating_add(weight);
        if c.weight <= self.weight_per_minute {
            return Ok(c.weight);
        }
        Err(self.throttled(&mut c, now_ms, 60_000 - now_ms.rem_euclid(60_000)))
    }

    /// A request while limited: 429 with `Retry-After` (whole seconds, rounded up, so a client
    /// that obeys it never comes back early), or the ban once too many came anyway.
    fn throttled(&self, c: &mut Counters, now_ms: i64, retry_ms: i64) -> ApiError {
        c.throttled += 1;
        if c.throttled > self.ban_after_429s {
            c.banned_until_ms = now_ms + self.ban_ms as i64;
            let mut e = ApiError::new(
                StatusCode::IM_A_TEAPOT,
                -1003,
                format!("Way too much request weight used; IP banned until {}.", c.banned_until_ms),
            );
            e.retry_after_s = Some(self.ban_ms.div_ceil(1000));
            return e;
        }
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            -1003,
            format!(
                "Too much request weight used; current limit is {} request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.",
                self.weight_per_minute
            ),
        );
        e.retry_after_s = Some((retry_ms.max(0) as u64).div_ceil(1000));
        e
    }

    /// Answers every request 429 until `until_ms` (then 418 for a client that keeps sending
    /// past `ban_after_429s` of them), whatever weight it has used.
    pub fn throttle(&self, until_ms: i64) {
        let mut c = self.lock();
        c.throttled_until_ms = c.throttled_until_ms.max(until_ms);
    }

    /// Bans the IP (418 to everything) until `until_ms`.
    pub fn ban(&self, until_ms: i64) {
        let mut c = self.lock();
        c.banned_until_ms = c.banned_until_ms.max(until_ms);
    }

    /// Counts a new order. Over a limit: 429 -1015 without `Retry-After`, as Binance does.
    pub fn charge_order(&self, now_ms: i64) -> Result<OrderCounts, ApiError> {
        let mut c = self.lock();
        c.roll(now_ms);
        if c.orders_10s >= self.orders_per_10s {
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                -1015,
                format!(
                    "Too many new orders; current limit is {} orders per 10 SECOND.",
                    self.orders_per_10s
                ),
            ));
        }
        if c.orders_day >= self.orders_per_day {
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                -1015,
                format!("Too many new orders; current limit is {} orders per 1 DAY.", self.orders_per_day),
            ));
        }
        c.orders_10s += 1;
        c.orders_day += 1;
        Ok(OrderCounts { ten_s: c.orders_10s, day: c.orders_day })
    }

    pub fn used_weight(&self, now_ms: i64) -> u32 {
        let mut c = self.lock();
        c.roll(now_ms);
        c.weight
    }

    pub fn rate_limits(&self) -> [(&'static str, &'static str, u32, u32); 3] {
        [
            ("REQUEST_WEIGHT", "MINUTE", 1, self.weight_per_minute),
            ("ORDERS", "SECOND", 10, self.orders_per_10s),
            ("ORDERS", "DAY", 1, self.orders_per_day),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weight_over_the_limit_is_a_429_then_a_418_ban() {
        let l = Limits::new(10, 2, 100, 1, 120_000);
        let t = 1_699_999_990_000; // 10 s into a minute
        assert_eq!(l.charge(10, t), Ok(10));
        let e = l.charge(1, t).unwrap_err();
        assert_eq!((e.status, e.code, e.retry_after_s), (StatusCode::TOO_MANY_REQUESTS, -1003, Some(50)));
        let ban = l.charge(1, t).unwrap_err();
        assert_eq!((ban.status, ban.retry_after_s), (StatusCode::IM_A_TEAPOT, Some(120)));
        assert_eq!(
            l.charge(1, t + 60_000).unwrap_err().status,
            StatusCode::IM_A_TEAPOT,
            "bans outlast the minute"
        );
        assert_eq!(l.charge(1, t + 121_000), Ok(1));
    }

    #[test]
    fn a_throttle_on_demand_answers_429_until_it_ends_and_bans_those_who_ignore_it() {
        let l = Limits::new(6000, 50, 1000, 2, 30_000);
        let t = 1_700_000_000_000;
        l.throttle(t + 2_500);
        let e = l.charge(1, t).unwrap_err();
        assert_eq!((e.status, e.retry_after_s), (StatusCode::TOO_MANY_REQUESTS, Some(3)), "2.5 s rounded up");
        assert_eq!(l.charge(1, t + 2_500), Ok(1), "obeyed: served again once it ends");
        l.throttle(t + 10_000);
        assert_eq!(l.charge(1, t + 3_000).unwrap_err().status, StatusCode::TOO_MANY_REQUESTS);
        let ban = l.charge(1, t + 3_001).unwrap_err();
        assert_eq!(
            (ban.status, ban.retry_after_s),
            (StatusCode::IM_A_TEAPOT, Some(30)),
            "the third 429 in a minute"
        );
        l.ban(t + 100_000);
        assert_eq!(l.charge(1, t + 40_000).unwrap_err().status, StatusCode::IM_A_TEAPOT, "a ban on demand");
        assert_eq!(l.charge(1, t + 100_000), Ok(1));
    }

    #[test]
    fn order_counts_are_limited_per_ten_seconds() {
        let l = Limits::new(6000, 2, 100, 5, 1000);
        let t = 1_700_000_000_000;
        assert_eq!(l.charge_order(t).unwrap().ten_s, 1);
        assert_eq!(l.charge_order(t).unwrap().ten_s, 2);
        let e = l.charge_order(t).unwrap_err();
        assert_eq!((e.code, e.retry_after_s), (-1015, None));
        assert_eq!(l.charge_order(t + 10_000).unwrap(), OrderCounts { ten_s: 1, day: 3 });
    }
}
