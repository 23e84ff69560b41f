//! The account and its orders: Binance's order semantics (types, response types, ids, trades,
//! execution reports) on top of the paper matching engine, which does the matching, filters,
//! balances and fees.

use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;

use mirai_core::{
    Asset, Candle, ClientOrderId, Decimal, DecisionId, Fill, MarketEvent, OrderKind, OrderRequest,
    OrderStatus, Price, Qty, Quote, Side, Symbol, SymbolRules, TimeInForce, Timestamp,
};
use mirai_paper::{PaperConfig, PaperExchange};
use serde_json::{Value, json};

use crate::config::SimConfig;
use crate::error::{ApiError, SimError};
use crate::params::Params;
use crate::render::{RespType, d8, order_json};

/// Binance's order details that the paper engine does not keep.
#[derive(Clone, Debug)]
pub(crate) struct OrderMeta {
    pub order_id: u64,
    pub symbol: Symbol,
    /// Fees are charged in it.
    pub quote_asset: Asset,
    pub client_order_id: ClientOrderId,
    pub side: Side,
    pub order_type: &'static str,
    pub time_in_force: &'static str,
    /// Zero for market orders, as Binance reports them.
    pub price: Decimal,
    pub orig_qty: Decimal,
    pub orig_quote_qty: Decimal,
    pub time: i64,
    pub update_time: i64,
}

/// The order's live state, from the matching engine.
#[derive(Clone, Debug)]
pub(crate) struct OrderState {
    pub meta: OrderMeta,
    pub status: OrderStatus,
    pub executed: Decimal,
    pub quote_executed: Decimal,
    pub fills: Vec<Fill>,
    /// Each fill's commission and its asset, in the order of `fills`.
    pub commissions: Vec<(Decimal, String)>,
}

/// One of the account's trades, as myTrades reports it.
#[derive(Clone, Debug)]
pub(crate) struct TradeRow {
    pub id: i64,
    pub order_id: u64,
    pub symbol: Symbol,
    pub price: Price,
    pub qty: Qty,
    pub commission: Decimal,
    pub commission_asset: String,
    pub time: i64,
    pub is_buyer: bool,
    pub is_maker: bool,
}

#[derive(Debug)]
pub(crate) struct SimExchange {
    paper: PaperExchange,
    rules: BTreeMap<Symbol, SymbolRules>,
    orders: BTreeMap<u64, OrderMeta>,
    by_client: HashMap<ClientOrderId, u64>,
    trades: Vec<TradeRow>,
    /// Commissions not charged in the quote asset, by the paper engine's trade id.
    base_commissions: HashMap<String, (Decimal, Asset)>,
    fee_rate: Decimal,
    buyer_fee_in_base: bool,
    next_cancel_id: u64,
    /// executionReports waiting to be pushed to user-data subscribers.
    pub outbox: Vec<Value>,
}

/// A parsed new-order request.
struct NewOrder {
    symbol: Symbol,
    side: Side,
    order_type: &'static str,
    kind: OrderKind,
    qty: Qty,
    quote_qty: Decimal,
    client_order_id: ClientOrderId,
    resp: RespType,
}

impl SimExchange {
    pub fn new(config: &SimConfig) -> Result<Self, SimError> {
        let paper = PaperExchange::new(PaperConfig {
            fee_rate: config.fee_rate,
            slippage_bps: config.slippage_bps,
            rules: config.symbols.iter().map(|s| s.rules.clone()).collect(),
            balances: config.balances.clone(),
        })
        .map_err(|e| SimError::Config(e.to_string()))?;
        Ok(Self {
            paper,
            rules: config.symbols.iter().map(|s| (s.rules.symbol, s.rules.clone())).collect(),
            orders: BTreeMap::new(),
            by_client: HashMap::new(),
            trades: Vec::new(),
            base_commissions: HashMap::new(),
            fee_rate: config.fee_rate,
            buyer_fee_in_base: config.buyer_fee_in_base,
            next_cancel_id: 1,
            outbox: Vec::new(),
        })
    }

    pub fn symbol(&self, p: &Params) -> Result<Symbol, ApiError> {
        let s = p.require("symbol")?;
        let sym = Symbol::new_checked(s).map_err(|_| ApiError::unknown_symbol())?;
        if self.rules.contains_key(&sym) { Ok(sym) } else { Err(ApiError::unknown_symbol()) }
    }

    fn parse_new_order(&self, p: &Params, quote: Option<Quote>) -> Result<NewOrder, ApiError> {
        let symbol = self.symbol(p)?;
        let side = match p.require("side")? {
            "BUY" => Side::Buy,
            "SELL" => Side::Sell,
            _ => return Err(ApiError::bad(-1117, "Invalid side.")),
        };
        let order_type: &'static str = match p.require("type")? {
            "LIMIT" => "LIMIT",
            "MARKET" => "MARKET",
            "LIMIT_MAKER" => "LIMIT_MAKER",
            "STOP_LOSS" => {
                return Err(ApiError::bad(-2010, "Stop loss orders are not supported for this symbol."));
            }
            "STOP_LOSS_LIMIT" => {
                return Err(ApiError::bad(
                    -2010,
                    "Stop loss limit orders are not supported for this symbol.",
                ));
            }
            "TAKE_PROFIT" => {
                return Err(ApiError::bad(-2010, "Take profit orders are not supported for this symbol."));
            }
            "TAKE_PROFIT_LIMIT" => {
                return Err(ApiError::bad(
                    -2010,
                    "Take profit limit orders are not supported for this symbol.",
                ));
            }
            _ => return Err(ApiError::bad(-1116, "Invalid orderType.")),
        };
        let positive = |key: &str| -> Result<Option<Decimal>, ApiError> {
            match p.decimal(key)? {
                Some(d) if d <= Decimal::ZERO => Err(ApiError::illegal(key)),
                other => Ok(other),
            }
        };
        let price = positive("price")?;
        let quantity = positive("quantity")?;
        let quote_qty = positive("quoteOrderQty")?;
        let tif = match p.get("timeInForce") {
            None => None,
            Some("GTC") => Some(TimeInForce::Gtc),
            Some("IOC") => Some(TimeInForce::Ioc),
            Some("FOK") => Some(TimeInForce::Fok),
            Some(_) => return Err(ApiError::bad(-1115, "Invalid timeInForce.")),
        };
        if p.get("icebergQty").is_some() || p.get("stopPrice").is_some() || p.get("trailingDelta").is_some() {
            return Err(ApiError::bad(
                -1106,
                "Parameter 'stopPrice', 'trailingDelta' or 'icebergQty' sent when not required.",
            ));
        }
        let kind = match order_type {
            "MARKET" => {
                if tif.is_some() {
                    return Err(ApiError::bad(-1106, "Parameter 'timeInForce' sent when not required."));
                }
                OrderKind::Market
            }
            "LIMIT" => OrderKind::Limit {
                price: Price::new(price.ok_or_else(|| ApiError::mandatory("price"))?),
                time_in_force: tif.ok_or_else(|| ApiError::mandatory("timeInForce"))?,
            },
            _ => {
                // LIMIT_MAKER: a GTC limit that must not take liquidity.
                let limit = Price::new(price.ok_or_else(|| ApiError::mandatory("price"))?);
                if let Some(q) = quote {
                    let takes = match side {
                        Side::Buy => q.ask <= limit,
                        Side::Sell => q.bid >= limit,
                    };
                    if takes {
                        return Err(ApiError::bad(-2010, "Order would immediately match and take."));
                    }
                }
                OrderKind::Limit { price: limit, time_in_force: TimeInForce::Gtc }
            }
        };
        let rules = &self.rules[&symbol];
        let qty = match (quantity, quote_qty, order_type) {
            (Some(q), None, _) => Qty::new(q),
            (None, Some(quote_amount), "MARKET") => {
                // As many units as the quote amount buys at the touch, on the lot step.
                let q = quote.ok_or_else(|| ApiError::bad(-2010, "Market is closed."))?;
                let touch = if side == Side::Buy { q.ask } else { q.bid };
                rules.round_qty_down(Qty::new(quote_amount / touch.get()), true)
            }
            (Some(_), Some(_), _) => {
                return Err(ApiError::bad(-1106, "Parameter 'quoteOrderQty' sent when not required."));
            }
            _ => return Err(ApiError::mandatory("quantity")),
        };
        let client_order_id = match p.get("newClientOrderId") {
            Some(s) => ClientOrderId::new_checked(s).map_err(|_| {
                ApiError::bad(-1100, "Illegal characters found in parameter 'newClientOrderId'; legal range is '^[\\.A-Z\\:/a-z0-9_-]{1,36}$'.")
            })?,
            None => self.generated_id("x-sim-", self.orders.len() as u64 + 1),
        };
        let default_resp =
            if matches!(order_type, "MARKET" | "LIMIT") { RespType::Full } else { RespType::Ack };
        let resp = match p.get("newOrderRespType") {
            None => default_resp,
            Some("ACK") => RespType::Ack,
            Some("RESULT") => RespType::Result,
            Some("FULL") => RespType::Full,
            Some(_) => {
                return Err(ApiError::bad(-1130, "Data sent for parameter 'newOrderRespType' is not valid."));
            }
        };
        Ok(NewOrder {
            symbol,
            side,
            order_type,
            kind,
            qty,
            quote_qty: quote_qty.unwrap_or_default(),
            client_order_id,
            resp,
        })
    }

    fn generated_id(&self, prefix: &str, n: u64) -> ClientOrderId {
        // A short ASCII prefix and 16 hex digits: always a valid id.
        ClientOrderId::new_checked(&format!("{prefix}{n:016x}"))
            .expect("generated client order ids are valid")
    }

    /// `POST /api/v3/order/test`: everything but the matching engine.
    pub fn test_order(
        &self,
        p: &Params,
        quote: Option<Quote>,
        last: Option<Price>,
    ) -> Result<Value, ApiError> {
        let o = self.parse_new_order(p, quote)?;
        let market = last.ok_or_else(|| ApiError::bad(-2010, "Market is closed."))?;
        if o.qty.is_zero() {
            return Err(ApiError::bad(-1013, "Filter failure: LOT_SIZE"));
        }
        self.rules[&o.symbol]
            .check(&o.kind, o.qty, market)
            .map_err(|f| ApiError::bad(-1013, f.to_string()))?;
        Ok(json!({}))
    }

    /// `POST /api/v3/order`. `market_now` is market time (what the matching engine orders
    /// events by); `wall_ms` is what the API reports.
    pub fn new_order(
        &mut self,
        p: &Params,
        quote: Option<Quote>,
        market_now: Timestamp,
        wall_ms: i64,
    ) -> Result<(u64, RespType), ApiError> {
        let o = self.parse_new_order(p, quote)?;
        if o.qty.is_zero() {
            return Err(ApiError::bad(-1013, "Filter failure: LOT_SIZE"));
        }
        let reference = quote.map(|q| q.ask).unwrap_or(Price::ZERO);
        let req = OrderRequest {
            client_order_id: o.client_order_id.clone(),
            decision_id: DecisionId::from_stored("exchange-sim".into()),
            symbol: o.symbol,
            side: o.side,
            kind: o.kind,
            qty: o.qty,
            reference_price: reference,
            created_at: market_now,
        };
        let report = self.paper.submit(&req, market_now).map_err(|e| ApiError::bad(e.code, e.msg))?;
        let (price, tif) = match o.kind {
            OrderKind::Market => (Decimal::ZERO, "GTC"),
            OrderKind::Limit { price, time_in_force } => (price.get(), tif_str(time_in_force)),
        };
        let meta = OrderMeta {
            order_id: report.exchange_order_id,
            symbol: o.symbol,
            quote_asset: self.rules[&o.symbol].quote,
            client_order_id: o.client_order_id.clone(),
            side: o.side,
            order_type: o.order_type,
            time_in_force: tif,
            price,
            orig_qty: o.qty.get(),
            orig_quote_qty: o.quote_qty,
            time: wall_ms,
            update_time: wall_ms,
        };
        self.by_client.insert(meta.client_order_id.clone(), meta.order_id);
        self.orders.insert(meta.order_id, meta.clone());
        self.push_event(&meta, Exec::new("NEW", OrderStatus::New, Decimal::ZERO, Decimal::ZERO), wall_ms);
        let mut cum = Decimal::ZERO;
        let mut cum_quote = Decimal::ZERO;
        for f in &report.fills {
            self.charge(&meta, f);
            cum += f.qty.get();
            cum_quote += (f.price * f.qty).get();
            let status =
                if cum >= meta.orig_qty { OrderStatus::Filled } else { OrderStatus::PartiallyFilled };
            self.record_trade(&meta, f, false, wall_ms);
            self.push_event(
                &meta,
                Exec { fill: Some(f), ..Exec::new("TRADE", status, cum, cum_quote) },
                wall_ms,
            );
        }
        if report.status == OrderStatus::Expired {
            self.push_event(&meta, Exec::new("EXPIRED", OrderStatus::Expired, cum, cum_quote), wall_ms);
        }
        Ok((meta.order_id, o.resp))
    }

    /// The market's best bid and ask, before any order: market orders fill against them.
    pub fn mark(&mut self, quote: &Quote) {
        self.paper.on_market(&MarketEvent::Quote(*quote));
    }

    /// Resting orders filled by a market update (`candle`: the prices traded since the last one;
    /// `quote`: the book after it), reported and recorded as maker trades.
    pub fn on_market(&mut self, candle: &Candle, quote: &Quote, wall_ms: i64) {
        let mut fills = self.paper.on_market(&MarketEvent::Candle(*candle));
        fills.extend(self.paper.on_market(&MarketEvent::Quote(*quote)));
        for f in fills {
            let Some(meta) = self.by_client.get(&f.client_order_id).and_then(|n| self.orders.get(n)).cloned()
            else {
                continue;
            };
            if let Some(m) = self.orders.get_mut(&meta.order_id) {
                m.update_time = wall_ms;
            }
            self.charge(&meta, &f);
            self.record_trade(&meta, &f, true, wall_ms);
            let state = self.state(meta.order_id);
            let (cum, cum_quote, status) = state
                .map_or((f.qty.get(), (f.price * f.qty).get(), OrderStatus::Filled), |s| {
                    (s.executed, s.quote_executed, s.status)
                });
            self.push_event(
                &meta,
                Exec { fill: Some(&f), maker: true, ..Exec::new("TRADE", status, cum, cum_quote) },
                wall_ms,
            );
        }
    }

    /// With `buyer_fee_in_base`, moves a buy's commission from the quote asset (where the paper
    /// engine charged it) to the base asset received: the quote fee is refunded and
    /// `qty × fee_rate` of the base taken instead.
    fn charge(&mut self, meta: &OrderMeta, f: &Fill) {
        if !self.buyer_fee_in_base || meta.side != Side::Buy || f.fee.get().is_zero() {
            return;
        }
        let base = self.rules[&meta.symbol].base;
        let commission = (f.qty.get() * self.fee_rate).round_dp(8);
        let free = |paper: &PaperExchange, asset: Asset| {
            paper.balances().into_iter().find(|b| b.asset == asset).map_or(Decimal::ZERO, |b| b.free)
        };
        let quote_free = free(&self.paper, meta.quote_asset) + f.fee.get();
        let base_free = free(&self.paper, base) - commission;
        // The buyer has just received `qty` of the base, so both stay non-negative.
        if self.paper.set_balance(meta.quote_asset, quote_free).is_ok()
            && self.paper.set_balance(base, base_free).is_ok()
        {
            self.base_commissions.insert(f.trade_id.as_str().to_owned(), (commission, base));
        }
    }

    /// A fill's commission as Binance reports it: amount and asset.
    fn commission(&self, meta: &OrderMeta, f: &Fill) -> (Decimal, String) {
        match self.base_commissions.get(f.trade_id.as_str()) {
            Some((amount, asset)) => (*amount, asset.as_str().to_owned()),
            None => (f.fee.get(), meta.quote_asset.as_str().to_owned()),
        }
    }

    fn record_trade(&mut self, meta: &OrderMeta, f: &Fill, maker: bool, wall_ms: i64) {
        // The paper engine numbers trades "paper-N"; Binance ids are integers.
        let id = trade_number(f.trade_id.as_str()).unwrap_or(self.trades.len() as i64 + 1);
        let (commission, commission_asset) = self.commission(meta, f);
        self.trades.push(TradeRow {
            id,
            order_id: meta.order_id,
            symbol: meta.symbol,
            price: f.price,
            qty: f.qty,
            commission,
            commission_asset,
            time: wall_ms,
            is_buyer: meta.side == Side::Buy,
            is_maker: maker,
        });
    }

    fn push_event(&mut self, meta: &OrderMeta, e: Exec<'_>, wall_ms: i64) {
        let fill = e.fill;
        let commission = fill.map(|f| self.commission(meta, f));
        let trade_id = fill.and_then(|f| trade_number(f.trade_id.as_str())).unwrap_or(-1);
        self.outbox.push(json!({
            "e": "executionReport",
            "E": wall_ms,
            "s": meta.symbol.as_str(),
            "c": e.client_id.unwrap_or(meta.client_order_id.as_str()),
            "S": meta.side.as_str(),
            "o": meta.order_type,
            "f": meta.time_in_force,
            "q": d8(meta.orig_qty),
            "p": d8(meta.price),
            "P": d8(Decimal::ZERO),
            "F": d8(Decimal::ZERO),
            "g": -1,
            "C": e.orig_client_id,
            "x": e.exec,
            "X": e.status.as_str(),
            "r": "NONE",
            "i": meta.order_id,
            "l": d8(fill.map_or(Decimal::ZERO, |f| f.qty.get())),
            "z": d8(e.cum),
            "L": d8(fill.map_or(Decimal::ZERO, |f| f.price.get())),
            "n": d8(commission.as_ref().map_or(Decimal::ZERO, |c| c.0)),
            "N": commission.map(|c| c.1),
            "T": wall_ms,
            "t": trade_id,
            "I": 0,
            "w": e.status.is_open(),
            "m": e.maker,
            "M": false,
            "O": meta.time,
            "Z": d8(e.cum_quote),
            "Y": d8(fill.map_or(Decimal::ZERO, |f| (f.price * f.qty).get())),
            "Q": d8(meta.orig_quote_qty),
            "W": meta.time,
            "V": "NONE"
        }));
    }

    pub fn find(&self, symbol: Symbol, p: &Params) -> Result<Option<u64>, ApiError> {
        let by_id = p.int("orderId")?;
        let by_client = p.get("origClientOrderId");
        let n = match (by_id, by_client) {
            (Some(n), _) => u64::try_from(n).ok().filter(|n| self.orders.contains_key(n)),
            (None, Some(c)) => {
                ClientOrderId::new_checked(c).ok().and_then(|c| self.by_client.get(&c).copied())
            }
            (None, None) => {
                return Err(ApiError::bad(
                    -1102,
                    "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!",
                ));
            }
        };
        Ok(n.filter(|n| self.orders.get(n).is_some_and(|m| m.symbol == symbol)))
    }

    pub fn state(&self, order_id: u64) -> Option<OrderState> {
        let meta = self.orders.get(&order_id)?.clone();
        let report = self.paper.query(meta.symbol, &meta.client_order_id)?;
        let executed = report.filled_qty.get();
        let quote_executed = report.fills.iter().map(|f| (f.price * f.qty).get()).sum();
        let commissions = report.fills.iter().map(|f| self.commission(&meta, f)).collect();
        Some(OrderState {
            meta,
            status: report.status,
            executed,
            quote_executed,
            fills: report.fills,
            commissions,
        })
    }

    /// `DELETE /api/v3/order`.
    pub fn cancel(&mut self, p: &Params, wall_ms: i64) -> Result<Value, ApiError> {
        let symbol = self.symbol(p)?;
        let unknown = || ApiError::bad(-2011, "Unknown order sent.");
        let n = self.find(symbol, p)?.ok_or_else(unknown)?;
        let meta = self.orders[&n].clone();
        self.paper
            .cancel(symbol, &meta.client_order_id, Timestamp::from_millis(wall_ms))
            .map_err(|_| unknown())?;
        if let Some(m) = self.orders.get_mut(&n) {
            m.update_time = wall_ms;
        }
        let cancel_id = match p.get("newClientOrderId") {
            Some(s) => s.to_owned(),
            None => {
                self.next_cancel_id += 1;
                self.generated_id("x-cancel-", self.next_cancel_id).as_str().to_owned()
            }
        };
        let state = self.state(n).ok_or_else(unknown)?;
        self.push_event(
            &meta,
            Exec {
                client_id: Some(&cancel_id),
                orig_client_id: meta.client_order_id.as_str(),
                ..Exec::new("CANCELED", OrderStatus::Canceled, state.executed, state.quote_executed)
            },
            wall_ms,
        );
        let mut v = order_json(&state, RespType::Result, wall_ms);
        if let Some(obj) = v.as_object_mut() {
            obj.insert("origClientOrderId".into(), meta.client_order_id.as_str().into());
            obj.insert("clientOrderId".into(), cancel_id.into());
            obj.remove("workingTime");
        }
        Ok(v)
    }

    pub fn open_orders(&self, symbol: Option<Symbol>) -> Vec<OrderState> {
        self.paper
            .open_orders()
            .into_iter()
            .filter(|o| symbol.is_none_or(|s| s == o.symbol))
            .filter_map(|o| self.state(o.exchange_order_id))
            .collect()
    }

    pub fn trades(
        &self,
        symbol: Symbol,
        order_id: Option<u64>,
        from_id: Option<i64>,
        limit: usize,
    ) -> Vec<&TradeRow> {
        let matching = self.trades.iter().filter(|t| {
            t.symbol == symbol
                && order_id.is_none_or(|o| t.order_id == o)
                && from_id.is_none_or(|f| t.id >= f)
        });
        let all: Vec<&TradeRow> = matching.collect();
        if from_id.is_some() {
            all.into_iter().take(limit).collect()
        } else {
            all[all.len().saturating_sub(limit)..].to_vec()
        }
    }

    pub fn balances(&self) -> Vec<mirai_paper::Balance> {
        self.paper.balances()
    }

    pub fn order_count(&self) -> usize {
        self.orders.len()
    }

    pub fn orders_with_client_id(&self, id: &str) -> usize {
        self.orders.values().filter(|m| m.client_order_id.as_str() == id).count()
    }

    pub fn client_order_ids(&self) -> Vec<String> {
        self.orders.values().map(|m| m.client_order_id.as_str().to_owned()).collect()
    }

    pub fn trade_ids(&self) -> Vec<(Symbol, String)> {
        self.trades.iter().map(|t| (t.symbol, t.id.to_string())).collect()
    }
}

fn tif_str(t: TimeInForce) -> &'static str {
    match t {
        TimeInForce::Gtc => "GTC",
        TimeInForce::Ioc => "IOC",
        TimeInForce::Fok => "FOK",
    }
}

/// The paper engine names trades "paper-N"; Binance trade ids are the integers.
fn trade_number(id: &str) -> Option<i64> {
    id.rsplit('-').next().and_then(|n| i64::from_str(n).ok())
}

/// One executionReport's variable part.
struct Exec<'a> {
    exec: &'a str,
    status: OrderStatus,
    fill: Option<&'a Fill>,
    maker: bool,
    cum: Decimal,
    cum_quote: Decimal,
    /// `c`: the order's id, or a cancel's own id.
    client_id: Option<&'a str>,
    /// `C`: on a cancel, the cancelled order's id.
    orig_client_id: &'a str,
}

impl<'a> Exec<'a> {
    fn new(exec: &'a str, status: OrderStatus, cum: Decimal, cum_quote: Decimal) -> Self {
        Self { exec, status, fill: None, maker: false, cum, cum_quote, client_id: None, orig_client_id: "" }
    }
}
