//! The model's use per UTC day and model: decisions it was asked for, calls actually made (an
//! answer replayed from the call log, or a call the breaker or budget held back, is none),
//! fallbacks to the rules, tokens, cost and latency.

use std::collections::BTreeMap;

use mirai_core::AdviceSource;
use rust_decimal::Decimal;

use crate::cell::{day, int, number, rounded};
use crate::inputs::Inputs;

#[derive(Debug, Default)]
struct Usage {
    decisions: u64,
    calls: u64,
    fallbacks: u64,
    tokens_in: u64,
    tokens_out: u64,
    cost: Decimal,
    latency_sum: u64,
    latency_max: Option<u64>,
}

pub(crate) fn rows(inputs: &Inputs) -> Vec<Vec<Option<String>>> {
    let mut by: BTreeMap<(String, String), Usage> = BTreeMap::new();
    for d in &inputs.decisions {
        let (model, fallback) = match &d.advisor {
            AdviceSource::Rules => continue,
            AdviceSource::Model(m) => (&m.model, false),
            AdviceSource::Fallback(f) => (&f.model, true),
        };
        let u = by.entry((day(d.ts), model.clone())).or_default();
        u.decisions += 1;
        u.fallbacks += u64::from(fallback);
        if let Some(call) = d.advisor.usage() {
            u.calls += 1;
            u.tokens_in += u64::from(call.tokens_in);
            u.tokens_out += u64::from(call.tokens_out);
            u.cost += call.cost_usd;
            u.latency_sum += call.latency_ms;
            u.latency_max = Some(u.latency_max.unwrap_or(0).max(call.latency_ms));
        }
    }
    by.into_iter()
        .map(|((day, model), u)| {
            vec![
                Some(day),
                Some(model),
                Some(int(u.decisions)),
                Some(int(u.calls)),
                Some(int(u.fallbacks)),
                Some(int(u.tokens_in)),
                Some(int(u.tokens_out)),
                Some(number(u.cost)),
                (u.calls > 0).then(|| rounded(Decimal::from(u.latency_sum) / Decimal::from(u.calls), 0)),
                u.latency_max.map(int),
            ]
        })
        .collect()
}
