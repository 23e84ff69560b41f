//! `PaperExchange`: the state of the simulated venue (rules, balances, prices, orders) and the
//! read side of its API. Submitting and matching live in `submit.rs` and `matching.rs`.

use std::collections::BTreeMap;

use mirai_core::{
    Amount, Asset, ClientOrderId, Decimal, ExecutionReport, Fill, OrderRequest, Price, Qty, Side, Symbol,
    SymbolRules, Timestamp,
};

use crate::balance::{Balance, Insufficient, NegativeBalance, Wallet};
use crate::config::{ConfigError, PaperConfig};
use crate::mark::{Mark, Marks};
use crate::order_book::{Lock, OpenOrder, OrderBook};
use crate::pricing::{self, Charge};

/// A deterministic, single-threaded exchange: the same calls in the same order give the same
/// fills, ids and balances, on any machine.
#[derive(Clone, Debug)]
pub struct PaperExchange {
    pub(crate) fee_rate: Decimal,
    /// `1 + fee_rate`, for the range check of every order: the rate never changes.
    pub(crate) cost_factor: Decimal,
    pub(crate) slippage_bps: Decimal,
    pub(crate) rules: BTreeMap<Symbol, SymbolRules>,
    pub(crate) wallet: Wallet,
    pub(crate) marks: Marks,
    pub(crate) book: OrderBook,
}

impl PaperExchange {
    pub fn new(config: PaperConfig) -> Result<Self, ConfigError> {
        config.validate()?;
        let mut wallet = Wallet::default();
        for (asset, amount) in config.balances {
            wallet.set_free(asset, amount).map_err(|e| ConfigError { problems: vec![e.to_string()] })?;
        }
        Ok(Self {
            fee_rate: config.fee_rate,
            cost_factor: Decimal::ONE + config.fee_rate,
            slippage_bps: config.slippage_bps,
            rules: config.rules.into_iter().map(|r| (r.symbol, r)).collect(),
            wallet,
            marks: Marks::default(),
            book: OrderBook::default(),
        })
    }

    /// Forgets orders that close the moment they arrive (market fills, expiries) once their
    /// report is returned: `query` no longer finds them and a resend of one is not recognised as
    /// a duplicate. For a backtest, which never asks and never resends (every decision has its
    /// own id); it saves storing every order of a long run. Resting orders are kept as always.
    pub fn without_closed_order_history(mut self) -> Self {
        self.book.keep_closed_on_arrival = false;
        self
    }

    /// The state of an order by our id, open or closed. `None` if it never was accepted or
    /// belongs to another symbol.
    pub fn query(&self, symbol: Symbol, client_order_id: &ClientOrderId) -> Option<ExecutionReport> {
        self.book.get(client_order_id).filter(|r| r.request.symbol == symbol).map(|r| r.report())
    }

    /// Resting orders, oldest first.
    pub fn open_orders(&self) -> Vec<OpenOrder> {
        self.book.open_orders()
    }

    /// Every asset the account has held, sorted by asset code.
    pub fn balances(&self) -> Vec<Balance> {
        self.wallet.balances()
    }

    /// Sets the free balance of `asset`, leaving what open orders lock untouched. The worker calls
    /// this on restart to rebuild the account from its ledger.
    pub fn set_balance(&mut self, asset: Asset, free: Decimal) -> Result<(), NegativeBalance> {
        self.wallet.set_free(asset, free)
    }

    /// The last price seen: a candle's close, or a quote's mid-price.
    pub fn last_price(&self, symbol: Symbol) -> Option<Price> {
        self.marks.get(&symbol).map(Mark::last)
    }

    pub fn rules(&self, symbol: Symbol) -> Option<&SymbolRules> {
        self.rules.get(&symbol)
    }

    /// After a restart, continue numbering orders and trades where the previous run stopped, so
    /// a new "paper-1" never collides with a stored fill (fills are stored keyed by trade id).
    /// Counters only move forward.
    pub fn resume_ids(&mut self, next_exchange_order_id: u64, next_trade_number: u64) {
        self.book.resume_ids(next_exchange_order_id, next_trade_number);
    }

    /// Moves the money for a fill on arrival, from free balance. The one fallible step, the
    /// debit, comes first, so either all of it happens or none.
    pub(crate) fn settle_from_free(
        &mut self,
        (base, quote): (Asset, Asset),
        side: Side,
        qty: Qty,
        charge: Charge,
    ) -> Result<(), Insufficient> {
        match side {
            Side::Buy => {
                self.wallet.debit(quote, charge.buy_cost())?;
                self.wallet.credit(base, qty.get());
            }
            Side::Sell => {
                self.wallet.debit(base, qty.get())?;
                self.wallet.credit(quote, charge.sell_proceeds());
            }
        }
        Ok(())
    }

    /// Moves the money for a resting order's fill out of what it locked.
    pub(crate) fn settle_from_lock(
        &mut self,
        assets: (Asset, Asset),
        side: Side,
        price: Price,
        qty: Qty,
        lock: Lock,
    ) {
        let pay = match side {
            Side::Buy => pricing::buy_cost(price, qty, self.fee_rate),
            Side::Sell => qty.get(),
        };
        self.wallet.spend_locked(lock.asset, lock.amount);
        // A lock is sized for the worst price the order accepts; any surplus goes back.
        self.wallet.credit(lock.asset, lock.amount - pay);
        self.receive(assets, side, price, qty);
    }

    fn receive(&mut self, (base, quote): (Asset, Asset), side: Side, price: Price, qty: Qty) {
        match side {
            Side::Buy => self.wallet.credit(base, qty.get()),
            Side::Sell => {
                let proceeds = pricing::sell_proceeds(price, qty, self.fee_rate);
                self.wallet.credit(quote, proceeds);
            }
        }
    }

    /// A fill with the next trade id; call it only once the money has moved.
    pub(crate) fn new_fill(&mut self, req: &OrderRequest, price: Price, qty: Qty, ts: Timestamp) -> Fill {
        self.new_fill_with_fee(req, price, qty, ts, pricing::fee(price, qty, self.fee_rate))
    }

    /// As [`PaperExchange::new_fill`], with the fee already worked out.
    pub(crate) fn new_fill_with_fee(
        &mut self,
        req: &OrderRequest,
        price: Price,
        qty: Qty,
        ts: Timestamp,
        fee: Amount,
    ) -> Fill {
        Fill {
            trade_id: self.book.next_trade_id(),
            client_order_id: req.client_order_id.clone(),
            symbol: req.symbol,
            side: req.side,
            qty,
            price,
            fee,
            ts,
        }
    }
}
