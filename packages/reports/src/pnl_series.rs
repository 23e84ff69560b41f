//! The P&L series: equity, cash and realised and unrealised P&L from the ledger's snapshots,
//! thinned to one point per step for a chart, and the equity's deepest fall.

use mirai_core::{PnlPoint, Timestamp};
use rust_decimal::{Decimal, RoundingStrategy};

use crate::performance::RATIO_PLACES;

/// The step `t` falls in: steps are `step_ms` long and aligned to the Unix epoch, so a `1d` step
/// is a UTC day and a `1h` step a clock hour.
pub fn step_of(t: Timestamp, step_ms: i64) -> i64 {
    t.millis().div_euclid(step_ms.max(1))
}

/// How many steps of `step_ms` the instants from `first` to `last` (both included) touch: the
/// most points [`downsample`] can give for snapshots between them.
pub fn steps_between(first: Timestamp, last: Timestamp, step_ms: i64) -> u64 {
    let (a, b) = (step_of(first, step_ms), step_of(last, step_ms));
    u64::try_from(i128::from(b) - i128::from(a) + 1).unwrap_or(0)
}

/// `points` (oldest first, as the ledger keeps them) thinned to the last snapshot of each step
/// ([`step_of`]); a step without a snapshot has no point. The last point is the last snapshot,
/// so a chart ends on the latest value.
pub fn downsample(points: &[PnlPoint], step_ms: i64) -> Vec<PnlPoint> {
    let mut out: Vec<PnlPoint> = Vec::new();
    let mut current = None;
    for p in points {
        let step = step_of(p.ts, step_ms);
        match out.last_mut() {
            Some(last) if current == Some(step) => *last = *p,
            _ => out.push(*p),
        }
        current = Some(step);
    }
    out
}

/// The equity's deepest fall from its running peak.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Drawdown {
    /// The largest fall, in the quote asset; never negative (0 for a curve that never falls).
    pub amount: Decimal,
    /// The largest fall as a fraction of the peak it fell from, rounded to [`RATIO_PLACES`] half
    /// away from zero; `None` without a positive peak. Its own maximum: on a curve that grew, a
    /// smaller fall from a lower peak can be the larger fraction.
    pub ratio: Option<Decimal>,
}

/// The deepest fall of equity over `points` (oldest first), every snapshot counted.
pub fn max_drawdown(points: &[PnlPoint]) -> Drawdown {
    let mut peak: Option<Decimal> = None;
    let (mut amount, mut ratio) = (Decimal::ZERO, None::<Decimal>);
    for p in points {
        let equity = p.equity.get();
        let top = peak.map_or(equity, |k| k.max(equity));
        peak = Some(top);
        let fall = top - equity;
        amount = amount.max(fall);
        if top > Decimal::ZERO
            && let Some(r) = fall.checked_div(top)
        {
            ratio = Some(ratio.map_or(r, |seen| seen.max(r)));
        }
    }
    let normal = |d: Decimal| if d.is_zero() { Decimal::ZERO } else { d.normalize() };
    Drawdown {
        amount: normal(amount),
        ratio: ratio
            .map(|r| normal(r.round_dp_with_strategy(RATIO_PLACES, RoundingStrategy::MidpointAwayFromZero))),
    }
}

#[cfg(test)]
mod tests {
    use mirai_core::Amount;
    use rust_decimal_macros::dec;

    use super::*;

    fn point(ms: i64, equity: Decimal) -> PnlPoint {
        PnlPoint {
            ts: Timestamp::from_millis(ms),
            equity: Amount::new(equity),
            cash: Amount::new(dec!(1)),
            realised: Amount::new(dec!(2)),
            unrealised: Amount::new(dec!(3)),
        }
    }

    #[test]
    fn each_step_keeps_its_last_snapshot_and_empty_steps_have_none() {
        let points = [
            point(0, dec!(1)),
            point(59_999, dec!(2)),
            point(60_000, dec!(3)),
            point(60_000, dec!(4)),
            point(300_001, dec!(5)),
        ];
        let equities =
            |v: Vec<PnlPoint>| v.iter().map(|p| (p.ts.millis(), p.equity.get())).collect::<Vec<_>>();
        assert_eq!(
            equities(downsample(&points, 60_000)),
            [(59_999, dec!(2)), (60_000, dec!(4)), (300_001, dec!(5))],
            "the later of two at the same time wins; minutes 2 to 4 have nothing"
        );
        assert_eq!(equities(downsample(&points, 3_600_000)), [(300_001, dec!(5))]);
        assert_eq!(
            equities(downsample(&points, 1)),
            [(0, dec!(1)), (59_999, dec!(2)), (60_000, dec!(4)), (300_001, dec!(5))]
        );
        assert!(downsample(&[], 60_000).is_empty());
        // Before 1970 the steps are aligned the same way.
        assert_eq!(step_of(Timestamp::from_millis(-1), 60_000), -1);
    }

    #[test]
    fn steps_between_counts_both_ends() {
        let t = Timestamp::from_millis;
        assert_eq!(steps_between(t(0), t(0), 60_000), 1);
        assert_eq!(steps_between(t(59_999), t(60_000), 60_000), 2);
        assert_eq!(steps_between(t(0), t(86_400_000 - 1), 60_000), 1_440);
        assert_eq!(steps_between(t(10), t(5), 60_000), 1, "the same step");
        assert_eq!(steps_between(t(60_000), t(0), 60_000), 0, "backwards");
    }

    #[test]
    fn the_deepest_fall_from_a_running_peak() {
        // 100 → 120 → 90 (−30, −25 %) → 130 → 110 (−20) → 50 → 60: from 130 to 50 is −80, −61.54 %.
        let curve: Vec<PnlPoint> = [100, 120, 90, 130, 110, 50, 60]
            .iter()
            .enumerate()
            .map(|(i, e)| point(i as i64, Decimal::from(*e)))
            .collect();
        assert_eq!(max_drawdown(&curve), Drawdown { amount: dec!(80), ratio: Some(dec!(0.6154)) });
        // Never falls: zero, and a zero ratio.
        assert_eq!(max_drawdown(&curve[..2]), Drawdown { amount: dec!(0), ratio: Some(dec!(0)) });
        assert_eq!(max_drawdown(&[]), Drawdown { amount: dec!(0), ratio: None });
        // A larger fraction from a lower peak: 10 → 5 (50 %), then 100 → 60 (40 units, 40 %).
        let grew: Vec<PnlPoint> =
            [10, 5, 100, 60].iter().enumerate().map(|(i, e)| point(i as i64, Decimal::from(*e))).collect();
        assert_eq!(max_drawdown(&grew), Drawdown { amount: dec!(40), ratio: Some(dec!(0.5)) });
    }
}
