//! The error returned when runtime input cannot become a domain value.

use thiserror::Error;

/// Why a value from the outside world (a setting, a request, a venue payload) was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DomainError {
    #[error("{what} must not be negative (got {value})")]
    Negative { what: &'static str, value: String },
    #[error("{what} is not a decimal number: {value:?}")]
    NotDecimal { what: &'static str, value: String },
    #[error("invalid {what} {value:?}: {why}")]
    Invalid { what: &'static str, value: String, why: &'static str },
}
