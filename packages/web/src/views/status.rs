//! `StatusView`: the worker's mode, switches and account totals at one instant.

use mirai_core::{AdvisorStats, Amount, Symbol, Timestamp};
use serde::{Deserialize, Serialize};

use super::{Mode, NewsStatusView, OutboxView};

/// Everything the dashboard's header shows. Amounts are decimal strings in the quote currency;
/// times are milliseconds since the Unix epoch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusView {
    pub mode: Mode,
    /// Orders are simulated, never sent, whatever the mode.
    pub dry_run: bool,
    pub testnet: bool,
    /// The kill switch is on: no new orders until an operator resumes (it survives restarts).
    pub halted: bool,
    /// Trading is paused; `resume` continues it.
    pub paused: bool,
    pub symbols: Vec<Symbol>,
    pub equity: Amount,
    pub cash: Amount,
    pub realised_pnl: Amount,
    pub unrealised_pnl: Amount,
    pub started_at: Timestamp,
    pub last_event_at: Option<Timestamp>,
    pub trades_today: u32,
    /// Why new orders are refused while the worker runs (Binance reconciliation failed, live
    /// trading not approved, the venue unreachable at start), or `None` when trading is allowed.
    /// Absent in answers from older workers.
    #[serde(default)]
    pub blocked_reason: Option<String>,
    /// Each shipping destination's backlog and lag (empty until the worker reports them).
    #[serde(default)]
    pub outbox: Vec<OutboxView>,
    /// The vector store, the embedder and the last news poll (`None` until the worker reports them).
    #[serde(default)]
    pub news: Option<NewsStatusView>,
    /// Who decides entries (`rules` or `llm`), and the model's calls, fallbacks, tokens and cost
    /// since start. Absent in answers from older workers.
    #[serde(default)]
    pub advisor: AdvisorStats,
}
