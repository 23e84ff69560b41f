//! `--report out.html`: one self-contained page (inline CSS and SVG, no script, nothing fetched)
//! with the setup, the equity and drawdown charts, the statistics and the trade list.

use std::fmt::Write as _;

use super::{model_rows, model_warning, stats_rows, svg::line_chart};
use crate::BacktestReport;

pub fn html_report(r: &BacktestReport) -> String {
    let c = &r.config;
    let title = format!("Backtest: {} on {}", c.describe(), c.symbol);
    let equity: Vec<(i64, f64)> = r.curve.iter().map(|p| (p.time, p.equity)).collect();
    let drawdown: Vec<(i64, f64)> = r.curve.iter().map(|p| (p.time, -p.drawdown * 100.0)).collect();
    let mut page = String::with_capacity(64 * 1024 + r.trade_list.len() * 256);
    let _ = write!(
        page,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body>\n",
        escape(&title)
    );
    let _ = writeln!(
        page,
        "<h1>{}</h1><p class=\"setup\">Cash {}, fee {} per side, slippage {} bps, fills at {}, {}. \
         Run on Mirai's live engine, risk gates and paper exchange.</p>",
        escape(&title),
        escape(&c.cash.to_string()),
        escape(&c.fee_rate.to_string()),
        escape(&c.slippage_bps.to_string()),
        c.fill,
        escape(&c.sizing_text())
    );
    // Styled inline: the shared style sheet stays as it was, so a rules-only page is unchanged.
    if let Some(warning) = r.model.as_ref().and_then(model_warning) {
        let _ = writeln!(
            page,
            "<p class=\"warning\" style=\"color:#9a6700;font-weight:600\">Warning: {}</p>",
            escape(&warning)
        );
    }
    let _ = writeln!(page, "<h2>Equity</h2>{}", line_chart(&equity, "", "#1f6feb", false));
    let _ = writeln!(page, "<h2>Drawdown</h2>{}", line_chart(&drawdown, "%", "#cf222e", true));
    page.push_str("<h2>Statistics</h2><table class=\"stats\">");
    for (label, value) in stats_rows(&r.stats) {
        let _ = write!(page, "<tr><th>{}</th><td>{}</td></tr>", escape(label), escape(&value));
    }
    page.push_str("</table>\n");
    if let Some(model) = &r.model {
        page.push_str("<h2>Model</h2><table class=\"stats\">");
        for (label, value) in model_rows(model, r.stats.bars) {
            let _ = write!(page, "<tr><th>{}</th><td>{}</td></tr>", escape(label), escape(&value));
        }
        page.push_str("</table>\n");
    }
    let _ = write!(
        page,
        "<h2>Trades ({} closed, {} open)</h2><table class=\"trades\"><tr><th>#</th><th>Entry</th><th>Exit</th>\
         <th>Qty</th><th>Entry price</th><th>Exit price</th><th>P&amp;L</th><th>Return %</th><th>Commission</th></tr>",
        r.trade_list.len(),
        r.open_trade_list.len()
    );
    for (i, t) in r.trade_list.iter().enumerate() {
        let class = if t.pnl.is_negative() { "loss" } else { "win" };
        let _ = write!(
            page,
            "<tr class=\"{class}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.3}</td><td>{}</td></tr>",
            i + 1,
            escape(&t.entry_time.to_string()),
            escape(&t.exit_time.to_string()),
            t.qty,
            t.entry_price,
            t.exit_price,
            t.pnl,
            t.return_frac * 100.0,
            t.commission
        );
    }
    for t in &r.open_trade_list {
        let _ = write!(
            page,
            "<tr class=\"open\"><td>open</td><td>{}</td><td>(marked at {})</td><td>{}</td><td>{}</td><td></td><td>{}</td><td></td><td>{}</td></tr>",
            escape(&t.entry_time.to_string()),
            t.mark,
            t.qty,
            t.entry_price,
            t.unrealised_pnl,
            t.commission
        );
    }
    page.push_str("</table>\n</body></html>\n");
    page
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:24px auto;max-width:1000px;color:#1f2328}\
h1{font-size:20px}h2{font-size:16px;margin-top:28px}.setup{color:#555}\
table{border-collapse:collapse;font-size:13px}th,td{padding:3px 10px;border-bottom:1px solid #eee;text-align:right}\
.stats th{text-align:left;font-weight:normal;color:#555}.trades{width:100%}\
tr.loss td:nth-child(7){color:#cf222e}tr.win td:nth-child(7){color:#1a7f37}tr.open{font-style:italic}";

/// Text made safe for HTML element content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
