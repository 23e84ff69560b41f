//! Placing and cancelling orders: Binance's checks in Binance's order, then an immediate fill,
//! a resting order with its funds locked, or an expiry.

use mirai_core::{
    Asset, ClientOrderId, Decimal, ExchangeError, ExecutionReport, Fill, OrderKind, OrderRequest,
    OrderStatus, Price, Qty, Side, Symbol, TimeInForce, Timestamp,
};

use crate::exchange::PaperExchange;
use crate::order_book::Lock;
use crate::pricing::{self, Charge};
use crate::reject::PaperReject;

impl PaperExchange {
    /// Places an order at time `now`. Market orders fill completely at once at the last price
    /// moved by slippage; marketable limit orders fill at once at the better of their limit and
    /// that price; other GTC limits rest with their funds locked; other IOC and FOK limits expire.
    /// A refused order leaves no trace: balances, ids and the book are unchanged.
    ///
    /// The exchange judges orders as a venue does, by its own rules; whether an order passed the
    /// risk gates is the executor's concern ([`crate::PaperExecutor`] takes only approved ones).
    pub fn submit(&mut self, order: &OrderRequest, now: Timestamp) -> Result<ExecutionReport, ExchangeError> {
        let (mut report, apart) = self.try_submit(order, now).map_err(ExchangeError::from)?;
        if let Some(fill) = apart {
            report.fills = vec![fill];
        }
        Ok(report)
    }

    /// As [`PaperExchange::submit`], except that without closed-order history
    /// ([`PaperExchange::without_closed_order_history`]) the fill of an order filled on arrival
    /// comes beside the report instead of in its `fills` (then empty): book it before the report.
    /// For a backtest, which books that one fill at once; building a vector for it cost an
    /// allocation per order.
    pub fn submit_apart(
        &mut self,
        order: &OrderRequest,
        now: Timestamp,
    ) -> Result<(ExecutionReport, Option<Fill>), ExchangeError> {
        self.try_submit(order, now).map_err(ExchangeError::from)
    }

    /// Cancels an open order and releases what it locked. A closed or unknown order answers
    /// -2011 "Unknown order sent.", as on Binance. `now` is taken for parity with the venue; the
    /// report carries no time.
    pub fn cancel(
        &mut self,
        symbol: Symbol,
        client_order_id: &ClientOrderId,
        _now: Timestamp,
    ) -> Result<ExecutionReport, ExchangeError> {
        self.try_cancel(symbol, client_order_id).map_err(ExchangeError::from)
    }

    fn try_submit(
        &mut self,
        req: &OrderRequest,
        now: Timestamp,
    ) -> Result<(ExecutionReport, Option<Fill>), PaperReject> {
        let rules = self.rules.get(&req.symbol).ok_or(PaperReject::UnknownSymbol)?;
        let assets = (rules.base, rules.quote);
        if req.qty.is_zero() {
            return Err(PaperReject::ZeroQuantity);
        }
        if req.kind.limit_price().is_some_and(Price::is_zero) {
            return Err(PaperReject::ZeroPrice);
        }
        // Before the filters: a resend of an order we already took must be told so, not judged
        // again against prices that have moved since.
        if self.book.contains(&req.client_order_id) {
            return Err(PaperReject::DuplicateOrder);
        }
        let mark = self.marks.get(&req.symbol).copied();
        let tick = rules.price_filter.map(|f| f.tick_size);
        match req.kind {
            OrderKind::Market => {
                let mark = mark.ok_or(PaperReject::NoMarketPrice(req.symbol))?;
                let price = pricing::taker_price(mark.for_taker(req.side), req.side, self.slippage_bps, tick);
                self.ensure_in_range(mark.last().max(price), req.qty)?;
                rules.check(&req.kind, req.qty, mark.last())?;
                self.fill_on_arrival(req, assets, price, now)
            }
            OrderKind::Limit { price: limit, time_in_force } => {
                let touch = mark.map(|m| m.for_taker(req.side));
                let fill_price = touch.filter(|&t| crosses(req.side, t, limit)).map(|t| {
                    let slipped = pricing::taker_price(t, req.side, self.slippage_bps, tick);
                    better(req.side, limit, slipped)
                });
                self.ensure_in_range(limit.max(fill_price.unwrap_or(limit)), req.qty)?;
                // The limit price stands in for the market in the notional check.
                rules.check(&req.kind, req.qty, limit)?;
                let lock = self.lock_for(req, assets, limit);
                // Binance checks funds at the limit price even when the order would fill better.
                self.wallet
                    .ensure_free(lock.asset, lock.amount)
                    .map_err(|_| PaperReject::InsufficientBalance)?;
                match fill_price {
                    Some(price) => self.fill_on_arrival(req, assets, price, now),
                    None if time_in_force == TimeInForce::Gtc => Ok((self.rest(req, lock, now)?, None)),
                    None => Ok((self.expire(req, now), None)),
                }
            }
        }
    }

    fn fill_on_arrival(
        &mut self,
        req: &OrderRequest,
        assets: (Asset, Asset),
        price: Price,
        now: Timestamp,
    ) -> Result<(ExecutionReport, Option<Fill>), PaperReject> {
        let charge = Charge::new(price, req.qty, self.fee_rate);
        self.settle_from_free(assets, req.side, req.qty, charge)
            .map_err(|_| PaperReject::InsufficientBalance)?;
        let fill = self.new_fill_with_fee(req, price, req.qty, now, charge.fee);
        Ok(self.book.accept(req, OrderStatus::Filled, now, None, Some(fill)))
    }

    fn rest(
        &mut self,
        req: &OrderRequest,
        lock: Lock,
        now: Timestamp,
    ) -> Result<ExecutionReport, PaperReject> {
        self.wallet.lock(lock.asset, lock.amount).map_err(|_| PaperReject::InsufficientBalance)?;
        Ok(self.book.accept(req, OrderStatus::New, now, Some(lock), None).0)
    }

    fn expire(&mut self, req: &OrderRequest, now: Timestamp) -> ExecutionReport {
        self.book.accept(req, OrderStatus::Expired, now, None, None).0
    }

    fn try_cancel(&mut self, symbol: Symbol, id: &ClientOrderId) -> Result<ExecutionReport, PaperReject> {
        let n = self
            .book
            .get(id)
            .filter(|r| r.request.symbol == symbol && r.status.is_open())
            .map(|r| r.exchange_order_id)
            .ok_or(PaperReject::UnknownOrder)?;
        if let Some(lock) = self.book.close(n, OrderStatus::Canceled) {
            self.wallet.unlock(lock.asset, lock.amount);
        }
        self.query(symbol, id).ok_or(PaperReject::UnknownOrder)
    }

    /// Refuses numbers whose cost would overflow, before any arithmetic that would panic on them.
    #[inline]
    fn ensure_in_range(&self, price: Price, qty: Qty) -> Result<(), PaperReject> {
        if surely_in_range(price.get(), qty.get(), self.cost_factor) {
            return Ok(());
        }
        price
            .get()
            .checked_mul(qty.get())
            .and_then(|n| n.checked_mul(self.cost_factor))
            .map(|_| ())
            .ok_or(PaperReject::OutOfRange)
    }

    /// What a resting order holds: quote for notional plus fee at the limit for a buy, the base
    /// quantity for a sell.
    fn lock_for(&self, req: &OrderRequest, (base, quote): (Asset, Asset), limit: Price) -> Lock {
        match req.side {
            Side::Buy => Lock { asset: quote, amount: pricing::buy_cost(limit, req.qty, self.fee_rate) },
            Side::Sell => Lock { asset: base, amount: req.qty.get() },
        }
    }
}

/// Whether `price × qty × factor` is known to fit without `rust_decimal`'s checked products:
/// the mantissas multiplied in integers stay below 2^96 at a scale of at most 28, so each product
/// is exact and cannot overflow (every order of a backtest; the rest take the checked way).
#[inline]
fn surely_in_range(price: Decimal, qty: Decimal, factor: Decimal) -> bool {
    let mantissa = |d: Decimal| u64::try_from(d.mantissa().unsigned_abs()).ok().map(u128::from);
    // A zero factor would hide an overflowing `price × qty`.
    let (Some(p), Some(q), Some(f @ 1..)) = (mantissa(price), mantissa(qty), mantissa(factor)) else {
        return false;
    };
    let product = (p * q).checked_mul(f);
    price.scale() + qty.scale() + factor.scale() <= Decimal::MAX_SCALE
        && product.is_some_and(|n| n >> 96 == 0)
}

/// Whether a taker price `touch` reaches a limit on `side`: an ask at or below a buy limit, a bid
/// at or above a sell limit.
pub(crate) fn crosses(side: Side, touch: Price, limit: Price) -> bool {
    match side {
        Side::Buy => touch <= limit,
        Side::Sell => touch >= limit,
    }
}

/// The better price for the order's owner.
fn better(side: Side, limit: Price, market: Price) -> Price {
    match side {
        Side::Buy => limit.min(market),
        Side::Sell => limit.max(market),
    }
}
