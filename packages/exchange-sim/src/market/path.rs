//! Inside a bar: the prices the market trades at between its open and its close, one per update,
//! and the volume traded by each update. The bar itself (open, high, low, close, volume) is fixed
//! beforehand by the generated path or the replayed file; the path inside it visits the bar's
//! extremes (low first in a bar that closes up, high first in one that closes down), wanders
//! between them on the symbol's tick, and ends at the close. Deterministic: the same bar and the
//! same seed give the same updates.

use mirai_core::synthetic::SplitMix64;
use mirai_core::{Candle, Decimal};

/// Prices at updates `0..=steps`: `[0]` is the open (no trade: the previous bar's close), the
/// last is the close. Every price is within the bar's low and high.
pub(super) fn prices(bar: &Candle, steps: usize, tick: Decimal, rng: &mut SplitMix64) -> Vec<Decimal> {
    let (open, high, low, close) = (bar.open.get(), bar.high.get(), bar.low.get(), bar.close.get());
    let mut path = vec![open; steps + 1];
    path[steps] = close;
    if steps < 2 {
        return path;
    }
    let (first, second) = if close >= open { (low, high) } else { (high, low) };
    let mut waypoints = vec![(0, open)];
    if steps == 2 {
        waypoints.push((1, first));
    } else {
        let n = steps as u64;
        let a = 1 + rng.next_u64() % (n - 2);
        let b = a + 1 + rng.next_u64() % (n - 1 - a);
        waypoints.push((a as usize, first));
        waypoints.push((b as usize, second));
    }
    waypoints.push((steps, close));
    let span = high - low;
    let noise_scale = Decimal::from(8_000);
    for w in waypoints.windows(2) {
        let ((k0, p0), (k1, p1)) = (w[0], w[1]);
        for (k, slot) in path.iter_mut().enumerate().take(k1).skip(k0 + 1) {
            let along = Decimal::from((k - k0) as u64) / Decimal::from((k1 - k0) as u64);
            let noise = span * Decimal::from(rng.symmetric(1_000)) / noise_scale;
            *slot = on_tick(p0 + (p1 - p0) * along + noise, tick).clamp(low, high);
        }
        path[k1] = p1;
    }
    path
}

/// Volume traded by the end of each update `0..=steps`, on the lot step: `[0]` is zero, the
/// last is the bar's volume.
pub(super) fn volumes(bar: &Candle, steps: usize, lot: Decimal) -> Vec<Decimal> {
    let total = bar.volume.get();
    let n = Decimal::from(steps.max(1) as u64);
    let mut v: Vec<Decimal> =
        (0..=steps).map(|k| floor_to(total * Decimal::from(k as u64) / n, lot).min(total)).collect();
    v[steps] = total;
    v
}

/// `x` rounded to the nearest multiple of `tick` (unchanged without a tick).
pub(super) fn on_tick(x: Decimal, tick: Decimal) -> Decimal {
    if tick.is_zero() { x } else { (x / tick).round() * tick }
}

/// `x` rounded down to a multiple of `step` (unchanged without a step).
pub(super) fn floor_to(x: Decimal, step: Decimal) -> Decimal {
    if step.is_zero() { x } else { (x / step).floor() * step }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mirai_core::synthetic::RandomWalk;
    use mirai_core::{Price, Symbol, Timestamp};

    #[test]
    fn a_bar_s_path_visits_its_extremes_stays_inside_them_and_ends_at_its_close() {
        let walk = RandomWalk::new(
            Symbol::new("BTCUSDT"),
            Price::new(Decimal::from(60_000)),
            Timestamp::from_millis(0),
            60_000,
            3,
        );
        let tick = Decimal::new(1, 2);
        let lot = Decimal::new(1, 5);
        for (i, bar) in walk.take(200).enumerate() {
            for steps in [1, 2, 3, 30] {
                let mut rng = SplitMix64::new(i as u64);
                let p = prices(&bar, steps, tick, &mut rng);
                assert_eq!(p.len(), steps + 1);
                assert_eq!((p[0], p[steps]), (bar.open.get(), bar.close.get()));
                assert!(p.iter().all(|x| *x >= bar.low.get() && *x <= bar.high.get()), "{bar:?} {p:?}");
                if steps >= 3 {
                    assert!(p.contains(&bar.high.get()) && p.contains(&bar.low.get()), "{bar:?} {p:?}");
                }
                let mut again = SplitMix64::new(i as u64);
                assert_eq!(prices(&bar, steps, tick, &mut again), p, "deterministic");
                let v = volumes(&bar, steps, lot);
                assert_eq!((v[0], v[steps]), (Decimal::ZERO, bar.volume.get()));
                assert!(v.windows(2).all(|w| w[0] <= w[1]));
                assert!(v[..steps].iter().all(|x| floor_to(*x, lot) == *x), "on the lot step");
            }
        }
    }
}
