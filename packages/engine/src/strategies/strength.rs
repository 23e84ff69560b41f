//! A signal's strength from how far the close has gone past the line it crossed, as `sma-cross`
//! measures it: in units of 0.5 % of the line, so 0.1 % past is 0.2 and 0.5 % or more is 1.

use mirai_core::{Confidence, Decimal};

/// `200 × distance / line`, truncated to 8 decimals (the advisor's confidence rounds to four,
/// whose thresholds 8-decimal truncation never crosses) and clamped to 0..=1. A line of 0 (or
/// arithmetic out of range) is full strength.
pub(super) fn past_the_line(distance: Decimal, line: Decimal) -> Confidence {
    let units = Decimal::from(200)
        .checked_mul(distance)
        .and_then(|d| d.checked_div(line))
        .map(|s| s.trunc_with_scale(8))
        .unwrap_or(Decimal::ONE);
    Confidence::clamped(units)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn half_a_percent_past_the_line_is_full_strength() {
        assert_eq!(past_the_line(dec!(0.1), dec!(100)).get(), dec!(0.2));
        assert_eq!(past_the_line(dec!(1), dec!(100)).get(), dec!(1));
        assert_eq!(past_the_line(dec!(1), dec!(3000)).get(), dec!(0.06666666));
        assert_eq!(past_the_line(dec!(-1), dec!(100)).get(), dec!(0));
        assert_eq!(past_the_line(dec!(1), dec!(0)).get(), dec!(1));
    }
}
