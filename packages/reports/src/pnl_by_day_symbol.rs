//! P&L per UTC day and symbol: what the day's fills realised and cost in fees, what the holding
//! at the day's last close was worth above its cost basis, and the round trips closed that day.
//! A row exists for a day with fills, or with something held at the day's end and a candle.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use mirai_core::Side;
use rust_decimal::{Decimal, RoundingStrategy};

use crate::cell::{day, int, number, rounded};
use crate::inputs::Inputs;
use crate::round_trips::round_trips;

#[derive(Debug, Default)]
struct FillDay {
    realised: Decimal,
    fees: Decimal,
    fills: u64,
    qty_change: Decimal,
    cost_change: Decimal,
}

pub(crate) fn rows(inputs: &Inputs) -> Vec<Vec<Option<String>>> {
    // (symbol, day) keys order as the view's ORDER BY DAY, SYMBOL once re-sorted below.
    let mut fill_days: BTreeMap<(String, String), FillDay> = BTreeMap::new();
    for r in &inputs.fills {
        let Some(ledger) = r.ledger else { continue };
        let f = &r.fill;
        let d = fill_days.entry((f.symbol.to_string(), day(f.ts))).or_default();
        d.realised += ledger.realised_pnl.get();
        d.fees += f.fee.get();
        d.fills += 1;
        let notional = f.notional().get();
        match f.side {
            Side::Buy => {
                d.qty_change += f.qty.get();
                d.cost_change += notional;
            }
            // The cost basis released: proceeds less fee less what the sell realised.
            Side::Sell => {
                d.qty_change -= f.qty.get();
                d.cost_change += ledger.realised_pnl.get() + f.fee.get() - notional;
            }
        }
    }
    // The day's last close per symbol: the candle closing last, the shorter-named interval first
    // on a tie (the view's ORDER BY CLOSE_TIME DESC, INTERVAL).
    let mut closes: HashMap<(String, String), (i64, &str, Decimal)> = HashMap::new();
    for c in &inputs.candles {
        let key = (c.symbol.to_string(), day(c.close_time));
        let candidate = (c.close_time.millis(), c.interval.as_str(), c.close.get());
        match closes.get(&key) {
            Some(&(at, interval, _))
                if (at, std::cmp::Reverse(interval)) >= (candidate.0, std::cmp::Reverse(candidate.1)) => {}
            _ => {
                closes.insert(key, candidate);
            }
        }
    }
    let mut trips: HashMap<(String, String), (u64, u64)> = HashMap::new();
    for t in round_trips(inputs) {
        let e = trips.entry((t.symbol.to_string(), day(t.exit_time))).or_default();
        e.0 += 1;
        e.1 += u64::from(t.pnl > Decimal::ZERO);
    }
    let days: BTreeSet<(String, String)> = fill_days.keys().chain(closes.keys()).cloned().collect();
    let mut out = Vec::new();
    let (mut symbol, mut held, mut cost): (Option<&str>, Decimal, Decimal) =
        (None, Decimal::ZERO, Decimal::ZERO);
    for key in &days {
        if symbol != Some(key.0.as_str()) {
            symbol = Some(key.0.as_str());
            (held, cost) = (Decimal::ZERO, Decimal::ZERO);
        }
        let f = fill_days.get(key);
        held += f.map_or(Decimal::ZERO, |f| f.qty_change);
        cost += f.map_or(Decimal::ZERO, |f| f.cost_change);
        let fills = f.map_or(0, |f| f.fills);
        if fills == 0 && held.is_zero() {
            continue;
        }
        let close = closes.get(key).map(|c| c.2);
        let unrealised = if held.is_zero() {
            Some(Decimal::ZERO)
        } else {
            // The view multiplies at ten decimal places (what every engine can hold exactly).
            let at10 = |d: Decimal| d.round_dp_with_strategy(10, RoundingStrategy::MidpointAwayFromZero);
            close.map(|c| at10(held) * at10(c) - cost)
        };
        let (trades, wins) = trips.get(key).copied().unwrap_or_default();
        out.push((
            key.1.clone(),
            key.0.clone(),
            vec![
                Some(key.1.clone()),
                Some(key.0.clone()),
                Some(number(f.map_or(Decimal::ZERO, |f| f.realised))),
                unrealised.map(|u| rounded(u, 8)),
                Some(number(f.map_or(Decimal::ZERO, |f| f.fees))),
                Some(int(fills)),
                Some(int(trades)),
                Some(int(wins)),
                (trades > 0).then(|| rounded(Decimal::from(wins) / Decimal::from(trades), 4)),
                Some(number(held)),
                close.map(number),
            ],
        ));
    }
    out.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    out.into_iter().map(|(_, _, row)| row).collect()
}
