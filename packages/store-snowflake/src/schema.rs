//! The versioned DDL, applied at start. `SCHEMA_MIGRATIONS` records each version applied;
//! starting again runs nothing but one SELECT.
//!
//! Snowflake commits DDL statement by statement, so a migration cut short half-way is simply
//! run again: every statement is `IF NOT EXISTS`, and the version row is merged in last.
//! Migrations are append-only; never edit one that has shipped.

use mirai_core::{Clock, SystemClock};

use crate::client::Client;
use crate::literal::{integer, text, timestamp};
use crate::{Result, SnowflakeError};

pub(crate) struct Migration {
    pub version: i64,
    pub description: &'static str,
    pub statements: &'static [&'static str],
}

/// Money, prices and quantities are NUMBER(38, 18), exact; times are TIMESTAMP_NTZ(3) holding
/// UTC. Primary keys document the merge keys (Snowflake does not enforce them; MERGE does).
pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        description: "fills, orders, decisions, P&L, risk events, audit log, backtest runs",
        statements: &[
            "CREATE TABLE IF NOT EXISTS FILLS (
            SYMBOL VARCHAR NOT NULL,
            TRADE_ID VARCHAR NOT NULL,
            CLIENT_ORDER_ID VARCHAR NOT NULL,
            SIDE VARCHAR NOT NULL,
            QTY NUMBER(38, 18) NOT NULL,
            PRICE NUMBER(38, 18) NOT NULL,
            NOTIONAL NUMBER(38, 18) NOT NULL,
            FEE NUMBER(38, 18) NOT NULL,
            TS TIMESTAMP_NTZ(3) NOT NULL,
            PRIMARY KEY (SYMBOL, TRADE_ID))",
            "CREATE TABLE IF NOT EXISTS ORDERS (
            CLIENT_ORDER_ID VARCHAR NOT NULL PRIMARY KEY,
            DECISION_ID VARCHAR NOT NULL,
            SYMBOL VARCHAR NOT NULL,
            SIDE VARCHAR NOT NULL,
            KIND VARCHAR NOT NULL,
            LIMIT_PRICE NUMBER(38, 18),
            TIME_IN_FORCE VARCHAR,
            QTY NUMBER(38, 18) NOT NULL,
            REFERENCE_PRICE NUMBER(38, 18) NOT NULL,
            CREATED_AT TIMESTAMP_NTZ(3) NOT NULL,
            STATUS VARCHAR NOT NULL,
            EXCHANGE_ORDER_ID NUMBER(20, 0),
            FILLED_QTY NUMBER(38, 18) NOT NULL,
            UPDATED_AT TIMESTAMP_NTZ(3) NOT NULL)",
            "CREATE TABLE IF NOT EXISTS DECISIONS (
            ID VARCHAR NOT NULL PRIMARY KEY,
            TS TIMESTAMP_NTZ(3) NOT NULL,
            SYMBOL VARCHAR NOT NULL,
            STRATEGY VARCHAR NOT NULL,
            ACTION VARCHAR NOT NULL,
            SIZE_FRACTION NUMBER(38, 18) NOT NULL,
            PRICE NUMBER(38, 18) NOT NULL,
            STOP_LOSS NUMBER(38, 18),
            TAKE_PROFIT NUMBER(38, 18),
            CONFIDENCE NUMBER(38, 18) NOT NULL,
            RATIONALE VARCHAR NOT NULL,
            CITATIONS VARCHAR NOT NULL)",
            "CREATE TABLE IF NOT EXISTS PNL_INTRADAY (
            TS TIMESTAMP_NTZ(3) NOT NULL PRIMARY KEY,
            EQUITY NUMBER(38, 18) NOT NULL,
            CASH NUMBER(38, 18) NOT NULL,
            REALISED NUMBER(38, 18) NOT NULL,
            UNREALISED NUMBER(38, 18) NOT NULL)",
            "CREATE TABLE IF NOT EXISTS PNL_DAILY (
            DAY DATE NOT NULL PRIMARY KEY,
            OPEN_TS TIMESTAMP_NTZ(3) NOT NULL,
            OPEN_EQUITY NUMBER(38, 18) NOT NULL,
            OPEN_REALISED NUMBER(38, 18) NOT NULL,
            CLOSE_TS TIMESTAMP_NTZ(3) NOT NULL,
            CLOSE_EQUITY NUMBER(38, 18) NOT NULL,
            CLOSE_CASH NUMBER(38, 18) NOT NULL,
            CLOSE_REALISED NUMBER(38, 18) NOT NULL,
            CLOSE_UNREALISED NUMBER(38, 18) NOT NULL,
            HIGH_EQUITY NUMBER(38, 18) NOT NULL,
            LOW_EQUITY NUMBER(38, 18) NOT NULL)",
            "CREATE TABLE IF NOT EXISTS RISK_EVENTS (
            ID VARCHAR NOT NULL PRIMARY KEY,
            TS TIMESTAMP_NTZ(3) NOT NULL,
            DECISION_ID VARCHAR,
            SYMBOL VARCHAR NOT NULL,
            GATE VARCHAR NOT NULL,
            REASON VARCHAR NOT NULL)",
            "CREATE TABLE IF NOT EXISTS AUDIT_LOG (
            SEQ NUMBER(20, 0) NOT NULL PRIMARY KEY,
            TS TIMESTAMP_NTZ(3) NOT NULL,
            KIND VARCHAR NOT NULL,
            ACTOR VARCHAR NOT NULL,
            PAYLOAD VARCHAR NOT NULL,
            PREV_HASH VARCHAR NOT NULL,
            HASH VARCHAR NOT NULL)",
            "CREATE TABLE IF NOT EXISTS BACKTEST_RUNS (
            ID VARCHAR NOT NULL PRIMARY KEY,
            CREATED_AT TIMESTAMP_NTZ(3) NOT NULL,
            STRATEGY VARCHAR NOT NULL,
            PARAMS VARCHAR NOT NULL,
            DATA_SOURCE VARCHAR NOT NULL,
            METRICS VARCHAR NOT NULL)",
        ],
    },
    Migration {
        version: 2,
        description: "who advised each decision (rules, model, fallback with its reason), as JSON",
        statements: &["ALTER TABLE DECISIONS ADD COLUMN IF NOT EXISTS ADVISOR VARCHAR"],
    },
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

const CREATE_MIGRATIONS: &str = "CREATE TABLE IF NOT EXISTS SCHEMA_MIGRATIONS (
    VERSION NUMBER(9, 0) NOT NULL PRIMARY KEY,
    DESCRIPTION VARCHAR NOT NULL,
    APPLIED_AT TIMESTAMP_NTZ(3) NOT NULL)";

/// What [`migrate`] found and did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Migrated {
    pub from: i64,
    pub to: i64,
}

/// Brings the schema to [`SCHEMA_VERSION`], or refuses one written by a newer build.
pub(crate) async fn migrate(client: &Client) -> Result<Migrated> {
    client.exec(CREATE_MIGRATIONS).await?;
    let from = current_version(client).await?;
    if from > SCHEMA_VERSION {
        return Err(SnowflakeError::NewerSchema { found: from, supported: SCHEMA_VERSION });
    }
    for m in MIGRATIONS.iter().filter(|m| m.version > from) {
        for sql in m.statements {
            client.exec(sql).await?;
        }
        // MERGE, not INSERT: two workers migrating at once record the version once.
        let sql = format!(
            "MERGE INTO SCHEMA_MIGRATIONS t USING (SELECT CAST(column1 AS NUMBER(9, 0)) AS VERSION, \
             CAST(column2 AS VARCHAR) AS DESCRIPTION, CAST(column3 AS TIMESTAMP_NTZ(3)) AS APPLIED_AT \
             FROM VALUES ({}, {}, {})) s ON t.VERSION = s.VERSION \
             WHEN NOT MATCHED THEN INSERT (VERSION, DESCRIPTION, APPLIED_AT) \
             VALUES (s.VERSION, s.DESCRIPTION, s.APPLIED_AT)",
            integer(m.version),
            text(m.description)?,
            timestamp(SystemClock.now())?,
        );
        client.exec(&sql).await?;
        tracing::info!(version = m.version, description = m.description, "migrated the Snowflake schema");
    }
    Ok(Migrated { from, to: from.max(SCHEMA_VERSION) })
}

pub(crate) async fn current_version(client: &Client) -> Result<i64> {
    let rows = client.exec("SELECT TO_VARCHAR(COALESCE(MAX(VERSION), 0)) FROM SCHEMA_MIGRATIONS").await?;
    let cell = rows.first().and_then(|r| r.first()).cloned().flatten().unwrap_or_else(|| "0".into());
    cell.parse().map_err(|_| SnowflakeError::Decode(format!("schema version {cell:?} is not a number")))
}

#[cfg(all(test, feature = "fakesnow"))]
mod tests {
    use super::*;
    use crate::fakesnow_compat;
    use crate::tables::ALL;

    /// The DDL and the merge specs must name the same columns: select every spec's columns from
    /// the freshly created tables, and count them against the DDL's.
    #[tokio::test]
    async fn the_ddl_has_every_column_the_writer_uses() {
        let port =
            mirai_testkit::shared(mirai_testkit::Kind::Fakesnow).unwrap_or_else(|e| panic!("{e}")).url();
        let settings = fakesnow_compat::settings(&port, &format!("T{}_DDL", std::process::id()));
        let http = fakesnow_compat::client(&settings).unwrap_or_else(|e| panic!("{e}"));
        let client = Client::new(settings, http);
        migrate(&client).await.unwrap_or_else(|e| panic!("{e}"));
        for table in ALL {
            let cols: Vec<&str> = table.column_names().collect();
            let sql = format!("SELECT {} FROM {} LIMIT 0", cols.join(", "), table.name);
            client.exec(&sql).await.unwrap_or_else(|e| panic!("{}: {e}", table.name));
            let ddl =
                MIGRATIONS[0].statements.iter().find(|s| s.contains(&format!("EXISTS {} (", table.name)));
            let ddl = ddl.unwrap_or_else(|| panic!("no DDL for {}", table.name));
            let declared =
                ddl.lines().filter(|l| l.trim_start().starts_with(|c: char| c.is_ascii_uppercase())).count();
            // Every line of a CREATE TABLE but the first declares a column or the primary key;
            // later migrations add columns one statement each.
            let pk_line = usize::from(ddl.contains("PRIMARY KEY ("));
            let added = MIGRATIONS[1..]
                .iter()
                .flat_map(|m| m.statements)
                .filter(|s| s.starts_with(&format!("ALTER TABLE {} ADD COLUMN", table.name)))
                .count();
            assert_eq!(declared - 1 - pk_line + added, cols.len(), "{}", table.name);
        }
    }
}
