//! The default model of `mirai gen-bars`: bars that look like a market. Log-normal returns
//! (`price × exp(r)`, `r` normal) whose volatility switches between a calm and a turbulent regime
//! (a two-state Markov chain), each bar's high and low taken from a path of sub-steps inside it,
//! volume rising with the bar's range, and every price a whole number of ticks.
//!
//! The path is computed in `f64` and only the written prices and volumes are exact decimals
//! (rounded to the tick and to 0.001 units). The random numbers come from
//! `mirai_core::synthetic::SplitMix64`, and `exp` and `ln` are computed here with `+ − × ÷` and
//! `sqrt` only (IEEE 754 rounds those exactly alike everywhere; the platform's `exp` and `ln` may
//! differ in the last bit), so a seed gives the same file on every machine.

use mirai_core::synthetic::SplitMix64;
use mirai_core::{Candle, Decimal, Price, Qty, Symbol, Timestamp};

use crate::float::decimal_to_f64;

/// The year annual figures refer to: 365.25 days (crypto trades every day).
pub const YEAR_MS: f64 = 365.25 * 86_400_000.0;
/// The turbulent regime's volatility as a multiple of the calm regime's.
pub const TURBULENCE: f64 = 3.0;
/// Mean length of a calm spell: two days (spells end at random, so their lengths vary).
pub const CALM_SPELL_MS: f64 = 2.0 * 86_400_000.0;
/// Mean length of a turbulent spell: twelve hours. The market is turbulent a fifth of the time.
pub const TURBULENT_SPELL_MS: f64 = 12.0 * 3_600_000.0;
/// Sub-steps simulated inside each bar; the bar's high and low are the path's extremes.
pub const STEPS: usize = 8;
/// Quote currency traded in a calm minute of average range (volume scales with the interval).
const NOTIONAL_PER_MINUTE: f64 = 1_000_000.0;
/// Volumes are written with three decimals.
const VOLUME_DP: u32 = 3;
const VOLUME_SCALE: f64 = 1_000.0;
/// The largest price mantissa written: a price keeps at most 17 significant digits (the reader
/// takes 18), however far the path wanders.
const MAX_MANTISSA: f64 = 1e17;

/// The model's settings; see `mirai gen-bars --help` and docs/backtesting.md.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MarketParams {
    /// Annual drift of the log price: the median path grows by `e^drift` a year (0: it stays
    /// level; the mean path still grows by `σ²/2` a year, as any log-normal one).
    pub drift: f64,
    /// Annualised volatility of the log price, averaged over both regimes (0.6 = 60 %).
    pub vol: f64,
    /// Every price is a whole number of ticks.
    pub tick: Decimal,
}

impl MarketParams {
    /// The default drift: none.
    pub const DRIFT: f64 = 0.0;
    /// The default volatility: 60 % a year, about Bitcoin's.
    pub const VOL: f64 = 0.6;

    /// The defaults for bars starting at `start_price`: no drift, 60 % volatility, and a tick of
    /// [`default_tick`].
    pub fn for_price(start_price: Price) -> Self {
        Self { drift: Self::DRIFT, vol: Self::VOL, tick: default_tick(start_price) }
    }

    pub fn check(&self, start_price: Price) -> Result<(), String> {
        let mut problems = Vec::new();
        if !(-10.0..=10.0).contains(&self.drift) {
            problems.push(format!("drift {} must be between -10 and 10 (a year's log change)", self.drift));
        }
        if !(0.0..=10.0).contains(&self.vol) {
            problems.push(format!("vol {} must be between 0 and 10 (1000 % a year)", self.vol));
        }
        if self.tick <= Decimal::ZERO || self.tick > start_price.get() {
            problems.push(format!(
                "tick {} must be above 0 and at most the start price {}",
                self.tick,
                start_price.get()
            ));
        } else if self.tick.normalize().mantissa() > 1_000_000 || self.tick.scale() > 18 {
            problems.push(format!("tick {} has too many digits (at most 6, and 18 decimals)", self.tick));
        }
        if problems.is_empty() { Ok(()) } else { Err(problems.join("; ")) }
    }
}

/// The power of ten nearest below a hundred-thousandth of `price`: 0.001 for 100, 0.1 for 60,000.
/// Prices then move by many ticks a minute, so a bar is flat only if the price truly stood still.
pub fn default_tick(price: Price) -> Decimal {
    let p = price.get().normalize();
    let digits = p.mantissa().unsigned_abs().checked_ilog10().map_or(0, |d| d as i64);
    // floor(log10(price)) - 5, kept within what a decimal can write.
    let exponent = (digits - i64::from(p.scale()) - 5).clamp(-18, 18);
    if exponent >= 0 {
        Decimal::from(10u64.pow(exponent as u32))
    } else {
        Decimal::new(1, (-exponent) as u32)
    }
}

/// The market's state in a bar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Regime {
    Calm,
    Turbulent,
}

/// An endless stream of closed candles for one symbol; see the module's documentation.
#[derive(Clone, Debug)]
pub struct Market {
    rng: SplitMix64,
    /// The second normal of the last polar draw, not used yet.
    spare: Option<f64>,
    symbol: Symbol,
    next_open: Timestamp,
    interval_ms: i64,
    regime: Regime,
    /// The price the path is at (unrounded).
    price: f64,
    /// The last close as written, in ticks: the next bar's open.
    close_ticks: i64,
    tick: Decimal,
    tick_f64: f64,
    max_ticks: f64,
    /// Mean log move per sub-step.
    step_drift: f64,
    /// Standard deviation of a sub-step's log move, calm and turbulent.
    step_sd: [f64; 2],
    /// Chance that a bar starts a new spell, leaving calm and leaving turbulence.
    leave: [f64; 2],
    /// The expected log range (high / low) of a calm bar, which trades the base volume.
    calm_range: f64,
    notional: f64,
}

impl Market {
    /// `params` must have passed [`MarketParams::check`] for `start_price`.
    pub fn new(
        symbol: Symbol,
        start_price: Price,
        start: Timestamp,
        interval_ms: i64,
        seed: u64,
        params: MarketParams,
    ) -> Self {
        let tick_f64 = decimal_to_f64(params.tick);
        let tick_mantissa = decimal_to_f64(Decimal::from(params.tick.normalize().mantissa())).max(1.0);
        let max_ticks = (MAX_MANTISSA / tick_mantissa).floor();
        let start_ticks = (decimal_to_f64(start_price.get()) / tick_f64).round().clamp(1.0, max_ticks);
        let dt = interval_ms as f64 / YEAR_MS;
        let turbulent_share = TURBULENT_SPELL_MS / (CALM_SPELL_MS + TURBULENT_SPELL_MS);
        // The average variance over both regimes is vol².
        let calm_vol =
            params.vol / ((1.0 - turbulent_share) + turbulent_share * TURBULENCE * TURBULENCE).sqrt();
        let calm_step = calm_vol * (dt / STEPS as f64).sqrt();
        // Spells end at random (exponentially distributed lengths): per bar, 1 − e^(−interval/mean).
        let leave = |mean_ms: f64| 1.0 - exp(-(interval_ms as f64) / mean_ms);
        let mut rng = SplitMix64::new(seed);
        let regime = if uniform(&mut rng) < turbulent_share { Regime::Turbulent } else { Regime::Calm };
        Self {
            rng,
            spare: None,
            symbol,
            next_open: start,
            interval_ms,
            regime,
            price: start_ticks * tick_f64,
            close_ticks: start_ticks as i64,
            tick: params.tick,
            tick_f64,
            max_ticks,
            step_drift: params.drift * dt / STEPS as f64,
            step_sd: [calm_step, calm_step * TURBULENCE],
            leave: [leave(CALM_SPELL_MS), leave(TURBULENT_SPELL_MS)],
            // E(max − min) of a random walk of 8 normal steps is about 3.0 step deviations.
            calm_range: 3.0 * calm_step,
            notional: NOTIONAL_PER_MINUTE * interval_ms as f64 / 60_000.0,
        }
    }

    /// The regime of the last bar returned (before the first, the one the market starts in).
    pub fn regime(&self) -> Regime {
        self.regime
    }

    /// A standard normal number: Marsaglia's polar method, two at a time.
    fn normal(&mut self) -> f64 {
        if let Some(z) = self.spare.take() {
            return z;
        }
        loop {
            let u = 2.0 * uniform(&mut self.rng) - 1.0;
            let v = 2.0 * uniform(&mut self.rng) - 1.0;
            let s = u * u + v * v;
            if s > 0.0 && s < 1.0 {
                let f = (-2.0 * ln(s) / s).sqrt();
                self.spare = Some(v * f);
                return u * f;
            }
        }
    }

    /// A price as a whole number of ticks, within what the file can write.
    fn ticks(&self, price: f64) -> i64 {
        (price / self.tick_f64).round().clamp(1.0, self.max_ticks) as i64
    }

    fn price_of(&self, ticks: i64) -> Price {
        Price::new(Decimal::from(ticks) * self.tick)
    }
}

impl Iterator for Market {
    type Item = Candle;

    fn next(&mut self) -> Option<Candle> {
        let state = self.regime as usize;
        if uniform(&mut self.rng) < self.leave[state] {
            self.regime = match self.regime {
                Regime::Calm => Regime::Turbulent,
                Regime::Turbulent => Regime::Calm,
            };
        }
        let sd = self.step_sd[self.regime as usize];
        let (mut x, mut high, mut low) = (0.0f64, 0.0f64, 0.0f64);
        for _ in 0..STEPS {
            x += self.step_drift + sd * self.normal();
            high = high.max(x);
            low = low.min(x);
        }
        let open_price = self.price;
        // Kept between one tick and the largest price the file can write.
        self.price = (open_price * exp(x)).clamp(self.tick_f64, self.max_ticks * self.tick_f64);
        let open = self.close_ticks;
        let close = self.ticks(self.price);
        let high = self.ticks(open_price * exp(high)).max(open).max(close);
        let low = self.ticks(open_price * exp(low)).min(open).min(close);
        // Volume follows the bar's range (so the regime), with some noise of its own.
        let activity =
            if self.calm_range > 0.0 { (x_range(high, low) / self.calm_range).max(0.05) } else { 1.0 };
        let noise = exp(0.3 * self.normal() - 0.045);
        let units = self.notional * activity * noise / self.price;
        let volume = (units * VOLUME_SCALE).round().clamp(1.0, MAX_MANTISSA) as i64;
        self.close_ticks = close;
        let open_time = self.next_open;
        self.next_open = open_time.plus_millis(self.interval_ms);
        Some(Candle {
            symbol: self.symbol,
            open_time,
            close_time: open_time.plus_millis(self.interval_ms - 1),
            open: self.price_of(open),
            high: self.price_of(high),
            low: self.price_of(low),
            close: self.price_of(close),
            volume: Qty::new(Decimal::new(volume, VOLUME_DP)),
            closed: true,
        })
    }
}

/// The log range of a bar from its high and low in ticks.
fn x_range(high: i64, low: i64) -> f64 {
    ln(high as f64 / low.max(1) as f64)
}

/// Uniform in [0, 1): the top 53 bits.
fn uniform(rng: &mut SplitMix64) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// ln 2 in two parts (fdlibm's): `k × LN2_HI` is exact for |k| < 2^11.
const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);

/// `e^x` with `+ − × ÷` only: `x = k ln 2 + r`, |r| ≤ ln 2 / 2, and `e^r` by its Taylor series
/// to the 13th power (the rest is below 1e-17). Within 2 ulp of the true value.
pub(crate) fn exp(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    if x > 709.0 {
        return f64::INFINITY;
    }
    if x < -745.0 {
        return 0.0;
    }
    let k = (x * std::f64::consts::LOG2_E).round();
    let r = (x - k * LN2_HI) - k * LN2_LO;
    let (mut term, mut sum) = (1.0f64, 1.0f64);
    for i in 1..=13 {
        term *= r / f64::from(i);
        sum += term;
    }
    // × 2^k, in two halves so that neither leaves the range of normal numbers.
    let half = (k / 2.0).floor();
    sum * pow2(half as i32) * pow2((k - half) as i32)
}

/// 2^k for -1022 ≤ k ≤ 1023, from its bits.
fn pow2(k: i32) -> f64 {
    f64::from_bits(((i64::from(k) + 1023) as u64) << 52)
}

/// `ln x` for a positive normal `x`, with `+ − × ÷` only: `x = m × 2^e` with m in [√½, √2),
/// and `ln m = 2 atanh((m − 1) / (m + 1))` by its series (the rest is below 1e-19).
pub(crate) fn ln(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return f64::NAN;
    }
    if x.is_infinite() {
        return x;
    }
    // Subnormals: scaled up by 2^54 first.
    let (x, shift) = if x < f64::MIN_POSITIVE { (x * pow2(54), -54.0) } else { (x, 0.0) };
    let bits = x.to_bits();
    let mut e = ((bits >> 52) & 0x7ff) as f64 - 1023.0 + shift;
    let mut m = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000);
    if m > std::f64::consts::SQRT_2 {
        m /= 2.0;
        e += 1.0;
    }
    let t = (m - 1.0) / (m + 1.0);
    let t2 = t * t;
    let (mut power, mut series) = (t, 0.0f64);
    for k in 0..14 {
        series += power / f64::from(2 * k + 1);
        power *= t2;
    }
    e * LN2_HI + (e * LN2_LO + 2.0 * series)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn market(seed: u64) -> Market {
        let price = Price::new(Decimal::from(100));
        Market::new(
            Symbol::new("BTCUSDT"),
            price,
            Timestamp::from_millis(crate::generate::DEFAULT_START_MS),
            60_000,
            seed,
            MarketParams::for_price(price),
        )
    }

    /// Sample standard deviation.
    fn sd(v: &[f64]) -> f64 {
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (v.len() - 1) as f64).sqrt()
    }

    #[test]
    fn a_hundred_thousand_minutes_look_like_a_market() {
        let f = |d: Decimal| decimal_to_f64(d);
        for seed in 1..=3 {
            let mut m = market(seed);
            let mut bars = Vec::with_capacity(100_000);
            for _ in 0..100_000 {
                let c = m.next().unwrap_or_else(|| panic!("endless"));
                bars.push((c, m.regime()));
            }
            let (mut flat, mut still, mut lowest, mut highest) = (0, 0, f64::MAX, 0.0f64);
            let mut returns: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
            let mut volume = [0.0f64; 2];
            for (i, (c, regime)) in bars.iter().enumerate() {
                assert!(
                    c.high >= c.open.max(c.close) && c.low <= c.open.min(c.close),
                    "seed {seed} bar {i}: {c:?}"
                );
                assert!(c.low.get() > Decimal::ZERO && c.volume.get() > Decimal::ZERO);
                if i > 0 {
                    assert_eq!(c.open, bars[i - 1].0.close, "seed {seed} bar {i}: opens at the last close");
                    assert_eq!(c.open_time.millis() - bars[i - 1].0.open_time.millis(), 60_000);
                }
                flat += usize::from(c.high == c.low);
                still += usize::from(c.open == c.close);
                lowest = lowest.min(f(c.low.get()));
                highest = highest.max(f(c.high.get()));
                returns[*regime as usize].push((f(c.close.get()) / f(c.open.get())).ln());
                volume[*regime as usize] += f(c.volume.get());
            }
            // No drift to zero (nor to the moon): 69 days at 60 % a year move the log price
            // by about 0.26 (one standard deviation).
            assert!(lowest > 25.0 && highest < 400.0, "seed {seed}: {lowest}..{highest}");
            assert!(flat < 1_000, "seed {seed}: {flat} flat bars in 100,000");
            assert!(still < 3_000, "seed {seed}: {still} bars close at their open");
            let [calm, turbulent] = &returns;
            let turbulent_share = turbulent.len() as f64 / 100_000.0;
            assert!((0.05..0.45).contains(&turbulent_share), "seed {seed}: {turbulent_share}");
            let ratio = sd(turbulent) / sd(calm);
            assert!((2.5..3.5).contains(&ratio), "seed {seed}: turbulent/calm volatility {ratio}");
            let all: Vec<f64> = returns.concat();
            let annual = sd(&all) * (YEAR_MS / 60_000.0).sqrt();
            assert!((0.45..0.8).contains(&annual), "seed {seed}: realised volatility {annual}");
            let per_bar = |r: usize| volume[r] / returns[r].len() as f64;
            assert!(per_bar(1) > 2.0 * per_bar(0), "seed {seed}: volume rises with volatility");
        }
    }

    #[test]
    fn drift_and_volatility_are_as_asked() {
        let price = Price::new(Decimal::from(100));
        let run = |drift: f64, vol: f64| {
            let params = MarketParams { drift, vol, ..MarketParams::for_price(price) };
            let m =
                Market::new(Symbol::new("BTCUSDT"), price, Timestamp::from_millis(0), 3_600_000, 9, params);
            let closes: Vec<f64> = m.take(20_000).map(|c| decimal_to_f64(c.close.get())).collect();
            closes
        };
        // 20,000 hours (2.3 years) at a drift of -0.5 a year: the log price falls by about 1.14,
        // give or take 0.6 × √2.3 = 0.9 (one standard deviation; seed 9 is pinned).
        let down = run(-0.5, 0.6);
        let change = (down[down.len() - 1] / 100.0).ln();
        assert!((-3.0..0.5).contains(&change), "{change}");
        // No volatility: the price follows the drift exactly, and bars are flat only then.
        let steady = run(0.2, 0.0);
        let years = 20_000.0 * 3_600_000.0 / YEAR_MS;
        let want = 100.0 * (0.2 * years).exp();
        assert!((steady[steady.len() - 1] - want).abs() < 0.01, "{} vs {want}", steady[steady.len() - 1]);
        let still = run(0.0, 0.0);
        assert!(still.iter().all(|c| (c - 100.0).abs() < 1e-9));
    }

    #[test]
    fn the_same_seed_gives_the_same_bars() {
        let a: Vec<Candle> = market(7).take(2_000).collect();
        assert_eq!(a, market(7).take(2_000).collect::<Vec<_>>());
        assert_ne!(a, market(8).take(2_000).collect::<Vec<_>>());
    }

    #[test]
    fn exp_and_ln_agree_with_the_platforms_to_a_few_ulp() {
        let mut rng = SplitMix64::new(3);
        for i in 0..200_000 {
            let x = match i % 3 {
                0 => (uniform(&mut rng) - 0.5) * 0.2,
                1 => (uniform(&mut rng) - 0.5) * 60.0,
                _ => (uniform(&mut rng) - 0.5) * 1400.0,
            };
            let (ours, std) = (exp(x), x.exp());
            assert!(((ours - std) / std).abs() < 4.0 * f64::EPSILON, "exp({x}): {ours} vs {std}");
            let y = uniform(&mut rng) * 10f64.powi((i % 40) - 20) + f64::MIN_POSITIVE;
            let (ours, std) = (ln(y), y.ln());
            assert!(
                (ours - std).abs() <= 4.0 * f64::EPSILON * std.abs().max(1.0),
                "ln({y}): {ours} vs {std}"
            );
        }
        assert_eq!((exp(0.0).to_bits(), ln(1.0).to_bits()), (1f64.to_bits(), 0f64.to_bits()));
        assert!(exp(800.0).is_infinite() && exp(-800.0).to_bits() == 0);
        assert!(ln(0.0).is_nan() && ln(-1.0).is_nan());
        assert!((ln(f64::MIN_POSITIVE / 8.0) - (f64::MIN_POSITIVE / 8.0).ln()).abs() < 1e-12);
    }

    #[test]
    fn default_ticks_are_a_hundred_thousandth_of_the_price() {
        let tick =
            |p: &str| default_tick(Price::new(p.parse().unwrap_or_else(|e| panic!("{e}")))).to_string();
        assert_eq!(tick("100"), "0.001");
        assert_eq!(tick("60000"), "0.1");
        assert_eq!(tick("99999.99"), "0.1");
        assert_eq!(tick("1"), "0.00001");
        assert_eq!(tick("0.5"), "0.000001");
        assert_eq!(tick("1000000"), "10");
    }

    #[test]
    fn bad_settings_are_refused() {
        let price = Price::new(Decimal::from(100));
        let ok = MarketParams::for_price(price);
        assert!(ok.check(price).is_ok());
        let e = MarketParams { vol: -0.1, drift: 11.0, ..ok }.check(price).unwrap_err();
        assert!(e.contains("vol -0.1") && e.contains("drift 11"), "{e}");
        assert!(MarketParams { tick: Decimal::ZERO, ..ok }.check(price).is_err());
        assert!(MarketParams { tick: Decimal::from(101), ..ok }.check(price).is_err());
        assert!(MarketParams { tick: Decimal::new(1_234_567, 7), ..ok }.check(price).is_err());
        assert!(MarketParams { vol: f64::NAN, ..ok }.check(price).is_err());
    }
}
