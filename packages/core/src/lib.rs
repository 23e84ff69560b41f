//! Mirai's domain: exact money types, orders, fills, positions, market events, decisions, risk
//! limits and verdicts, exchange rules, and the ports (traits) that adapters implement.
//!
//! This crate depends on no other Mirai crate, performs no I/O and knows no runtime: everything in
//! it is deterministic and can be used by the engine, the backtester and every adapter alike.

pub mod advice_request;
pub mod analytics;
pub mod asset;
pub mod audit;
pub mod backoff;
pub mod bar_sequencer;
pub mod candle;
pub mod clock;
pub mod decimal;
pub mod decision;
pub mod error;
mod exchange_code;
pub mod execution;
pub mod fill;
pub mod filters;
pub mod ids;
mod inline_text;
pub mod market_event;
pub mod mode;
#[cfg(feature = "openapi")]
mod openapi;
pub mod order;
pub mod ports;
pub mod position;
mod pow10;
pub mod proposal;
pub mod risk;
pub mod role;
pub mod side;
#[cfg(any(test, feature = "stubs"))]
pub mod stubs;
pub mod symbol;
pub mod synthetic;
pub mod time;
pub mod vector_rules;
pub mod vectors;

pub use advice_request::{
    AdviceRequest, AdviceSource, AdvisorStats, CallUsage, ExternalAdvice, FallbackSource, ModelAdvice,
    ModelSource, RiskBudget,
};
pub use analytics::{
    AnalyticsError, AnalyticsRecord, AnalyticsStore, AuditRecord, BacktestRunRecord, FillLedger, FillRecord,
    OrderRecord, PnlPoint, ProposalRecord, RiskEventRecord, TripMark,
};
pub use asset::Asset;
pub use audit::{AuditEvent, FillSource, LoginOutcome};
pub use backoff::Backoff;
pub use bar_sequencer::{BarSequencer, Verdict};
pub use candle::{Candle, CandleRecord, CandleSource};
pub use clock::{ManualClock, SystemClock};
pub use decimal::{Amount, MAX_STARTING_CASH, Price, Qty};
pub use decision::{Action, Citation, Confidence, Decision};
pub use error::DomainError;
pub use execution::{ExchangeError, ExecError, ExecutionReport};
pub use fill::Fill;
pub use filters::{FilterFailure, LotSize, NotionalFilter, PriceFilter, SymbolRules};
pub use ids::{ClientOrderId, DecisionId, TradeId};
pub use market_event::{FeedStatus, MarketEvent, Quote};
pub use mode::Mode;
pub use order::{OrderKind, OrderRequest, OrderStatus, TimeInForce};
pub use ports::{Advice, Advisor, Clock, Executor, Signal};
pub use position::{Position, PositionError};
pub use proposal::{Proposal, ProposalStatus};
pub use risk::{Exposure, RefusalReason, RiskApproved, RiskGate, RiskLimits, RiskRefused, RiskState};
pub use role::{Role, UnknownRole};
pub use rust_decimal::Decimal;
pub use side::Side;
pub use symbol::Symbol;
pub use time::{MS_PER_DAY, Timestamp};
pub use vectors::{
    Collection, Embedder, EmbeddingModel, VectorDoc, VectorError, VectorHit, VectorQuery, VectorStore,
};

/// Speed helpers the engine, the paper exchange and the backtest share: powers of ten, decimal
/// comparison with its common case inline, and a per-(strategy, symbol) decision-id prefix. Not
/// domain API: each is a measured fast path (docs/benchmarks.md) pinned by tests to the plain
/// computation it replaces.
#[doc(hidden)]
pub mod perf {
    pub use crate::decimal::ops::cmp as decimal_cmp;
    pub use crate::ids::DecisionIdPrefix;
    pub use crate::pow10::{POW10_I64, POW10_I128, POW10_U64};
}
