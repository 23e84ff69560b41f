//! Venue JSON (`models`) to domain types: filters to `SymbolRules`, kline rows to `Candle`s,
//! orders and trades to `ExecutionReport`s and `Fill`s with commissions in the quote asset (a base
//! commission is netted from the booked quantity: see [`booked_qty_and_fee`]).

use mirai_core::{
    Amount, Asset, Candle, ClientOrderId, Decimal, ExecutionReport, Fill, LotSize, NotionalFilter,
    OrderStatus, Price, PriceFilter, Qty, Quote, Side, Symbol, SymbolRules, Timestamp, TradeId,
};

use super::models::{Account, BookTicker, Filter, KlineRow, MyTrade, Order, SymbolInfo};
use crate::common::error::BinanceError;

type Result<T> = std::result::Result<T, BinanceError>;

fn bad(what: impl std::fmt::Display) -> BinanceError {
    BinanceError::Decode(what.to_string())
}

fn price(d: Decimal, what: &str) -> Result<Price> {
    Price::new_checked(d.normalize()).map_err(|e| bad(format!("{what}: {e}")))
}

fn qty(d: Decimal, what: &str) -> Result<Qty> {
    Qty::new_checked(d.normalize()).map_err(|e| bad(format!("{what}: {e}")))
}

pub fn symbol(s: &str) -> Result<Symbol> {
    Symbol::new_checked(s).map_err(bad)
}

pub fn asset(s: &str) -> Result<Asset> {
    Asset::new_checked(s).map_err(bad)
}

pub fn side(s: &str) -> Result<Side> {
    match s {
        "BUY" => Ok(Side::Buy),
        "SELL" => Ok(Side::Sell),
        other => Err(bad(format!("unknown side {other:?}"))),
    }
}

/// Binance's order status. `PENDING_NEW` (order-list legs not yet working) and `PENDING_CANCEL`
/// count as open: the order may still trade.
pub fn status(s: &str) -> Result<OrderStatus> {
    match s {
        "PENDING_NEW" | "PENDING_CANCEL" => Ok(OrderStatus::New),
        other => OrderStatus::parse(other).ok_or_else(|| bad(format!("unknown order status {other:?}"))),
    }
}

/// A symbol's filters as domain rules. Filters Mirai does not check locally are left to the
/// venue (which answers -1013 on them).
pub fn symbol_rules(info: &SymbolInfo) -> Result<SymbolRules> {
    let mut rules = SymbolRules {
        symbol: symbol(&info.symbol)?,
        base: asset(&info.base_asset)?,
        quote: asset(&info.quote_asset)?,
        price_filter: None,
        lot_size: None,
        market_lot_size: None,
        notional: None,
    };
    for f in &info.filters {
        match f {
            Filter::Price { min_price, max_price, tick_size } => {
                rules.price_filter = Some(PriceFilter {
                    min_price: price(*min_price, "minPrice")?,
                    max_price: price(*max_price, "maxPrice")?,
                    tick_size: price(*tick_size, "tickSize")?,
                });
            }
            Filter::LotSize { min_qty, max_qty, step_size } => {
                rules.lot_size = Some(lot(*min_qty, *max_qty, *step_size)?);
            }
            Filter::MarketLotSize { min_qty, max_qty, step_size } => {
                rules.market_lot_size = Some(lot(*min_qty, *max_qty, *step_size)?);
            }
            // NOTIONAL supersedes the legacy MIN_NOTIONAL when a symbol lists both.
            Filter::MinNotional { min_notional, apply_to_market } if rules.notional.is_none() => {
                rules.notional = Some(NotionalFilter {
                    min_notional: price(*min_notional, "minNotional")?,
                    apply_min_to_market: *apply_to_market,
                    max_notional: None,
                    apply_max_to_market: false,
                    legacy_min_notional: true,
                });
            }
            Filter::Notional { min_notional, apply_min_to_market, max_notional, apply_max_to_market } => {
                rules.notional = Some(NotionalFilter {
                    min_notional: price(*min_notional, "minNotional")?,
                    apply_min_to_market: *apply_min_to_market,
                    max_notional: max_notional.map(|m| price(m, "maxNotional")).transpose()?,
                    apply_max_to_market: *apply_max_to_market,
                    legacy_min_notional: false,
                });
            }
            Filter::MinNotional { .. } | Filter::Other => {}
        }
    }
    Ok(rules)
}

fn lot(min: Decimal, max: Decimal, step: Decimal) -> Result<LotSize> {
    Ok(LotSize {
        min_qty: qty(min, "minQty")?,
        max_qty: qty(max, "maxQty")?,
        step_size: qty(step, "stepSize")?,
    })
}

/// One kline row. A bar counts as closed once its close time is before `now_ms` (the server's
/// clock): the REST endpoint returns the forming bar last.
pub fn candle(symbol: Symbol, row: &KlineRow, now_ms: i64) -> Result<Candle> {
    let int = |i: usize| {
        row.get(i).and_then(serde_json::Value::as_i64).ok_or_else(|| bad(format!("kline field {i}")))
    };
    let dec = |i: usize| -> Result<Decimal> {
        row.get(i)
            .and_then(serde_json::Value::as_str)
            .and_then(|s| s.parse::<Decimal>().ok())
            .ok_or_else(|| bad(format!("kline field {i}")))
    };
    let close_time = int(6)?;
    Ok(Candle {
        symbol,
        open_time: Timestamp::from_millis(int(0)?),
        close_time: Timestamp::from_millis(close_time),
        open: price(dec(1)?, "open")?,
        high: price(dec(2)?, "high")?,
        low: price(dec(3)?, "low")?,
        close: price(dec(4)?, "close")?,
        volume: qty(dec(5)?, "volume")?,
        closed: close_time < now_ms,
    })
}

/// bookTicker has no time of its own; the caller supplies when it was read.
pub fn quote(bt: &BookTicker, time: Timestamp) -> Result<Quote> {
    Ok(Quote {
        symbol: symbol(&bt.symbol)?,
        time,
        bid: price(bt.bid_price, "bidPrice")?,
        bid_qty: qty(bt.bid_qty, "bidQty")?,
        ask: price(bt.ask_price, "askPrice")?,
        ask_qty: qty(bt.ask_qty, "askQty")?,
    })
}

/// An asset's balance on the exchange.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Balance {
    pub asset: Asset,
    pub free: Decimal,
    pub locked: Decimal,
}

impl Balance {
    pub fn total(&self) -> Decimal {
        self.free + self.locked
    }
}

/// Balances by asset. Assets whose codes Mirai cannot represent (none of the spot assets today)
/// are skipped with a warning rather than failing the whole account read.
pub fn balances(account: &Account) -> Vec<Balance> {
    account
        .balances
        .iter()
        .filter_map(|b| match Asset::new_checked(&b.asset) {
            Ok(asset) => Some(Balance { asset, free: b.free, locked: b.locked }),
            Err(e) => {
                tracing::warn!(asset = %b.asset, error = %e, "skipping an asset Mirai cannot name");
                None
            }
        })
        .collect()
}

/// A commission in the quote asset. Binance charges buyers in the base asset they receive unless
/// BNB pays: a base commission is valued at the fill price; a third asset (BNB) cannot be valued
/// here and counts as zero, with a warning, so the ledger understates that fee.
pub fn fee_in_quote(
    commission: Decimal,
    commission_asset: &str,
    fill_price: Price,
    base: Asset,
    quote: Asset,
) -> Amount {
    if commission.is_zero() || commission_asset == quote.as_str() {
        Amount::new(commission)
    } else if commission_asset == base.as_str() {
        Amount::new(commission * fill_price.get())
    } else {
        tracing::warn!(%commission, asset = commission_asset, "commission paid in a third asset is not valued in the quote asset");
        Amount::ZERO
    }
}

/// The quantity the ledger books for a trade of `traded` at `fill_price`, and its quote fee.
///
/// Mirai's `Fill` carries its fee in the quote asset, but Binance takes a buyer's commission out
/// of the base asset received (unless BNB pays). Booking the traded quantity with the commission
/// valued in quote would leave the ledger holding more base than the account and paying the fee
/// twice in cash. So a base commission `c` becomes: quantity `traded - c` on a buy (`traded + c`
/// on a sell, which gives `c` more away) and fee `c × price`. The cash then moves by exactly
/// `traded × price` either way, as on Binance, and the position equals the base balance change.
/// Quote commissions pass through unchanged; a third asset (BNB) is valued at zero, with a warning.
pub fn booked_qty_and_fee(
    side: Side,
    traded: Decimal,
    fill_price: Price,
    commission: Decimal,
    commission_asset: &str,
    (base, quote): (Asset, Asset),
) -> (Decimal, Amount) {
    let fee = fee_in_quote(commission, commission_asset, fill_price, base, quote);
    if commission.is_zero() || commission_asset != base.as_str() || base == quote {
        return (traded, fee);
    }
    let qty = match side {
        Side::Buy => traded - commission,
        Side::Sell => traded + commission,
    };
    (qty, fee)
}

fn client_id(s: &str) -> Result<ClientOrderId> {
    ClientOrderId::new_checked(s).map_err(bad)
}

/// An order response as a domain report, with the FULL response's fills. On a cancel the order's
/// own id is `origClientOrderId`; `clientOrderId` names the cancel.
pub fn execution_report(order: &Order, assets: (Asset, Asset)) -> Result<ExecutionReport> {
    let cid = client_id(
        order.orig_client_order_id.as_deref().filter(|s| !s.is_empty()).unwrap_or(&order.client_order_id),
    )?;
    let sym = symbol(&order.symbol)?;
    let status = match order.status.as_deref() {
        Some(s) => status(s)?,
        // ACK responses carry no status: the order was accepted.
        None => OrderStatus::New,
    };
    let ts =
        Timestamp::from_millis(order.transact_time.or(order.update_time).or(order.time).unwrap_or_default());
    let side = order.side.as_deref().map(side).transpose()?;
    let mut fills = Vec::with_capacity(order.fills.len());
    for f in &order.fills {
        let side = side.ok_or_else(|| bad("fills without a side"))?;
        let p = price(f.price, "fill price")?;
        let (booked, fee) = booked_qty_and_fee(side, f.qty, p, f.commission, &f.commission_asset, assets);
        fills.push(Fill {
            trade_id: TradeId::new(f.trade_id.to_string()),
            client_order_id: cid.clone(),
            symbol: sym,
            side,
            qty: qty(booked, "fill qty net of commission")?,
            price: p,
            fee,
            ts,
        });
    }
    Ok(ExecutionReport {
        client_order_id: cid,
        exchange_order_id: order.order_id,
        status,
        filled_qty: qty(order.executed_qty.unwrap_or_default(), "executedQty")?,
        fills,
    })
}

/// A trade from myTrades as a fill of the order `client_order_id`.
pub fn trade_fill(t: &MyTrade, client_order_id: &ClientOrderId, assets: (Asset, Asset)) -> Result<Fill> {
    let p = price(t.price, "trade price")?;
    let side = if t.is_buyer { Side::Buy } else { Side::Sell };
    let (booked, fee) = booked_qty_and_fee(side, t.qty, p, t.commission, &t.commission_asset, assets);
    Ok(Fill {
        trade_id: TradeId::new(t.id.to_string()),
        client_order_id: client_order_id.clone(),
        symbol: symbol(&t.symbol)?,
        side,
        qty: qty(booked, "trade qty net of commission")?,
        price: p,
        fee,
        ts: Timestamp::from_millis(t.time),
    })
}
