//! The tracker's tests: its drawdown figures against the per-bar formulas, stretches against
//! bar-by-bar pushes, the calendar and the chart.

use super::*;

/// The drawdown statistics as first written: a ratio to the running peak on every bar.
/// The tracker must give these bit for bit.
fn per_bar_ratios(equity: &[f64]) -> (f64, u64, f64, f64, i64) {
    let (mut peak, mut min_ratio, mut period_min) = (f64::NEG_INFINITY, 1.0f64, 1.0f64);
    let (mut zero_bar, mut zero_time, mut periods, mut sum_dd, mut sum_ms, mut max_ms) =
        (0u64, 0i64, 0u64, 0.0, 0.0, 0i64);
    let mut close = |time: i64, zero_time: i64, period_min: f64| {
        periods += 1;
        sum_dd += 1.0 - period_min;
        sum_ms += (time - zero_time) as f64;
        max_ms = max_ms.max(time - zero_time);
    };
    for (bar, &e) in equity.iter().enumerate() {
        let (bar, time) = (bar as u64, bar as i64 * MS_PER_DAY);
        let ratio = if e >= peak { 1.0 } else { e / peak };
        if ratio >= 1.0 {
            peak = peak.max(e);
            if bar > zero_bar + 1 {
                close(time, zero_time, period_min);
            }
            (zero_bar, zero_time, period_min) = (bar, time, 1.0);
        } else {
            period_min = period_min.min(ratio);
            min_ratio = min_ratio.min(ratio);
        }
    }
    let last = equity.len() as u64 - 1;
    if zero_bar != last && last > zero_bar + 1 {
        close(last as i64 * MS_PER_DAY, zero_time, period_min);
    }
    (1.0 - min_ratio, periods, sum_dd, sum_ms, max_ms)
}

proptest::proptest! {
    /// Lowest equity per period instead of a ratio per bar changes no bit of the result,
    /// peaks matched exactly or within a rounding of them included.
    #[test]
    fn drawdowns_match_a_ratio_per_bar_bit_for_bit(
        steps in proptest::collection::vec((0u8..6, 0.0f64..0.05), 2..400),
    ) {
        let mut equity = vec![100.0f64];
        let mut peak = 100.0f64;
        for (kind, x) in steps {
            let last = *equity.last().unwrap_or(&100.0);
            let next = match kind {
                0 => peak,                                   // back to the peak exactly
                1 => peak * (1.0 - f64::EPSILON / 2.0),      // one ulp below the peak
                2 => peak * (1.0 - f64::EPSILON),            // just below
                3 => last * (1.0 + x),
                _ => last * (1.0 - x),
            };
            peak = peak.max(next);
            equity.push(next);
        }
        let (max_dd, periods, sum_dd, sum_ms, max_ms) = per_bar_ratios(&equity);
        let s = track(&equity);
        proptest::prop_assert_eq!(s.max_drawdown.to_bits(), max_dd.to_bits());
        proptest::prop_assert_eq!(s.drawdown_periods, periods);
        if periods > 0 {
            proptest::prop_assert_eq!(s.avg_drawdown.to_bits(), (sum_dd / periods as f64).to_bits());
            proptest::prop_assert_eq!(s.avg_drawdown_ms.to_bits(), (sum_ms / periods as f64).to_bits());
            proptest::prop_assert_eq!(s.max_drawdown_ms.to_bits(), (max_ms as f64).to_bits());
        }
    }
}

proptest::proptest! {
    /// Stretches pushed at once leave what pushing their bars one by one leaves (days, chart
    /// samples, drawdown periods, the ring of times, exposure), and name the last bar that
    /// rose strictly above every earlier one. Tens of thousands of bars, so that the chart's
    /// samples grow sparse and stretches have long runs between them.
    #[test]
    fn a_stretch_is_its_bars_pushed_one_by_one(
        stretches in proptest::collection::vec(
            (1usize..3_000, proptest::bool::ANY, 0usize..4, 0usize..5, 0u8..4),
            1..40,
        ),
        seed in 0u64..1_000,
    ) {
        let (mut one, mut run) = (EquityTracker::default(), EquityTracker::default());
        // A third through the shared table of block extremes, its stretches starting
        // anywhere in a block.
        let mut shared = EquityTracker::default();
        let (mut time, mut x, mut peak) = (0i64, seed, f64::NEG_INFINITY);
        for (len, holding, qty, cash, gaps) in stretches {
            // Few distinct values, so that stretches often start at, or stay on, the peak.
            let (qty, cash) = ([0.0, 0.5, 1.0, 2.0][qty], [90.0, 100.0, 100.0, 110.0, 120.0][cash]);
            let mut times = Vec::new();
            let mut closes = Vec::new();
            for _ in 0..len {
                x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                // Minutes, with an hour or a day skipped now and then; closes that repeat.
                time += [60_000, 60_000, 3_600_000, MS_PER_DAY][((x >> 40) % u64::from(gaps + 1)) as usize];
                times.push(time);
                closes.push(20.0 + ((x >> 50) % 16) as f64 * 0.25);
            }
            let equity = |k: usize| if holding { cash + qty * closes[k] } else { cash };
            let mut want = None;
            for (k, &t) in times.iter().enumerate() {
                let e = equity(k);
                if e > peak {
                    peak = e;
                    want = Some(k);
                }
                one.push(t, e, holding);
            }
            let got = run.push_run(&times, &closes, (cash, qty), holding, holding, None);
            proptest::prop_assert_eq!(got, want);
            let lead = (x >> 20) as usize % BLOCK;
            let padded: Vec<f64> = std::iter::repeat_n(1e9, lead).chain(closes.iter().copied()).collect();
            let table = super::super::CloseExtremes::new(&padded);
            let got = shared.push_run(&times, &closes, (cash, qty), holding, holding, Some(table.at(lead)));
            proptest::prop_assert_eq!(got, want);
        }
        let one = format!("{:?}", one.finish());
        proptest::prop_assert_eq!(format!("{:?}", run.finish()), one.clone());
        proptest::prop_assert_eq!(format!("{:?}", shared.finish()), one);
    }
}

fn track(equity: &[f64]) -> TrackerSummary {
    let mut t = EquityTracker::default();
    for (i, e) in equity.iter().enumerate() {
        t.push(i as i64 * MS_PER_DAY, *e, false);
    }
    t.finish()
}

#[test]
fn drawdown_periods_as_backtesting_py_counts_them() {
    // Peaks at bars 0, 3 and 6; a dip between each; the last two bars fall again.
    let s = track(&[100.0, 90.0, 95.0, 110.0, 99.0, 105.0, 120.0, 108.0, 96.0]);
    assert!((s.max_drawdown - 0.2).abs() < 1e-12, "{}", s.max_drawdown);
    assert_eq!(s.drawdown_periods, 3);
    let want_avg = (0.1 + 0.1 + 0.2) / 3.0;
    assert!((s.avg_drawdown - want_avg).abs() < 1e-12);
    assert!((s.max_drawdown_ms - 3.0 * MS_PER_DAY as f64).abs() < 1e-6);
    assert!((s.avg_drawdown_ms - 8.0 / 3.0 * MS_PER_DAY as f64).abs() < 1e-6);
    assert_eq!(s.days.len(), 9);
    assert_eq!(s.recent.len(), 9);
}

#[test]
fn a_one_bar_dip_at_the_end_is_no_period_and_a_rising_curve_has_none() {
    let s = track(&[100.0, 101.0, 100.5]);
    assert_eq!(s.drawdown_periods, 0);
    assert!(s.avg_drawdown.is_nan() && s.max_drawdown_ms.is_nan());
    assert!(s.max_drawdown > 0.0);
    let s = track(&[1.0, 2.0, 3.0]);
    assert_eq!((s.drawdown_periods, s.max_drawdown), (0, 0.0));
}

#[test]
fn the_curve_thins_itself_and_keeps_the_last_point() {
    let mut t = EquityTracker::default();
    for i in 0..100_003 {
        t.push(i * 60_000, 100.0 + (i % 50) as f64, i % 2 == 0);
    }
    let s = t.finish();
    assert!(s.curve.len() <= CURVE_POINTS + 1);
    assert!(s.curve.len() > CURVE_POINTS / 2);
    assert_eq!(s.curve.last().map(|p| p.time), Some(100_002 * 60_000));
    assert_eq!(s.exposed, 50_002);
    assert_eq!(s.recent.len(), RECENT);
    assert_eq!(s.recent.last(), Some(&(100_002 * 60_000)));
    assert_eq!(s.recent[0], (100_003 - 100) * 60_000);
}
