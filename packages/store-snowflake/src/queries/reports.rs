//! The analysts' views read into `mirai-reports`' canonical table, so the same report from the
//! local ledger and from Snowflake compare cell for cell. Only names from the reports' constant
//! column lists and escaped literals reach the SQL.

use mirai_core::Timestamp;
use mirai_reports::{Filter, Kind, Report, Table};

use super::range::TimeRange;
use crate::client::Client;
use crate::literal::text;
use crate::{Result, SnowflakeError};

pub(crate) async fn read(client: &Client, report: Report, filter: &Filter) -> Result<Table> {
    let sql = sql(report, filter)?;
    let rows = client.exec(&sql).await?;
    let columns = report.columns();
    let mut table = Table::new(report);
    for row in rows {
        if row.len() != columns.len() {
            return Err(SnowflakeError::Decode(format!(
                "{} returned {} columns, not {}",
                report.view(),
                row.len(),
                columns.len()
            )));
        }
        let cells = row
            .into_iter()
            .zip(columns)
            .map(|(cell, c)| {
                cell.map(|raw| c.kind.canonical(&raw))
                    .transpose()
                    .map_err(|e| SnowflakeError::Decode(format!("{}.{}: {e}", report.view(), c.name)))
            })
            .collect::<Result<Vec<_>>>()?;
        table.rows.push(cells);
    }
    Ok(table)
}

fn sql(report: Report, filter: &Filter) -> Result<String> {
    let select: Vec<String> = report
        .columns()
        .iter()
        .map(|c| match c.kind {
            Kind::Time => format!("TO_VARCHAR(DATE_PART(EPOCH_MILLISECOND, {}))", c.name),
            Kind::Day => format!("TO_VARCHAR({}, 'YYYY-MM-DD')", c.name),
            _ => format!("TO_VARCHAR({})", c.name),
        })
        .collect();
    let range = TimeRange { since: filter.from, until: filter.to };
    range.check()?;
    // A day counts from its midnight, as the local filter counts it.
    let time_column = match report.time_column() {
        "DAY" => "CAST(DAY AS TIMESTAMP_NTZ(3))",
        "TS" => "TS",
        _ => "EXIT_TIME",
    };
    let mut sql =
        format!("SELECT {} FROM {} WHERE 1 = 1{}", select.join(", "), report.view(), range.sql(time_column)?);
    if let Some(symbol) = filter.symbol.filter(|_| report.has_symbol()) {
        sql.push_str(&format!(" AND SYMBOL = {}", text(symbol.as_str())?));
    }
    sql.push_str(&format!(" ORDER BY {}", report.order_by().join(", ")));
    Ok(sql)
}

/// The tables kept for seven years and the time column their age is counted by.
pub const RETAINED: [(&str, &str); 7] = [
    ("FILLS", "TS"),
    ("ORDERS", "CREATED_AT"),
    ("DECISIONS", "TS"),
    ("PNL_INTRADAY", "TS"),
    ("PNL_DAILY", "CAST(DAY AS TIMESTAMP_NTZ(3))"),
    ("RISK_EVENTS", "TS"),
    ("CANDLES", "OPEN_TIME"),
];

/// Rows per retained table older than `cutoff`; deleted too unless `dry_run`.
pub(crate) async fn purge(
    client: &Client,
    cutoff: Timestamp,
    dry_run: bool,
) -> Result<Vec<(&'static str, u64)>> {
    let at = TimeRange { since: None, until: Some(cutoff) };
    let mut out = Vec::new();
    for (table, column) in RETAINED {
        let filter = at.sql(column)?;
        let rows =
            client.exec(&format!("SELECT TO_VARCHAR(COUNT(*)) FROM {table} WHERE 1 = 1{filter}")).await?;
        let n = rows
            .first()
            .and_then(|r| r.first())
            .cloned()
            .flatten()
            .and_then(|s| s.parse::<u64>().ok())
            .ok_or_else(|| SnowflakeError::Decode(format!("no count from {table}")))?;
        if !dry_run && n > 0 {
            client.exec(&format!("DELETE FROM {table} WHERE 1 = 1{filter}")).await?;
        }
        out.push((table, n));
    }
    Ok(out)
}
