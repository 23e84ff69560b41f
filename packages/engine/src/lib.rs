//! Mirai's engine: one deterministic event loop for backtests, paper and live trading.
//!
//! A market event goes in; the strategy may signal; the advisor weighs the signal into a decision
//! with a written rationale; the decision is sized into an order; the risk gates approve or refuse
//! it. Fills come back through [`Engine::on_fill`] and update the portfolio. There is no I/O and no
//! wall clock here: time comes from a [`mirai_core::Clock`].

pub mod advisor;
mod confidence;
pub mod engine;
pub mod indicators;
mod lifecycle;
pub mod portfolio;
pub mod sizing;
pub mod strategies;
mod text;

pub use advisor::RuleBasedAdvisor;
pub use engine::{Engine, EngineConfig, OrderTiming, Outcome, STOP_LOSS, SlotIndex};
pub use lifecycle::{BookingError, Ledger};
pub use portfolio::Portfolio;
pub use sizing::Sizing;
pub use strategies::{
    AnyStrategy, Bollinger, Donchian, MAX_WINDOW, Macd, RsiReversion, SmaCross, Strategy, StrategyError,
    StrategySpec,
};
