//! `Exposure`: the account figures the gates need, valued at current marks.

use crate::Amount;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exposure {
    /// Cash plus the market value of every holding.
    pub equity: Amount,
    /// Market value of the holding in the order's symbol.
    pub symbol_value: Amount,
    /// Market value of all holdings together.
    pub total_value: Amount,
}
