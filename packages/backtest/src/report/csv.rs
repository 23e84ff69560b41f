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
