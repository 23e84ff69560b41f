//! The rate-limit governor: a local budget of request weight and order counts per window, kept in
//! step with Binance's `X-MBX-USED-WEIGHT-1M` and `X-MBX-ORDER-COUNT-*` headers, and a circuit
//! breaker that a 429 or 418 opens for its `Retry-After`. While the breaker is open nothing is
//! sent, so our side never earns (or prolongs) an IP ban.

use std::sync::Mutex;

use crate::common::error::BinanceError;

const MINUTE_MS: i64 = 60_000;
const TEN_SECONDS_MS: i64 = 10_000;
const DAY_MS: i64 = 86_400_000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GovernorConfig {
    /// Binance's REQUEST_WEIGHT per minute (6000 on live and testnet at the time of writing;
    /// exchangeInfo's `rateLimits` overrides it).
    pub weight_per_minute: u32,
    /// ORDERS per 10 seconds and per day (50 and 160,000 in the docs' example).
    pub orders_per_10s: u32,
    pub orders_per_day: u32,
    /// The share of each limit we allow ourselves, in percent: the IP's weight is shared with
    /// anything else running there, and the headers lag by one request.
    pub headroom_pct: u32,
    /// Wait for the next window when it is this close; refuse (with the wait) beyond it.
    pub max_wait_ms: u64,
    /// How long the breaker stays open after a 429/418 that carried no `Retry-After`.
    pub default_retry_after_ms: u64,
}

impl Default for GovernorConfig {
    fn default() -> Self {
        Self {
            weight_per_minute: 6_000,
            orders_per_10s: 50,
            orders_per_day: 160_000,
            headroom_pct: 80,
            max_wait_ms: 2_000,
            default_retry_after_ms: 10_000,
        }
    }
}

/// How often the venue has throttled this client since it was built: read by the worker's
/// alerter, since a 429 or 418 otherwise shows only in the log.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Throttles {
    /// HTTP 429: a request limit was broken.
    pub rate_limited: u64,
    /// HTTP 418: the IP was banned.
    pub banned: u64,
}

#[derive(Debug, Default)]
struct Windows {
    minute: i64,
    weight: u32,
    ten_s: i64,
    orders_10s: u32,
    day: i64,
    orders_day: u32,
    open_until_ms: i64,
    throttles: Throttles,
}

impl Windows {
    fn roll(&mut self, now_ms: i64) {
        let (m, t, d) =
            (now_ms.div_euclid(MINUTE_MS), now_ms.div_euclid(TEN_SECONDS_MS), now_ms.div_euclid(DAY_MS));
        if m != self.minute {
            self.minute = m;
            self.weight = 0;
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

/// Shared by every request a client makes. All methods take the time (server clock, ms) so the
/// windows line up with Binance's and tests can drive them.
#[derive(Debug)]
pub struct Governor {
    config: Mutex<GovernorConfig>,
    windows: Mutex<Windows>,
}

/// What the caller should do before sending.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permit {
    /// Reserved: send now.
    Go,
    /// The budget frees up in this many ms: sleep, then ask again.
    Wait(u64),
}

impl Governor {
    pub fn new(config: GovernorConfig) -> Self {
        Self { config: Mutex::new(config), windows: Mutex::new(Windows::default()) }
    }

    fn cfg(&self) -> GovernorConfig {
        self.config.lock().map(|c| c.clone()).unwrap_or_default()
    }

    /// Updates the limits from exchangeInfo's `rateLimits`.
    pub fn set_limits(
        &self,
        weight_per_minute: Option<u32>,
        orders_per_10s: Option<u32>,
        orders_per_day: Option<u32>,
    ) {
        if let Ok(mut c) = self.config.lock() {
            c.weight_per_minute = weight_per_minute.unwrap_or(c.weight_per_minute);
            c.orders_per_10s = orders_per_10s.unwrap_or(c.orders_per_10s);
            c.orders_per_day = orders_per_day.unwrap_or(c.orders_per_day);
        }
    }

    /// Asks to send a request of `weight` that places `orders` orders at `now_ms`.
    pub fn acquire(&self, weight: u32, orders: u32, now_ms: i64) -> Result<Permit, BinanceError> {
        let cfg = self.cfg();
        let mut w =
            self.windows.lock().map_err(|_| BinanceError::Invalid("rate governor poisoned".into()))?;
        if now_ms < w.open_until_ms {
            return Err(BinanceError::CircuitOpen { remaining_ms: (w.open_until_ms - now_ms) as u64 });
        }
        w.roll(now_ms);
        let budget = |limit: u32| (u64::from(limit) * u64::from(cfg.headroom_pct) / 100).max(1);
        let checks = [
            (
                u64::from(w.weight) + u64::from(weight) > budget(cfg.weight_per_minute),
                MINUTE_MS,
                "request weight per minute",
            ),
            (
                orders > 0 && u64::from(w.orders_10s + orders) > budget(cfg.orders_per_10s),
                TEN_SECONDS_MS,
                "orders per 10 s",
            ),
            (
                orders > 0 && u64::from(w.orders_day + orders) > budget(cfg.orders_per_day),
                DAY_MS,
                "orders per day",
            ),
        ];
        for (over, window, what) in checks {
            if over {
                let wait = (window - now_ms.rem_euclid(window)) as u64;
                return if wait <= cfg.max_wait_ms {
                    Ok(Permit::Wait(wait))
                } else {
                    Err(BinanceError::Budget { what, wait_ms: wait })
                };
            }
        }
        w.weight += weight;
        w.orders_10s += orders;
        w.orders_day += orders;
        Ok(Permit::Go)
    }

    /// Takes the venue's own counts from response headers. They are authoritative (the IP may be
    /// shared), so the larger of ours and theirs wins.
    pub fn observe(
        &self,
        used_weight_1m: Option<u32>,
        orders_10s: Option<u32>,
        orders_1d: Option<u32>,
        now_ms: i64,
    ) {
        if let Ok(mut w) = self.windows.lock() {
            w.roll(now_ms);
            w.weight = w.weight.max(used_weight_1m.unwrap_or(0));
            w.orders_10s = w.orders_10s.max(orders_10s.unwrap_or(0));
            w.orders_day = w.orders_day.max(orders_1d.unwrap_or(0));
        }
    }

    /// Opens the breaker after a 429 or 418 (`status`) for `retry_after_ms` (or the default when
    /// the venue gave none), and counts it. Returns how long it stays open.
    pub fn trip(&self, status: u16, retry_after_ms: Option<u64>, now_ms: i64) -> u64 {
        let ms = retry_after_ms.unwrap_or(self.cfg().default_retry_after_ms);
        if let Ok(mut w) = self.windows.lock() {
            w.open_until_ms = w.open_until_ms.max(now_ms + ms as i64);
            match status {
                418 => w.throttles.banned += 1,
                _ => w.throttles.rate_limited += 1,
            }
        }
        ms
    }

    /// The 429s and 418s counted so far.
    pub fn throttles(&self) -> Throttles {
        self.windows.lock().map(|w| w.throttles).unwrap_or_default()
    }

    /// Milliseconds the breaker stays open, if it is.
    pub fn open_for(&self, now_ms: i64) -> Option<u64> {
        let w = self.windows.lock().ok()?;
        (now_ms < w.open_until_ms).then(|| (w.open_until_ms - now_ms) as u64)
    }

    /// Request weight used in the current minute, as far as we know.
    pub fn used_weight(&self, now_ms: i64) -> u32 {
        self.windows
            .lock()
            .map(|mut w| {
                w.roll(now_ms);
                w.weight
            })
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gov(weight: u32, orders_10s: u32) -> Governor {
        Governor::new(GovernorConfig {
            weight_per_minute: weight,
            orders_per_10s: orders_10s,
            headroom_pct: 100,
            max_wait_ms: 5_000,
            ..GovernorConfig::default()
        })
    }

    #[test]
    fn weight_budget_waits_for_the_next_minute_or_refuses() {
        let g = gov(100, 50);
        let t = 1_700_000_020_000; // 40 s into the minute that starts at 1_699_999_980_000
        assert_eq!(g.acquire(60, 0, t), Ok(Permit::Go));
        // 20 s to the next minute is beyond the 5 s we are willing to wait.
        assert!(matches!(g.acquire(60, 0, t), Err(BinanceError::Budget { wait_ms: 20_000, .. })));
        assert_eq!(g.acquire(60, 0, t + 16_000), Ok(Permit::Wait(4_000)));
        assert_eq!(g.acquire(60, 0, t + 20_000), Ok(Permit::Go), "a new minute starts from zero");
    }

    #[test]
    fn headers_are_authoritative_when_higher() {
        let g = gov(100, 50);
        let t = 1_700_000_000_000;
        assert_eq!(g.acquire(1, 0, t), Ok(Permit::Go));
        g.observe(Some(99), None, None, t);
        assert_eq!(g.used_weight(t), 99);
        assert!(g.acquire(2, 0, t).is_err());
        g.observe(Some(10), None, None, t);
        assert_eq!(g.used_weight(t), 99, "a lower header never lowers our count");
    }

    #[test]
    fn order_counts_are_budgeted_per_ten_seconds() {
        let g = gov(10_000, 2);
        let t = 1_700_000_006_000; // 6 s into a 10 s window
        assert_eq!(g.acquire(1, 1, t), Ok(Permit::Go));
        assert_eq!(g.acquire(1, 1, t), Ok(Permit::Go));
        assert_eq!(g.acquire(1, 1, t), Ok(Permit::Wait(4_000)), "the third order waits for the window");
        assert!(matches!(
            g.acquire(1, 1, t - 3_000),
            Err(BinanceError::Budget { what: "orders per 10 s", .. })
        ));
        assert_eq!(g.acquire(1, 0, t), Ok(Permit::Go), "other requests are not held back by order counts");
        assert_eq!(g.acquire(1, 1, t + 4_000), Ok(Permit::Go));
    }

    #[test]
    fn a_429_opens_the_breaker_and_nothing_is_sent_until_it_closes() {
        let g = gov(6_000, 50);
        let t = 1_700_000_000_000;
        assert_eq!(g.trip(429, Some(3_000), t), 3_000);
        assert_eq!(g.acquire(1, 0, t + 1_000), Err(BinanceError::CircuitOpen { remaining_ms: 2_000 }));
        assert_eq!(g.open_for(t + 2_999), Some(1));
        assert_eq!(g.acquire(1, 0, t + 3_000), Ok(Permit::Go));
        assert_eq!(g.trip(418, None, t), 10_000, "no Retry-After: the default");
        assert_eq!(g.throttles(), Throttles { rate_limited: 1, banned: 1 }, "each kind counted");
    }
}
