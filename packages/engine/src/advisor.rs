//! `RuleBasedAdvisor`: the offline advisor used when no language model is configured. It turns a
//! strategy's signal into a confidence and a rationale a person can check, deterministically.

use mirai_core::{Action, Advice, Advisor, Citation, Decimal, Price, Signal};

use crate::text::{push_normalized, push_rounded};

#[derive(Clone, Debug)]
pub struct RuleBasedAdvisor {
    /// Stop-loss distance below an entry, as a fraction (0.02 = 2 %); none to place no stop.
    pub stop_loss_pct: Option<Decimal>,
    pub take_profit_pct: Option<Decimal>,
    /// Whether advice carries a rationale and citations in words. Off only where nobody reads
    /// them (a backtest's decisions are neither stored nor shown): confidence and stops are the
    /// same either way, the text is most of what advising costs.
    pub explain: bool,
}

impl Default for RuleBasedAdvisor {
    fn default() -> Self {
        Self {
            stop_loss_pct: Some(Decimal::new(2, 2)),
            take_profit_pct: Some(Decimal::new(4, 2)),
            explain: true,
        }
    }
}

impl RuleBasedAdvisor {
    /// No stops: what a backtest replicating another engine's plain strategy needs.
    pub fn without_stops() -> Self {
        Self { stop_loss_pct: None, take_profit_pct: None, explain: true }
    }
}

impl Advisor for RuleBasedAdvisor {
    fn advise(&self, signal: &Signal) -> Advice {
        // Half the confidence is the base rate of acting on any signal; the rest is earned by the
        // signal's own strength.
        let confidence = crate::confidence::from_strength(signal.strength);
        let entry = signal.action == Action::Buy;
        let offset = |pct: Option<Decimal>, sign: Decimal| {
            pct.filter(|_| entry)
                .and_then(|p| Price::new_checked(signal.price.get() * (Decimal::ONE + sign * p)).ok())
        };
        let stop_loss = offset(self.stop_loss_pct, -Decimal::ONE).map(round8);
        let take_profit = offset(self.take_profit_pct, Decimal::ONE).map(round8);
        if !self.explain {
            return Advice {
                action: signal.action,
                confidence,
                stop_loss,
                take_profit,
                rationale: String::new(),
                citations: Vec::new(),
            };
        }
        let mut rationale = String::with_capacity(signal.reason.len() + 160);
        rationale.push_str(if entry { "Buy " } else { "Sell " });
        rationale.push_str(signal.symbol.as_str());
        rationale.push_str(" at ");
        push_normalized(&mut rationale, signal.price.get());
        rationale.push_str(": ");
        rationale.push_str(&signal.reason);
        rationale.push_str(". Signal strength ");
        push_rounded(&mut rationale, signal.strength.get(), 3);
        rationale.push_str(" gives confidence ");
        push_rounded(&mut rationale, confidence.get(), 3);
        rationale.push('.');
        if let (Some(sl), Some(tp)) = (stop_loss, take_profit) {
            rationale.push_str(" Stop-loss ");
            push_normalized(&mut rationale, sl.get());
            rationale.push_str(", take-profit ");
            push_normalized(&mut rationale, tp.get());
            rationale.push('.');
        }
        if !entry {
            rationale.push_str(" Exits are never blocked by confidence.");
        }
        Advice {
            action: signal.action,
            confidence,
            stop_loss,
            take_profit,
            rationale,
            citations: vec![Citation::titled([signal.strategy, " indicator reading"].concat(), None)],
        }
    }
}

fn round8(p: Price) -> Price {
    Price::new(p.get().round_dp(8))
}

#[cfg(test)]
mod tests {
    use super::*;
    use mirai_core::{Confidence, Symbol, Timestamp};
    use rust_decimal_macros::dec;

    fn signal(action: Action, strength: Decimal) -> Signal {
        Signal {
            symbol: Symbol::new("BTCUSDT"),
            ts: Timestamp::from_millis(0),
            strategy: "sma-cross",
            action,
            price: Price::new(dec!(100)),
            strength: Confidence::clamped(strength),
            reason: "SMA(5) crossed above SMA(20)".into(),
        }
    }

    #[test]
    fn confidence_follows_strength_and_entries_get_stops() {
        let a = RuleBasedAdvisor::default().advise(&signal(Action::Buy, dec!(0.4)));
        assert_eq!(a.confidence.get(), dec!(0.70));
        assert_eq!(a.stop_loss.unwrap().get(), dec!(98));
        assert_eq!(a.take_profit.unwrap().get(), dec!(104));
        assert!(a.rationale.contains("SMA(5) crossed above SMA(20)"), "{}", a.rationale);
        let s = RuleBasedAdvisor::default().advise(&signal(Action::Sell, dec!(0)));
        assert_eq!(s.confidence.get(), dec!(0.5));
        assert!(s.stop_loss.is_none());
    }
}
