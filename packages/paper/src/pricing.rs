//! The arithmetic of a fill: the taker's price after slippage, the fee, and what each side pays
//! or receives. Exact decimals; the only rounding is Binance's own: a slipped price lands on the
//! symbol's tick (against the taker), and a commission has 8 decimal places.

use mirai_core::{Amount, Decimal, Price, Qty, Side};

const BPS_PER_UNIT: Decimal = Decimal::from_parts(10_000, 0, 0, false, 0);

/// `reference` moved against a taker on `side` by `slippage_bps`: buyers pay more, sellers get
/// less.
/// With a `tick`, the price is rounded to it against the taker (up for buys, down for sells), as
/// a real book only trades on ticks.
pub(crate) fn taker_price(reference: Price, side: Side, slippage_bps: Decimal, tick: Option<Price>) -> Price {
    if slippage_bps.is_zero() && tick.is_none() {
        return reference;
    }
    let shift = slippage_bps / BPS_PER_UNIT;
    let factor = match side {
        Side::Buy => Decimal::ONE + shift,
        Side::Sell => Decimal::ONE - shift,
    };
    // The config keeps slippage below 10 000 bps, so the factor stays positive.
    let raw = reference.get() * factor;
    let on_tick = match tick.map(Price::get).filter(|t| !t.is_zero()) {
        Some(t) if side == Side::Buy => (raw / t).ceil() * t,
        Some(t) => (raw / t).floor() * t,
        None => raw,
    };
    Price::new(on_tick.max(Decimal::ZERO))
}

/// Decimal places of a commission, as Binance reports them.
const FEE_DP: u32 = 8;

/// The fee on a fill of `qty` at `price`, in the quote asset.
pub(crate) fn fee(price: Price, qty: Qty, fee_rate: Decimal) -> Amount {
    fee_on(price * qty, fee_rate)
}

/// The fee on a fill of the given notional.
#[inline]
pub(crate) fn fee_on(notional: Amount, fee_rate: Decimal) -> Amount {
    let exact = notional.scale(fee_rate).get();
    Amount::new(exact.round_dp_with_strategy(FEE_DP, rust_decimal::RoundingStrategy::MidpointAwayFromZero))
}

/// The money of one fill, worked out once for the debit, the credit and the fill's record (each
/// used to multiply price by quantity and compute the fee again).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Charge {
    pub(crate) notional: Amount,
    pub(crate) fee: Amount,
}

impl Charge {
    #[inline]
    pub(crate) fn new(price: Price, qty: Qty, fee_rate: Decimal) -> Self {
        let notional = price * qty;
        Self { notional, fee: fee_on(notional, fee_rate) }
    }

    /// [`buy_cost`]'s value.
    #[inline]
    pub(crate) fn buy_cost(self) -> Decimal {
        (self.notional + self.fee).get()
    }

    /// [`sell_proceeds`]' value.
    #[inline]
    pub(crate) fn sell_proceeds(self) -> Decimal {
        (self.notional - self.fee).get()
    }
}

/// What a buyer pays in quote: notional plus fee. Also what a resting buy locks.
pub(crate) fn buy_cost(price: Price, qty: Qty, fee_rate: Decimal) -> Decimal {
    ((price * qty) + fee(price, qty, fee_rate)).get()
}

/// What a seller receives in quote: notional minus fee.
pub(crate) fn sell_proceeds(price: Price, qty: Qty, fee_rate: Decimal) -> Decimal {
    ((price * qty) - fee(price, qty, fee_rate)).get()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn slippage_moves_against_the_taker() {
        let p = Price::new(dec!(60000));
        assert_eq!(taker_price(p, Side::Buy, dec!(5), None).get(), dec!(60030.0000));
        assert_eq!(taker_price(p, Side::Sell, dec!(5), None).get(), dec!(59970));
        assert_eq!(taker_price(p, Side::Buy, Decimal::ZERO, None), p);
    }

    #[test]
    fn slipped_prices_land_on_the_tick_against_the_taker() {
        let p = Price::new(dec!(2858.10));
        let tick = Some(Price::new(dec!(0.01)));
        // 2858.10 × 1.0002 = 2858.67162: buyers pay 2858.68, sellers at 2857.52838 get 2857.52.
        assert_eq!(taker_price(p, Side::Buy, dec!(2), tick).get(), dec!(2858.68));
        assert_eq!(taker_price(p, Side::Sell, dec!(2), tick).get(), dec!(2857.52));
    }

    #[test]
    fn fee_is_exact() {
        let f = fee(Price::new(dec!(0.1)), Qty::new(dec!(3)), dec!(0.001));
        assert_eq!(f.get(), dec!(0.0003));
        // Commissions have 8 decimal places, rounded half away from zero.
        assert_eq!(
            fee(Price::new(dec!(2858.67162)), Qty::new(dec!(0.3487)), dec!(0.001)).get(),
            dec!(0.99681879)
        );
        assert_eq!(buy_cost(Price::new(dec!(0.1)), Qty::new(dec!(3)), dec!(0.001)), dec!(0.3003));
        assert_eq!(sell_proceeds(Price::new(dec!(0.1)), Qty::new(dec!(3)), dec!(0.001)), dec!(0.2997));
        for (price, qty) in
            [(dec!(0.1), dec!(3)), (dec!(2858.67162), dec!(0.3487)), (dec!(100.12345), dec!(99))]
        {
            let (p, q) = (Price::new(price), Qty::new(qty));
            let c = Charge::new(p, q, dec!(0.001));
            assert_eq!(c.fee.get().serialize(), fee(p, q, dec!(0.001)).get().serialize());
            assert_eq!(c.buy_cost().serialize(), buy_cost(p, q, dec!(0.001)).serialize());
            assert_eq!(c.sell_proceeds().serialize(), sell_proceeds(p, q, dec!(0.001)).serialize());
        }
    }
}
