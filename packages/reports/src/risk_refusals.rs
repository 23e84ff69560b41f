//! Refusals per UTC day, symbol and gate (the exchange's rejections count under `exchange`), with
//! one reason as an example (the least, as text, so both engines pick the same).

use std::collections::BTreeMap;

use crate::cell::{day, int};
use crate::inputs::Inputs;

pub(crate) fn rows(inputs: &Inputs) -> Vec<Vec<Option<String>>> {
    let mut by: BTreeMap<(String, String, String), (u64, &str)> = BTreeMap::new();
    for e in &inputs.risk_events {
        let entry =
            by.entry((day(e.ts), e.symbol.to_string(), e.gate.clone())).or_insert((0, e.reason.as_str()));
        entry.0 += 1;
        entry.1 = entry.1.min(e.reason.as_str());
    }
    by.into_iter()
        .map(|((day, symbol, gate), (n, reason))| {
            vec![Some(day), Some(symbol), Some(gate), Some(int(n)), Some(reason.to_owned())]
        })
        .collect()
}
