//! MERGE statements: one table's rows as a VALUES list, each column cast to its declared type,
//! merged on the table's key. Long batches are cut into several statements so that none grows
//! past `MAX_STATEMENT_BYTES` (Snowflake accepts 1 MB of SQL text; we stay well under it).

use std::fmt::Write as _;

use crate::literal::Literal;
use crate::tables::{OnMatch, Table};

pub(crate) const MAX_STATEMENT_BYTES: usize = 256 * 1024;

/// The statements that merge `rows` into `table`.
pub(crate) fn statements(table: &Table, rows: &[Vec<Literal>]) -> Vec<String> {
    let (head, tail) = (head(table), tail(table));
    let mut out = Vec::new();
    let mut values = String::new();
    for row in rows {
        let mut tuple = String::from("(");
        for (i, cell) in row.iter().enumerate() {
            if i > 0 {
                tuple.push_str(", ");
            }
            tuple.push_str(cell.as_str());
        }
        tuple.push(')');
        if !values.is_empty() && head.len() + values.len() + tuple.len() + tail.len() > MAX_STATEMENT_BYTES {
            out.push(format!("{head}{values}{tail}"));
            values.clear();
        }
        if !values.is_empty() {
            values.push_str(", ");
        }
        values.push_str(&tuple);
    }
    if !values.is_empty() {
        out.push(format!("{head}{values}{tail}"));
    }
    out
}

/// `MERGE INTO T t USING (SELECT CAST(column1 AS type) AS NAME, ... FROM VALUES `
fn head(table: &Table) -> String {
    let mut s = format!("MERGE INTO {} t USING (SELECT ", table.name);
    for (i, (name, ty)) in table.columns.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        let _ = write!(s, "CAST(column{} AS {ty}) AS {name}", i + 1);
    }
    s.push_str(" FROM VALUES ");
    s
}

/// `) s ON t.K = s.K [WHEN MATCHED ...] WHEN NOT MATCHED THEN INSERT (...) VALUES (...)`
fn tail(table: &Table) -> String {
    let on: Vec<String> = table.key.iter().map(|k| format!("t.{k} = s.{k}")).collect();
    let mut s = format!(") s ON {}", on.join(" AND "));
    let set = |pairs: Vec<(String, String)>| {
        pairs.into_iter().map(|(c, e)| format!("{c} = {e}")).collect::<Vec<_>>().join(", ")
    };
    match &table.on_match {
        OnMatch::Keep => {}
        OnMatch::Replace { when } => {
            let pairs = table
                .column_names()
                .filter(|c| !table.key.contains(c))
                .map(|c| (c.to_owned(), format!("s.{c}")))
                .collect();
            let cond = when.map(|w| format!(" AND ({w})")).unwrap_or_default();
            let _ = write!(s, " WHEN MATCHED{cond} THEN UPDATE SET {}", set(pairs));
        }
        OnMatch::Set(pairs) => {
            let pairs = pairs.iter().map(|(c, e)| ((*c).to_owned(), (*e).to_owned())).collect();
            let _ = write!(s, " WHEN MATCHED THEN UPDATE SET {}", set(pairs));
        }
    }
    let cols: Vec<&str> = table.column_names().collect();
    let src: Vec<String> = cols.iter().map(|c| format!("s.{c}")).collect();
    let _ = write!(s, " WHEN NOT MATCHED THEN INSERT ({}) VALUES ({})", cols.join(", "), src.join(", "));
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::literal::text;
    use crate::tables::{AUDIT_LOG, PNL_INTRADAY};

    #[test]
    fn one_statement_shape() {
        let row = vec![
            text("2026-01-01 00:00:00.000").unwrap(),
            text("1").unwrap(),
            text("2").unwrap(),
            text("3").unwrap(),
            text("4").unwrap(),
        ];
        let s = statements(&PNL_INTRADAY, &[row]);
        assert_eq!(s.len(), 1);
        assert_eq!(
            s[0],
            "MERGE INTO PNL_INTRADAY t USING (SELECT CAST(column1 AS TIMESTAMP_NTZ(3)) AS TS, \
             CAST(column2 AS NUMBER(38, 18)) AS EQUITY, CAST(column3 AS NUMBER(38, 18)) AS CASH, \
             CAST(column4 AS NUMBER(38, 18)) AS REALISED, CAST(column5 AS NUMBER(38, 18)) AS UNREALISED \
             FROM VALUES ('2026-01-01 00:00:00.000', '1', '2', '3', '4')) s ON t.TS = s.TS \
             WHEN MATCHED THEN UPDATE SET EQUITY = s.EQUITY, CASH = s.CASH, REALISED = s.REALISED, \
             UNREALISED = s.UNREALISED \
             WHEN NOT MATCHED THEN INSERT (TS, EQUITY, CASH, REALISED, UNREALISED) \
             VALUES (s.TS, s.EQUITY, s.CASH, s.REALISED, s.UNREALISED)"
        );
    }

    #[test]
    fn long_batches_are_cut_below_the_limit() {
        let big = "x".repeat(10_000);
        let rows: Vec<Vec<Literal>> = (0..100)
            .map(|i| {
                vec![
                    text(&i.to_string()).unwrap(),
                    text("t").unwrap(),
                    text("k").unwrap(),
                    text("a").unwrap(),
                    text(&big).unwrap(),
                    text("p").unwrap(),
                    text("h").unwrap(),
                ]
            })
            .collect();
        let s = statements(&AUDIT_LOG, &rows);
        assert!(s.len() >= 4, "{}", s.len());
        assert!(s.iter().all(|x| x.len() <= MAX_STATEMENT_BYTES));
        let tuples: usize = s.iter().map(|x| x.matches("'xxxxxxxxxx").count()).sum();
        assert_eq!(tuples, 100);
        assert!(s.iter().all(|x| !x.contains("WHEN MATCHED")), "audit entries are insert-only");
    }
}
