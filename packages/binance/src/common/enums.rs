//! Binance's enums as they appear on the wire: order types, response types, kline intervals.

use std::fmt;
use std::str::FromStr;

/// Every Spot order type. The engine emits `Market` and `Limit`; the rest are reachable through
/// [`crate::NewOrder`] for callers that need them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OrderType {
    Limit,
    Market,
    StopLoss,
    StopLossLimit,
    TakeProfit,
    TakeProfitLimit,
    LimitMaker,
}

impl OrderType {
    pub const ALL: [OrderType; 7] = [
        OrderType::Limit,
        OrderType::Market,
        OrderType::StopLoss,
        OrderType::StopLossLimit,
        OrderType::TakeProfit,
        OrderType::TakeProfitLimit,
        OrderType::LimitMaker,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderType::Limit => "LIMIT",
            OrderType::Market => "MARKET",
            OrderType::StopLoss => "STOP_LOSS",
            OrderType::StopLossLimit => "STOP_LOSS_LIMIT",
            OrderType::TakeProfit => "TAKE_PROFIT",
            OrderType::TakeProfitLimit => "TAKE_PROFIT_LIMIT",
            OrderType::LimitMaker => "LIMIT_MAKER",
        }
    }

    /// Whether Binance requires `timeInForce` for this type.
    pub fn needs_time_in_force(self) -> bool {
        matches!(self, OrderType::Limit | OrderType::StopLossLimit | OrderType::TakeProfitLimit)
    }

    /// Whether Binance requires `price` for this type.
    pub fn needs_price(self) -> bool {
        matches!(
            self,
            OrderType::Limit | OrderType::StopLossLimit | OrderType::TakeProfitLimit | OrderType::LimitMaker
        )
    }

    /// Whether Binance requires `stopPrice` (or `trailingDelta`) for this type.
    pub fn needs_trigger(self) -> bool {
        matches!(
            self,
            OrderType::StopLoss
                | OrderType::StopLossLimit
                | OrderType::TakeProfit
                | OrderType::TakeProfitLimit
        )
    }
}

impl FromStr for OrderType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        OrderType::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| format!("unknown order type {s:?}"))
    }
}

impl fmt::Display for OrderType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `newOrderRespType`. The executor always asks for `Full`, so fills come back with the order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResponseType {
    Ack,
    Result,
    Full,
}

impl ResponseType {
    pub fn as_str(self) -> &'static str {
        match self {
            ResponseType::Ack => "ACK",
            ResponseType::Result => "RESULT",
            ResponseType::Full => "FULL",
        }
    }
}

/// Kline intervals, case-sensitive as Binance spells them (`1m` is a minute, `1M` a month).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KlineInterval {
    S1,
    M1,
    M3,
    M5,
    M15,
    M30,
    H1,
    H2,
    H4,
    H6,
    H8,
    H12,
    D1,
    D3,
    W1,
    Month1,
}

const INTERVALS: [(KlineInterval, &str, i64); 16] = [
    (KlineInterval::S1, "1s", 1_000),
    (KlineInterval::M1, "1m", 60_000),
    (KlineInterval::M3, "3m", 180_000),
    (KlineInterval::M5, "5m", 300_000),
    (KlineInterval::M15, "15m", 900_000),
    (KlineInterval::M30, "30m", 1_800_000),
    (KlineInterval::H1, "1h", 3_600_000),
    (KlineInterval::H2, "2h", 7_200_000),
    (KlineInterval::H4, "4h", 14_400_000),
    (KlineInterval::H6, "6h", 21_600_000),
    (KlineInterval::H8, "8h", 28_800_000),
    (KlineInterval::H12, "12h", 43_200_000),
    (KlineInterval::D1, "1d", 86_400_000),
    (KlineInterval::D3, "3d", 259_200_000),
    (KlineInterval::W1, "1w", 604_800_000),
    // Months vary in length; gap detection treats a month as its shortest.
    (KlineInterval::Month1, "1M", 2_419_200_000),
];

impl KlineInterval {
    pub fn as_str(self) -> &'static str {
        INTERVALS.iter().find(|(i, _, _)| *i == self).map_or("1m", |(_, s, _)| s)
    }

    /// The bar length in milliseconds (a month counts as 28 days).
    pub fn millis(self) -> i64 {
        INTERVALS.iter().find(|(i, _, _)| *i == self).map_or(60_000, |(_, _, ms)| *ms)
    }

    /// Whether bars have a fixed length, so a missing one can be detected by arithmetic.
    pub fn is_fixed(self) -> bool {
        self != KlineInterval::Month1
    }
}

impl FromStr for KlineInterval {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        INTERVALS
            .iter()
            .find(|(_, name, _)| *name == s)
            .map(|(i, _, _)| *i)
            .ok_or_else(|| format!("unknown kline interval {s:?} (1s, 1m, 3m, 5m, 15m, 30m, 1h … 1M)"))
    }
}

impl fmt::Display for KlineInterval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_round_trip_their_wire_names() {
        for t in OrderType::ALL {
            assert_eq!(t.as_str().parse::<OrderType>(), Ok(t));
        }
        assert!("STOP".parse::<OrderType>().is_err());
        for (i, name, ms) in INTERVALS {
            assert_eq!(name.parse::<KlineInterval>(), Ok(i));
            assert_eq!(i.millis(), ms);
        }
        assert_ne!("1m".parse::<KlineInterval>(), "1M".parse::<KlineInterval>());
        assert!(OrderType::StopLossLimit.needs_price() && OrderType::StopLossLimit.needs_trigger());
        assert!(!OrderType::Market.needs_time_in_force());
    }
}
