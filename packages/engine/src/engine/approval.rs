//! Orders held for a person's approval: the engine approved them, the worker did not send them.
//! The symbol stays busy while one waits (its slot's order is pending); a rejection or an expiry
//! frees it with [`Engine::on_order_closed`]; an approval runs every risk gate again at the price
//! of the moment ([`Engine::reapprove`]), so a person can never approve past a limit.

use mirai_core::{Advisor, Clock, Confidence, Exposure, OrderRequest, Price, RiskApproved, RiskRefused};

use super::Engine;

impl<A: Advisor, C: Clock> Engine<A, C> {
    /// News about `symbol` published at `at`: the news-embargo gate holds its entries for a
    /// while after it.
    pub fn on_news(&mut self, symbol: mirai_core::Symbol, at: mirai_core::Timestamp) {
        self.risk.note_news(symbol, at);
    }

    /// An order the gates approved is held, not placed: the trade it was counted as today is
    /// taken back until it is approved.
    pub fn hold(&mut self) {
        self.risk.uncount_trade();
    }

    /// The gates' verdict on a held order now: at the symbol's latest price (the order's
    /// reference price is updated to it), today's counters and the portfolio as it stands.
    pub fn reapprove(
        &mut self,
        mut order: OrderRequest,
        confidence: Confidence,
    ) -> Result<RiskApproved<OrderRequest>, RiskRefused<OrderRequest>> {
        let now = self.clock.now();
        if let Some(mark) = self.portfolio.mark_of(order.symbol).filter(|p: &Price| !p.is_zero()) {
            order.reference_price = mark;
        }
        let (holdings, symbol_value) = self.portfolio.holdings_and_symbol_value(order.symbol);
        let equity = self.portfolio.cash() + holdings;
        let exposure = Exposure { equity, symbol_value, total_value: holdings };
        self.risk.check(order, confidence, &exposure, now)
    }
}
