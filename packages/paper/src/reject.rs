//! Why the paper exchange refused a request, with the code and message Binance gives for it.

use mirai_core::{ExchangeError, FilterFailure, Symbol};
use thiserror::Error;

/// The Display text is Binance's `msg`, word for word where Binance has one, so code that parses
/// or logs venue errors sees the same thing on paper as live.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum PaperReject {
    #[error("Invalid symbol.")]
    UnknownSymbol,
    #[error("Invalid quantity.")]
    ZeroQuantity,
    #[error("Invalid price.")]
    ZeroPrice,
    #[error(transparent)]
    Filter(FilterFailure),
    #[error("Duplicate order sent.")]
    DuplicateOrder,
    #[error("Account has insufficient balance for requested action.")]
    InsufficientBalance,
    /// Binance always has a price; the paper exchange has one only after a market event.
    #[error("No market price is known for {0} yet; send a market event first.")]
    NoMarketPrice(Symbol),
    #[error("Unknown order sent.")]
    UnknownOrder,
    /// Price times quantity beyond what a 96-bit decimal holds; refused rather than overflowing.
    #[error("Parameter 'quantity' or 'price' is out of range.")]
    OutOfRange,
}

impl PaperReject {
    pub fn code(&self) -> i32 {
        match self {
            PaperReject::UnknownSymbol => ExchangeError::UNKNOWN_SYMBOL,
            PaperReject::OutOfRange => ExchangeError::BAD_PARAMETER,
            PaperReject::ZeroQuantity | PaperReject::ZeroPrice | PaperReject::Filter(_) => {
                ExchangeError::FILTER_FAILURE
            }
            PaperReject::DuplicateOrder => ExchangeError::DUPLICATE_ORDER,
            PaperReject::InsufficientBalance | PaperReject::NoMarketPrice(_) => {
                ExchangeError::NEW_ORDER_REJECTED
            }
            PaperReject::UnknownOrder => ExchangeError::CANCEL_REJECTED,
        }
    }
}

impl From<PaperReject> for ExchangeError {
    fn from(r: PaperReject) -> Self {
        ExchangeError::new(r.code(), r.to_string())
    }
}

impl From<FilterFailure> for PaperReject {
    fn from(f: FilterFailure) -> Self {
        PaperReject::Filter(f)
    }
}
