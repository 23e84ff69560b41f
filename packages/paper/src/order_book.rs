//! The exchange's order book of record: every accepted order by id, which are still open, and the
//! counters that make exchange order ids and trade ids deterministic.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

use mirai_core::{
    Asset, ClientOrderId, Decimal, ExecutionReport, Fill, OrderKind, OrderRequest, OrderStatus, Price, Qty,
    Side, Symbol, TimeInForce, Timestamp, TradeId,
};

/// A resting limit order, as `open_orders` reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenOrder {
    pub client_order_id: ClientOrderId,
    pub exchange_order_id: u64,
    pub symbol: Symbol,
    pub side: Side,
    pub price: Price,
    pub qty: Qty,
    pub time_in_force: TimeInForce,
    /// What the order holds until it fills or is cancelled: quote (notional plus fee) for a buy,
    /// base for a sell.
    pub locked_asset: Asset,
    pub locked: Decimal,
    pub placed_at: Timestamp,
}

/// Funds an open order holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Lock {
    pub(crate) asset: Asset,
    pub(crate) amount: Decimal,
}

#[derive(Clone, Debug)]
pub(crate) struct OrderRecord {
    pub(crate) exchange_order_id: u64,
    pub(crate) request: OrderRequest,
    pub(crate) status: OrderStatus,
    pub(crate) fills: Vec<Fill>,
    pub(crate) placed_at: Timestamp,
    pub(crate) lock: Option<Lock>,
}

impl OrderRecord {
    pub(crate) fn report(&self) -> ExecutionReport {
        ExecutionReport {
            client_order_id: self.request.client_order_id.clone(),
            exchange_order_id: self.exchange_order_id,
            status: self.status,
            filled_qty: self.fills.iter().map(|f| f.qty).fold(Qty::ZERO, |a, b| a + b),
            fills: self.fills.clone(),
        }
    }

    fn as_open(&self) -> Option<OpenOrder> {
        let (OrderKind::Limit { price, time_in_force }, Some(lock)) = (self.request.kind, self.lock) else {
            return None;
        };
        Some(OpenOrder {
            client_order_id: self.request.client_order_id.clone(),
            exchange_order_id: self.exchange_order_id,
            symbol: self.request.symbol,
            side: self.request.side,
            price,
            qty: self.request.qty,
            time_in_force,
            locked_asset: lock.asset,
            locked: lock.amount,
            placed_at: self.placed_at,
        })
    }
}

#[derive(Clone, Debug)]
pub(crate) struct OrderBook {
    records: BTreeMap<u64, OrderRecord>,
    by_client_id: HashMap<ClientOrderId, u64, BuildHasherDefault<Fnv>>,
    /// Ordered by exchange id, so resting orders match first come, first served.
    open: BTreeSet<u64>,
    next_order_id: u64,
    next_trade: u64,
    /// Whether orders that close on arrival (market fills, expiries) are kept for `query`.
    pub(crate) keep_closed_on_arrival: bool,
}

impl Default for OrderBook {
    fn default() -> Self {
        Self {
            records: BTreeMap::new(),
            by_client_id: HashMap::default(),
            open: BTreeSet::new(),
            next_order_id: 1,
            next_trade: 1,
            keep_closed_on_arrival: true,
        }
    }
}

impl OrderBook {
    pub(crate) fn contains(&self, id: &ClientOrderId) -> bool {
        self.by_client_id.contains_key(id)
    }

    pub(crate) fn get(&self, id: &ClientOrderId) -> Option<&OrderRecord> {
        self.by_client_id.get(id).and_then(|n| self.records.get(n))
    }

    pub(crate) fn get_by_number(&self, n: u64) -> Option<&OrderRecord> {
        self.records.get(&n)
    }

    /// Records an accepted order (with its fill, if it filled on arrival) and gives it the next
    /// exchange order id. The fill of an order not kept (closed on arrival, without closed-order
    /// history) is handed back beside the report instead of in its `fills`, which are then empty:
    /// a backtest books that one fill straight away, and a vector for it is an allocation per
    /// order. Without a fill the second part is always `None`.
    pub(crate) fn accept(
        &mut self,
        request: &OrderRequest,
        status: OrderStatus,
        placed_at: Timestamp,
        lock: Option<Lock>,
        fill: Option<Fill>,
    ) -> (ExecutionReport, Option<Fill>) {
        let n = self.next_order_id;
        self.next_order_id += 1;
        if !self.keep_closed_on_arrival && !status.is_open() {
            // Nothing will ask about it again: the report is all that remains.
            let filled_qty = fill.as_ref().map_or(Qty::ZERO, |f| f.qty);
            let report = ExecutionReport {
                client_order_id: request.client_order_id.clone(),
                exchange_order_id: n,
                status,
                filled_qty,
                fills: Vec::new(),
            };
            return (report, fill);
        }
        let request = request.clone();
        self.by_client_id.insert(request.client_order_id.clone(), n);
        if status.is_open() {
            self.open.insert(n);
        }
        let record = OrderRecord {
            exchange_order_id: n,
            request,
            status,
            fills: fill.into_iter().collect(),
            placed_at,
            lock,
        };
        let report = record.report();
        self.records.insert(n, record);
        (report, None)
    }

    /// Closes an order with `status` and hands back the funds it held, for the caller to release
    /// or spend.
    pub(crate) fn close(&mut self, n: u64, status: OrderStatus) -> Option<Lock> {
        self.open.remove(&n);
        let rec = self.records.get_mut(&n)?;
        rec.status = status;
        rec.lock.take()
    }

    pub(crate) fn add_fill(&mut self, n: u64, fill: Fill) {
        if let Some(rec) = self.records.get_mut(&n) {
            rec.fills.push(fill);
        }
    }

    #[inline]
    pub(crate) fn has_open(&self) -> bool {
        !self.open.is_empty()
    }

    pub(crate) fn open_numbers(&self, symbol: Symbol) -> Vec<u64> {
        self.open
            .iter()
            .copied()
            .filter(|n| self.records.get(n).is_some_and(|r| r.request.symbol == symbol))
            .collect()
    }

    pub(crate) fn open_orders(&self) -> Vec<OpenOrder> {
        self.open.iter().filter_map(|n| self.records.get(n).and_then(OrderRecord::as_open)).collect()
    }

    pub(crate) fn next_trade_id(&mut self) -> TradeId {
        // `paper-N`, written straight into the id, inline (one per fill, thousands per backtest).
        let t = TradeId::numbered("paper-", self.next_trade);
        self.next_trade += 1;
        t
    }

    /// Continues numbering after a restart so new ids never collide with stored ones. Never moves
    /// a counter backwards.
    pub(crate) fn resume_ids(&mut self, next_order_id: u64, next_trade: u64) {
        self.next_order_id = self.next_order_id.max(next_order_id);
        self.next_trade = self.next_trade.max(next_trade);
    }
}

/// FNV-1a for the client-order-id index: the ids are short and come from our own engine, so
/// SipHash's flooding resistance buys nothing and costs most of a lookup.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}
