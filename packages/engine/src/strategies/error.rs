//! Errors in a strategy's name or parameters, worded for the person who typed them.

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StrategyError {
    Unknown(String),
    UnknownParam { strategy: &'static str, param: String },
    BadParam { strategy: &'static str, param: &'static str, why: String },
}

impl std::fmt::Display for StrategyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StrategyError::Unknown(name) => {
                write!(f, "unknown strategy {name:?} (known: {})", super::AnyStrategy::NAMES.join(", "))
            }
            StrategyError::UnknownParam { strategy, param } => {
                write!(f, "strategy {strategy} has no parameter {param:?}")
            }
            StrategyError::BadParam { strategy, param, why } => {
                write!(f, "{strategy} parameter {param}: {why}")
            }
        }
    }
}

impl std::error::Error for StrategyError {}
