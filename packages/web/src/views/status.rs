//! `StatusView`: the worker's mode, switches and account totals at one instant.

use mirai_core::{AdvisorStats, Amount, CandleSource, Symbol, Timestamp};
use serde::{Deserialize, Serialize};

use super::{Mode, NewsStatusView, OutboxView};

/// Everything the dashboard's header shows. Amounts are decimal strings in the quote currency;
/// times are milliseconds since the Unix epoch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StatusView {
    pub mode: Mode,
    /// Orders are simulated, never sent, whatever the mode.
    pub dry_run: bool,
    pub testnet: bool,
    /// Where the market data traded on comes from: `replay` (the built-in synthetic market),
    /// `binance` (Binance's public market data, orders on the paper exchange: "paper on Binance
    /// market data") or `venue` (the streams of the Binance environment traded on). `None` in
    /// answers from older workers, and while a venue that could not be reached sends nothing.
    #[serde(default)]
    pub market_data: Option<CandleSource>,
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
    /// Who decides entries (`rules` or `llm`), and the model's calls, fallbacks (by cause),
    /// tokens and cost for the UTC day, kept across restarts. Absent in answers from older
    /// workers.
    #[serde(default)]
    pub advisor: AdvisorStats,
}

#[cfg(test)]
mod tests {
    use super::*;
    use mirai_core::Decimal;

    fn status(advisor: AdvisorStats) -> StatusView {
        StatusView {
            mode: Mode::Paper,
            dry_run: false,
            testnet: false,
            market_data: Some(CandleSource::Binance),
            halted: false,
            paused: false,
            symbols: vec![Symbol::new("BTCUSDT")],
            equity: Amount::ZERO,
            cash: Amount::ZERO,
            realised_pnl: Amount::ZERO,
            unrealised_pnl: Amount::ZERO,
            started_at: Timestamp::from_millis(0),
            last_event_at: None,
            trades_today: 0,
            blocked_reason: None,
            outbox: Vec::new(),
            news: None,
            advisor,
        }
    }

    #[test]
    fn the_advisor_shows_its_fallbacks_by_cause_beside_the_totals() {
        let mut advisor = AdvisorStats {
            kind: "llm".into(),
            model: Some("gpt-4o-mini".into()),
            calls: 4,
            fallbacks: 3,
            last_fallback_reason: Some("no answer within 8000 ms".into()),
            tokens_in: 1200,
            tokens_out: 300,
            cost_usd: "0.00036".parse().expect("a decimal"),
            spent_today_usd: "0.00036".parse().expect("a decimal"),
            daily_budget_usd: Some(Decimal::from(5)),
            ..AdvisorStats::default()
        };
        advisor.fallbacks_by_cause.insert("timeout".into(), 2);
        advisor.fallbacks_by_cause.insert("invalid_answer".into(), 1);
        let v = serde_json::to_value(status(advisor.clone())).expect("serialises");
        let a = &v["advisor"];
        assert_eq!(a["kind"], "llm");
        assert_eq!((a["calls"].as_u64(), a["fallbacks"].as_u64()), (Some(4), Some(3)));
        assert_eq!(a["fallbacks_by_cause"], serde_json::json!({"invalid_answer": 1, "timeout": 2}));
        assert_eq!((a["tokens_in"].as_u64(), a["tokens_out"].as_u64()), (Some(1200), Some(300)));
        assert_eq!(a["cost_usd"], "0.00036", "money is a decimal string");
        assert_eq!(a["daily_budget_usd"], "5");
        assert_eq!(a["last_fallback_reason"], "no answer within 8000 ms");
        // The web tier reads the worker's answer back (the control API): nothing is lost.
        let back: StatusView = serde_json::from_value(v).expect("reads back");
        assert_eq!(back.advisor, advisor);
    }

    #[test]
    fn the_market_data_source_is_named_and_absent_from_older_workers() {
        let mut v = serde_json::to_value(status(AdvisorStats::default())).expect("serialises");
        assert_eq!(v["market_data"], "binance");
        v.as_object_mut().expect("an object").remove("market_data");
        let back: StatusView = serde_json::from_value(v).expect("an older answer still reads");
        assert_eq!(back.market_data, None);
    }

    #[test]
    fn an_older_workers_advisor_reads_with_no_counts_by_cause() {
        let mut v =
            serde_json::to_value(status(AdvisorStats { kind: "llm".into(), ..AdvisorStats::default() }))
                .expect("serialises");
        let advisor = v["advisor"].as_object_mut().expect("an object");
        for newer in ["fallbacks_by_cause", "breaker_open_until", "budget_closed_reason"] {
            advisor.remove(newer);
        }
        let back: StatusView = serde_json::from_value(v).expect("an older answer still reads");
        assert!(back.advisor.fallbacks_by_cause.is_empty());
    }
}
