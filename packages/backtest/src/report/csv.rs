//! `--trades out.csv`: one row per round trip, the open one last with no exit.

use std::io::Write;

use crate::BacktestReport;

pub fn write_trades_csv(r: &BacktestReport, out: &mut impl Write) -> std::io::Result<()> {
    writeln!(
        out,
        "status,entry_time,exit_time,entry_bar,exit_bar,qty,entry_price,exit_price,pnl,return_pct,commission,duration_ms"
    )?;
    for t in &r.trade_list {
        writeln!(
            out,
            "closed,{},{},{},{},{},{},{},{},{},{},{}",
            t.entry_time,
            t.exit_time,
            t.entry_bar,
            t.exit_bar,
            t.qty,
            t.entry_price,
            t.exit_price,
            t.pnl,
            t.return_frac * 100.0,
            t.commission,
            t.exit_time.since(t.entry_time)
        )?;
    }
    for t in &r.open_trade_list {
        let ret = crate::run::trades::ratio(t.unrealised_pnl, t.entry_price * t.qty) * 100.0;
        writeln!(
            out,
            "open,{},,{},,{},{},{},{},{},{},",
            t.entry_time, t.entry_bar, t.qty, t.entry_price, t.mark, t.unrealised_pnl, ret, t.commission
        )?;
    }
    Ok(())
}

/// `--fills out.csv`: one row per fill, in order, as the worker's ledger records them (time,
/// symbol, side, quantity, price, fee in the quote asset, the order's and the trade's ids), so a
/// backtest can be held against the worker's fills line by line. Needs `keep_fills`.
pub fn write_fills_csv(r: &BacktestReport, out: &mut impl Write) -> std::io::Result<()> {
    writeln!(out, "time,time_ms,symbol,side,qty,price,fee,client_order_id,trade_id")?;
    for f in &r.fills {
        writeln!(
            out,
            "{},{},{},{},{},{},{},{},{}",
            f.ts,
            f.ts.millis(),
            f.symbol,
            f.side,
            f.qty,
            f.price,
            f.fee,
            f.client_order_id,
            f.trade_id
        )?;
    }
    Ok(())
}
