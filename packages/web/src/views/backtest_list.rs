//! `GET /api/backtests`: the backtest jobs the worker keeps, newest first, each with its status
//! and, once done, its headline figures.

use mirai_core::{Amount, Decimal, Timestamp};
use serde::{Deserialize, Serialize};

use super::backtest::{BacktestJobView, BacktestRequest, BacktestResultView, JobStatus};
use super::page::{DEFAULT_PAGE_LIMIT, PageCursor};

/// The places the headline ratios are rounded to.
const PLACES: u32 = 4;

/// `GET /api/backtests`: `limit` (1 to 500) jobs a page, after `cursor`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BacktestsQuery {
    pub limit: u32,
    pub cursor: Option<PageCursor>,
}

impl Default for BacktestsQuery {
    fn default() -> Self {
        Self { limit: DEFAULT_PAGE_LIMIT, cursor: None }
    }
}

impl BacktestsQuery {
    /// The query string the route reads back.
    pub fn to_query_string(&self) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        q.append_pair("limit", &self.limit.to_string());
        if let Some(c) = &self.cursor {
            q.append_pair("cursor", &c.encode());
        }
        q.finish()
    }

    /// Where a job sorts in the list (creation time, then id): the key its page's cursor is made of.
    pub fn key(job: &BacktestSummaryView) -> PageCursor {
        PageCursor::new(job.created_at, job.id.as_str())
    }
}

/// A finished backtest's headline figures, as its result has them; the ratios as decimal strings
/// rounded to 4 places.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BacktestMetricsView {
    pub trades: u64,
    pub open_trades: u64,
    pub final_equity: Amount,
    /// Percent: `12.5` is 12.5 %.
    pub return_pct: Option<Decimal>,
    /// Percent, negative (a fall).
    pub max_drawdown_pct: Option<Decimal>,
    pub sharpe: Option<Decimal>,
}

impl BacktestMetricsView {
    /// The headline of `result`.
    pub fn of(result: &BacktestResultView) -> Self {
        let ratio = |v: Option<f64>| {
            v.and_then(Decimal::from_f64_retain).map(|d| {
                let d = d.round_dp(PLACES);
                if d.is_zero() { Decimal::ZERO } else { d.normalize() }
            })
        };
        Self {
            trades: result.trades,
            open_trades: result.open_trades,
            final_equity: result.final_equity,
            return_pct: ratio(result.return_pct),
            max_drawdown_pct: ratio(result.max_drawdown_pct),
            sharpe: ratio(result.sharpe),
        }
    }
}

/// One job in the list: what `GET /api/backtests/{id}` says of it, and its headline once done.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BacktestSummaryView {
    pub id: String,
    pub status: JobStatus,
    pub bars_done: u64,
    pub bars_total: u64,
    /// Milliseconds since the Unix epoch.
    pub created_at: Timestamp,
    pub finished_at: Option<Timestamp>,
    /// Why it failed, in words meant for the user.
    pub error: Option<String>,
    pub request: BacktestRequest,
    /// `None` until it is done (and for a job that failed).
    pub metrics: Option<BacktestMetricsView>,
}

impl BacktestSummaryView {
    pub fn new(job: BacktestJobView, metrics: Option<BacktestMetricsView>) -> Self {
        Self {
            id: job.id,
            status: job.status,
            bars_done: job.bars_done,
            bars_total: job.bars_total,
            created_at: job.created_at,
            finished_at: job.finished_at,
            error: job.error,
            request: job.request,
            metrics,
        }
    }
}

/// A page of backtest jobs, newest first; `next` asks for the page after it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BacktestsPage {
    pub backtests: Vec<BacktestSummaryView>,
    pub next: Option<PageCursor>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_headline_rounds_ratios_to_four_places_as_strings() {
        let result = BacktestResultView {
            id: "bt-1".into(),
            trades: 46,
            open_trades: 1,
            final_equity: Amount::parse("69336.74099").unwrap(),
            return_pct: Some(593.367_409_9),
            max_drawdown_pct: Some(-19.578),
            sharpe: None,
            stats: serde_json::json!({}),
            trade_list: serde_json::json!([]),
            trade_list_truncated: false,
            open_trade_list: serde_json::json!([]),
            curve: serde_json::json!([]),
        };
        let m = BacktestMetricsView::of(&result);
        let v = serde_json::to_value(&m).unwrap();
        assert_eq!(v["return_pct"], "593.3674");
        assert_eq!(v["max_drawdown_pct"], "-19.578");
        assert_eq!(v["sharpe"], serde_json::Value::Null);
        assert_eq!(v["final_equity"], "69336.74099");
        assert_eq!((m.trades, m.open_trades), (46, 1));
    }
}
