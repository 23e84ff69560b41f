//! Decisions with an external advisor (a language model): an entry signal becomes an
//! [`AdviceRequest`] the caller takes, asks about outside the engine (the engine does no I/O),
//! and answers with [`Engine::on_advice`]. Whatever the answer, sizing and every risk gate run
//! after it, in code: the model may decline an entry, lower its confidence and shrink its size,
//! never more. Exits (strategy sells, stops) never wait for a model.

use mirai_core::{
    Action, Advice, AdviceRequest, AdviceSource, Advisor, Clock, Decimal, Exposure, ExternalAdvice, Qty,
    Signal, Symbol, SymbolRules,
};

use super::{Engine, Outcome};

impl<A: Advisor, C: Clock> Engine<A, C> {
    /// Entries wait for an external advisor: each one is a request ([`Engine::take_advice_request`])
    /// answered with [`Engine::on_advice`]. Off by default (the rule-based advisor decides).
    pub fn with_model_advice(mut self, consult: bool) -> Self {
        self.consult = consult;
        self
    }

    pub fn consults_model(&self) -> bool {
        self.consult
    }

    /// The request for the entry now waiting for advice, once: the caller asks the model and
    /// answers with [`Engine::on_advice`].
    pub fn take_advice_request(&mut self) -> Option<AdviceRequest> {
        self.asked.take()
    }

    /// Whether an entry of `symbol` waits for advice.
    pub fn awaits_advice(&self, symbol: Symbol) -> bool {
        self.slots.iter().any(|s| s.symbol == symbol && s.awaiting.is_some())
    }

    /// Decides the entry waiting on `symbol` with `advice` (a model's validated answer, or the
    /// reason there is none, when the rule-based advisor decides instead). `None` when nothing
    /// waits. The gates judge the order at the clock's time now, not when the signal came.
    pub fn on_advice(&mut self, symbol: Symbol, advice: ExternalAdvice) -> Option<Outcome> {
        let idx = self.slots.iter().position(|s| s.symbol == symbol)?;
        let signal = self.slots[idx].awaiting.take()?;
        // Answered without being taken (a caller that had the request another way): it is spent.
        if self.asked.as_ref().is_some_and(|r| r.signal.symbol == symbol) {
            self.asked = None;
        }
        Some(self.decide(idx, signal, Some(advice)))
    }

    /// Parks `signal` and writes the request for it.
    pub(super) fn ask(&mut self, idx: usize, signal: Signal) {
        let symbol = signal.symbol;
        let (holdings, symbol_value) = self.portfolio.holdings_and_symbol_value(symbol);
        let cash = self.portfolio.cash();
        let equity = cash + holdings;
        let exposure = Exposure { equity, symbol_value, total_value: holdings };
        let request = AdviceRequest {
            position_qty: self.portfolio.position(symbol).map_or(Qty::ZERO, |p| p.qty),
            cash,
            equity,
            budget: self.risk.budget(&exposure, self.clock.now()),
            signal: signal.clone(),
        };
        self.slots[idx].awaiting = Some(signal);
        self.asked = Some(request);
    }
}

/// The advice a decision uses, the factor its buy size is multiplied by (none: the rules'
/// size), and who advised.
pub(super) fn merge(
    signal: &Signal,
    rules: Advice,
    external: ExternalAdvice,
) -> (Advice, Option<Decimal>, AdviceSource) {
    match external {
        ExternalAdvice::Fallback { model, reason, prompt_hash, usage } => {
            (rules, None, AdviceSource::fallback(model, reason, prompt_hash, usage))
        }
        ExternalAdvice::Model(m) => {
            let enter = m.enter && signal.action == Action::Buy;
            // The model can lower the confidence the gates judge, never raise it: a signal too
            // weak for MIN_CONFIDENCE by the rules stays too weak whatever the model says.
            let advice = Advice {
                action: if enter { Action::Buy } else { Action::Hold },
                confidence: m.confidence.min(rules.confidence),
                stop_loss: rules.stop_loss.filter(|_| enter),
                take_profit: rules.take_profit.filter(|_| enter),
                rationale: m.rationale,
                citations: m.citations,
            };
            // Validated upstream; clamped again here because the engine is the last word.
            let shrink = m.size_fraction.clamp(Decimal::ZERO, Decimal::ONE);
            let source = AdviceSource::model(m.model, m.prompt_hash, m.abstained, m.usage);
            (advice, Some(shrink), source)
        }
    }
}

/// `qty` times `factor` (at most 1), rounded down to the symbol's lot.
pub(super) fn shrink(qty: Qty, factor: Decimal, rules: Option<&SymbolRules>) -> Qty {
    if factor >= Decimal::ONE {
        return qty;
    }
    let scaled = Qty::new_checked(qty.get() * factor.max(Decimal::ZERO)).unwrap_or(Qty::ZERO);
    match rules {
        Some(r) => r.round_qty_down(scaled, true),
        None => scaled,
    }
}

#[cfg(test)]
mod tests;
