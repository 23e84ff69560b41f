//! The stats table, as backtesting.py prints its `Stats`: one metric per line.

use crate::BacktestReport;
use crate::metrics::Stats;

use super::{duration, model_rows, model_warning, number, ratio};

/// (label, value) pairs in backtesting.py's order.
pub fn stats_rows(s: &Stats) -> Vec<(&'static str, String)> {
    vec![
        ("Start", s.start.to_string()),
        ("End", s.end.to_string()),
        ("Duration", duration(Some(s.duration_ms))),
        ("Bars", s.bars.to_string()),
        ("Exposure Time [%]", number(s.exposure_pct, 4)),
        ("Equity Final [$]", s.final_equity.to_string()),
        ("Equity Peak [$]", s.peak_equity.to_string()),
        ("Commissions [$]", s.commissions.to_string()),
        ("Return [%]", number(s.return_pct, 4)),
        ("Buy & Hold Return [%]", number(s.buy_hold_return_pct, 4)),
        ("Return (Ann.) [%]", number(s.annual_return_pct, 4)),
        ("Volatility (Ann.) [%]", number(s.annual_volatility_pct, 4)),
        ("CAGR [%]", number(s.cagr_pct, 4)),
        ("Sharpe Ratio", ratio(s.sharpe, 4)),
        ("Sortino Ratio", ratio(s.sortino, 4)),
        ("Calmar Ratio", ratio(s.calmar, 4)),
        ("Max. Drawdown [%]", number(s.max_drawdown_pct, 4)),
        ("Avg. Drawdown [%]", number(s.avg_drawdown_pct, 4)),
        ("Max. Drawdown Duration", duration(s.max_drawdown_duration_ms)),
        ("Avg. Drawdown Duration", duration(s.avg_drawdown_duration_ms)),
        ("# Trades", s.trades.to_string()),
        ("Open Trades", s.open_trades.to_string()),
        ("Win Rate [%]", number(s.win_rate_pct, 4)),
        ("Best Trade [%]", number(s.best_trade_pct, 4)),
        ("Worst Trade [%]", number(s.worst_trade_pct, 4)),
        ("Avg. Trade [%]", number(s.avg_trade_pct, 4)),
        ("Max. Trade Duration", duration(s.max_trade_duration_ms)),
        ("Avg. Trade Duration", duration(s.avg_trade_duration_ms)),
        ("Profit Factor", number(s.profit_factor, 4)),
        ("Expectancy [%]", number(s.expectancy_pct, 4)),
        ("SQN", number(s.sqn, 4)),
        ("Kelly Criterion", number(s.kelly, 4)),
    ]
}

/// The human output of `mirai backtest`: the setup, then the stats, aligned.
pub fn stats_table(r: &BacktestReport) -> String {
    let c = &r.config;
    let mut out = format!(
        "{} on {}: cash {}, fee {} per side, slippage {} bps, fills at {}, {}\n\n",
        c.describe(),
        c.symbol,
        c.cash,
        c.fee_rate,
        c.slippage_bps,
        c.fill,
        c.sizing_text()
    );
    let rows = stats_rows(&r.stats);
    let width = rows.iter().map(|(l, _)| l.len()).max().unwrap_or(0);
    for (label, value) in rows {
        out.push_str(&format!("{label:<width$}  {value}\n"));
    }
    let refused: u64 = r.counts.refused.values().sum();
    let rejected: u64 = r.counts.rejected.values().sum();
    out.push_str(&format!(
        "\n{} decisions, {} orders, {} fills; {} refused by the risk gates, {} rejected by the exchange\n",
        r.counts.decisions, r.counts.orders, r.counts.fills, refused, rejected
    ));
    for (gate, n) in &r.counts.refused {
        out.push_str(&format!("  refused by {gate}: {n}\n"));
    }
    for (why, n) in &r.counts.rejected {
        out.push_str(&format!("  rejected ({why}): {n}\n"));
    }
    if let Some(model) = &r.model {
        let rows = model_rows(model, r.stats.bars);
        let width = rows.iter().map(|(l, _)| l.len()).max().unwrap_or(0);
        out.push('\n');
        for (label, value) in rows {
            out.push_str(&format!("{label:<width$}  {value}\n"));
        }
        if let Some(warning) = model_warning(model) {
            out.push_str(&format!("warning: {warning}\n"));
        }
    }
    out
}
