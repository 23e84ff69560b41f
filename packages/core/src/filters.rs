//! Exchange trading rules for one symbol (Binance's exchangeInfo filters), compared as decimals.
//! A failure carries the filter's Binance name so adapters and simulators can answer with -1013.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::{Asset, OrderKind, Price, Qty, Symbol};

/// PRICE_FILTER. A zero field is disabled, as on Binance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceFilter {
    pub min_price: Price,
    pub max_price: Price,
    pub tick_size: Price,
}

/// LOT_SIZE and MARKET_LOT_SIZE. A zero step is disabled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LotSize {
    pub min_qty: Qty,
    pub max_qty: Qty,
    pub step_size: Qty,
}

/// NOTIONAL (and the older MIN_NOTIONAL, which has no maximum).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotionalFilter {
    pub min_notional: Price,
    pub apply_min_to_market: bool,
    pub max_notional: Option<Price>,
    pub apply_max_to_market: bool,
    /// True for the legacy MIN_NOTIONAL filter (its failure is reported under that name).
    pub legacy_min_notional: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SymbolRules {
    pub symbol: Symbol,
    pub base: Asset,
    pub quote: Asset,
    pub price_filter: Option<PriceFilter>,
    pub lot_size: Option<LotSize>,
    pub market_lot_size: Option<LotSize>,
    pub notional: Option<NotionalFilter>,
}

/// The filter an order failed, by its Binance name ("LOT_SIZE", …).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("Filter failure: {0}")]
pub struct FilterFailure(pub &'static str);

impl SymbolRules {
    /// Rules shaped like a typical Binance spot symbol: one tick size, one lot step for limit and
    /// market orders (minimum one step, at most `max_qty`), and a minimum notional that applies to
    /// market orders too.
    pub fn spot(
        symbol: Symbol,
        base: Asset,
        quote: Asset,
        tick: Price,
        step: Qty,
        max_qty: Qty,
        min_notional: Price,
    ) -> Self {
        let lot = LotSize { min_qty: step, max_qty, step_size: step };
        Self {
            symbol,
            base,
            quote,
            price_filter: Some(PriceFilter { min_price: tick, max_price: Price::ZERO, tick_size: tick }),
            lot_size: Some(lot),
            market_lot_size: Some(lot),
            notional: Some(NotionalFilter {
                min_notional,
                apply_min_to_market: true,
                max_notional: None,
                apply_max_to_market: false,
                legacy_min_notional: false,
            }),
        }
    }

    /// Checks an order of `qty` with `kind`; `market_price` stands in for the price of market
    /// orders in notional checks (Binance uses the recent average price).
    pub fn check(&self, kind: &OrderKind, qty: Qty, market_price: Price) -> Result<(), FilterFailure> {
        if let (Some(pf), OrderKind::Limit { price, .. }) = (&self.price_filter, kind) {
            let p = price.get();
            let bad_min = !pf.min_price.is_zero() && p < pf.min_price.get();
            let bad_max = !pf.max_price.is_zero() && p > pf.max_price.get();
            let bad_tick =
                !pf.tick_size.is_zero() && !is_multiple(p - pf.min_price.get(), pf.tick_size.get());
            if bad_min || bad_max || bad_tick {
                return Err(FilterFailure("PRICE_FILTER"));
            }
        }
        if let Some(lot) = &self.lot_size {
            check_lot(lot, qty, "LOT_SIZE")?;
        }
        if let (true, Some(lot)) = (kind.is_market(), &self.market_lot_size) {
            check_lot(lot, qty, "MARKET_LOT_SIZE")?;
        }
        if let Some(nf) = &self.notional {
            let price = kind.limit_price().unwrap_or(market_price);
            let notional = price.get() * qty.get();
            let name = if nf.legacy_min_notional { "MIN_NOTIONAL" } else { "NOTIONAL" };
            let applies_min = !kind.is_market() || nf.apply_min_to_market;
            if applies_min && notional < nf.min_notional.get() {
                return Err(FilterFailure(name));
            }
            let applies_max = !kind.is_market() || nf.apply_max_to_market;
            if let Some(max) = nf.max_notional
                && applies_max
                && !max.is_zero()
                && notional > max.get()
            {
                return Err(FilterFailure(name));
            }
        }
        Ok(())
    }

    /// Rounds a quantity down to the step size (of MARKET_LOT_SIZE for market orders when it sets
    /// one), so that sized orders pass LOT_SIZE.
    pub fn round_qty_down(&self, qty: Qty, market: bool) -> Qty {
        let lot = if market {
            self.market_lot_size.filter(|l| !l.step_size.is_zero()).or(self.lot_size)
        } else {
            self.lot_size
        };
        match lot {
            Some(l) if !l.step_size.is_zero() => {
                let step = l.step_size.get();
                let rounded = (qty.get() / step).floor() * step;
                let capped = if !l.max_qty.is_zero() { rounded.min(l.max_qty.get()) } else { rounded };
                Qty::new(capped.max(Decimal::ZERO))
            }
            _ => qty,
        }
    }

    /// Rounds a price to the nearest tick.
    pub fn round_price(&self, price: Price) -> Price {
        match self.price_filter {
            Some(pf) if !pf.tick_size.is_zero() => {
                let t = pf.tick_size.get();
                Price::new(((price.get() / t).round() * t).max(Decimal::ZERO))
            }
            _ => price,
        }
    }
}

fn check_lot(lot: &LotSize, qty: Qty, name: &'static str) -> Result<(), FilterFailure> {
    let q = qty.get();
    let bad_min = q < lot.min_qty.get();
    let bad_max = !lot.max_qty.is_zero() && q > lot.max_qty.get();
    let bad_step = !lot.step_size.is_zero() && !is_multiple(q - lot.min_qty.get(), lot.step_size.get());
    if bad_min || bad_max || bad_step { Err(FilterFailure(name)) } else { Ok(()) }
}

fn is_multiple(value: Decimal, step: Decimal) -> bool {
    (value % step).is_zero()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TimeInForce;
    use rust_decimal_macros::dec;

    fn btc_rules() -> SymbolRules {
        crate::stubs::btcusdt_rules()
    }

    fn limit(p: Decimal) -> OrderKind {
        OrderKind::Limit { price: Price::new(p), time_in_force: TimeInForce::Gtc }
    }

    #[test]
    fn filters_are_compared_as_decimals() {
        let r = btc_rules();
        let mkt = Price::new(dec!(60000));
        assert_eq!(r.check(&limit(dec!(60000.01)), Qty::new(dec!(0.001)), mkt), Ok(()));
        assert_eq!(
            r.check(&limit(dec!(60000.005)), Qty::new(dec!(0.001)), mkt),
            Err(FilterFailure("PRICE_FILTER"))
        );
        assert_eq!(
            r.check(&limit(dec!(60000)), Qty::new(dec!(0.000015)), mkt),
            Err(FilterFailure("LOT_SIZE"))
        );
        assert_eq!(
            r.check(&limit(dec!(60000)), Qty::new(dec!(0.00001)), mkt),
            Err(FilterFailure("NOTIONAL"))
        );
        assert_eq!(
            r.check(&OrderKind::Market, Qty::new(dec!(101)), mkt),
            Err(FilterFailure("MARKET_LOT_SIZE"))
        );
        assert_eq!(FilterFailure("LOT_SIZE").to_string(), "Filter failure: LOT_SIZE");
    }

    #[test]
    fn rounding_makes_orders_pass() {
        let r = btc_rules();
        let q = r.round_qty_down(Qty::new(dec!(0.0166666666)), false);
        assert_eq!(q.get(), dec!(0.01666));
        assert_eq!(r.round_price(Price::new(dec!(60000.006))).get(), dec!(60000.01));
        assert_eq!(r.check(&limit(dec!(60000.01)), q, Price::new(dec!(60000))), Ok(()));
    }
}
