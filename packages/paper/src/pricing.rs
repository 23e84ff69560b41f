//! The arithmetic of a fill: the taker's price after slippage, the fee, and what each side pays
//! or receives. All exact; nothing here rounds.

use mirai_core::{Amount, Decimal, Price, Qty, Side};

const BPS_PER_UNIT: Decimal = Decimal::from_parts(10_000, 0, 0, false, 0);

/// `reference` moved against a taker on `side` by `slippage_bps`: buyers pay more, sellers get
/// less.
pub(crate) fn taker_price(reference: Price, side: Side, slippage_bps: Decimal) -> Price {
    let shift = slippage_bps / BPS_PER_UNIT;
    let factor = match side {
        Side::Buy => Decimal::ONE + shift,
        Side::Sell => Decimal::ONE - shift,
    };
    // The config keeps slippage below 10 000 bps, so the factor stays positive.
    Price::new(reference.get() * factor)
}

/// The fee on a fill of `qty` at `price`, in the quote asset.
pub(crate) fn fee(price: Price, qty: Qty, fee_rate: Decimal) -> Amount {
    (price * qty).scale(fee_rate)
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
        assert_eq!(taker_price(p, Side::Buy, dec!(5)).get(), dec!(60030.0000));
        assert_eq!(taker_price(p, Side::Sell, dec!(5)).get(), dec!(59970));
        assert_eq!(taker_price(p, Side::Buy, Decimal::ZERO), p);
    }

    #[test]
    fn fee_is_exact() {
        let f = fee(Price::new(dec!(0.1)), Qty::new(dec!(3)), dec!(0.001));
        assert_eq!(f.get(), dec!(0.0003));
        assert_eq!(buy_cost(Price::new(dec!(0.1)), Qty::new(dec!(3)), dec!(0.001)), dec!(0.3003));
        assert_eq!(sell_proceeds(Price::new(dec!(0.1)), Qty::new(dec!(3)), dec!(0.001)), dec!(0.2997));
    }
}
