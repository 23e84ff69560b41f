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
    Migration {
        version: 3,
        description: "the ledger after each fill, who advised each decision as columns with the model's usage, \
                      candles, proposals",
        statements: &[
            // The ledger's order and state after each fill: realised P&L net of the fee, and the
            // holding and cost basis left (empty for fills shipped before).
            "ALTER TABLE FILLS ADD COLUMN IF NOT EXISTS SEQ NUMBER(20, 0)",
            "ALTER TABLE FILLS ADD COLUMN IF NOT EXISTS REALISED_PNL NUMBER(38, 18)",
            "ALTER TABLE FILLS ADD COLUMN IF NOT EXISTS POSITION_QTY NUMBER(38, 18)",
            "ALTER TABLE FILLS ADD COLUMN IF NOT EXISTS POSITION_COST NUMBER(38, 18)",
            // `open` or `close` where the fill opened or closed its symbol's round trip.
            "ALTER TABLE FILLS ADD COLUMN IF NOT EXISTS TRIP VARCHAR",
            // ADVISOR's JSON as columns, plus what the model's call used (empty when no call
            // was made: the rules decided, or the breaker or the budget held the call back).
            "ALTER TABLE DECISIONS ADD COLUMN IF NOT EXISTS ADVISOR_KIND VARCHAR",
            "ALTER TABLE DECISIONS ADD COLUMN IF NOT EXISTS MODEL VARCHAR",
            "ALTER TABLE DECISIONS ADD COLUMN IF NOT EXISTS FALLBACK_REASON VARCHAR",
            "ALTER TABLE DECISIONS ADD COLUMN IF NOT EXISTS TOKENS_IN NUMBER(20, 0)",
            "ALTER TABLE DECISIONS ADD COLUMN IF NOT EXISTS TOKENS_OUT NUMBER(20, 0)",
            "ALTER TABLE DECISIONS ADD COLUMN IF NOT EXISTS COST_USD NUMBER(38, 18)",
            "ALTER TABLE DECISIONS ADD COLUMN IF NOT EXISTS LATENCY_MS NUMBER(20, 0)",
            "CREATE TABLE IF NOT EXISTS CANDLES (
            SYMBOL VARCHAR NOT NULL,
            INTERVAL VARCHAR NOT NULL,
            OPEN_TIME TIMESTAMP_NTZ(3) NOT NULL,
            CLOSE_TIME TIMESTAMP_NTZ(3) NOT NULL,
            OPEN NUMBER(38, 18) NOT NULL,
            HIGH NUMBER(38, 18) NOT NULL,
            LOW NUMBER(38, 18) NOT NULL,
            CLOSE NUMBER(38, 18) NOT NULL,
            VOLUME NUMBER(38, 18) NOT NULL,
            SOURCE VARCHAR NOT NULL,
            PRIMARY KEY (SYMBOL, INTERVAL, OPEN_TIME))",
            "CREATE TABLE IF NOT EXISTS PROPOSALS (
            ID VARCHAR NOT NULL PRIMARY KEY,
            DECISION_ID VARCHAR NOT NULL,
            SYMBOL VARCHAR NOT NULL,
            SIDE VARCHAR NOT NULL,
            QTY NUMBER(38, 18) NOT NULL,
            CONFIDENCE NUMBER(38, 18) NOT NULL,
            STATUS VARCHAR NOT NULL,
            CREATED_AT TIMESTAMP_NTZ(3) NOT NULL,
            EXPIRES_AT TIMESTAMP_NTZ(3) NOT NULL,
            DECIDED_BY VARCHAR,
            DECIDED_AT TIMESTAMP_NTZ(3),
            REASON VARCHAR)",
        ],
    },
    // The analysts' views (docs/analytics.md). Sums are cast to NUMBER(38, 18) before adding, so
    // they stay exact on every engine (a plain SUM over a computed column may become a float on
    // some). A later change to a view is a new migration with CREATE OR REPLACE VIEW.
    Migration {
        version: 4,
        description: "views: round trips, P&L by day and symbol, decision outcomes, model usage, refusals by gate",
        statements: &[
            r"CREATE OR REPLACE VIEW ROUND_TRIPS AS
            WITH booked AS (
                SELECT f.SYMBOL, f.TS, f.SEQ, f.SIDE, f.QTY, f.NOTIONAL, f.FEE, f.REALISED_PNL, o.DECISION_ID,
                       CASE WHEN f.TRIP = 'open' THEN 1 ELSE 0 END AS OPENS,
                       CASE WHEN f.TRIP = 'close' THEN 1 ELSE 0 END AS CLOSES
                FROM FILLS f LEFT JOIN ORDERS o ON o.CLIENT_ORDER_ID = f.CLIENT_ORDER_ID
                WHERE f.POSITION_QTY IS NOT NULL
            ), numbered AS (
                SELECT b.*, SUM(CAST(OPENS AS NUMBER(20, 0))) OVER (PARTITION BY SYMBOL ORDER BY TS, SEQ
                                             ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS TRIP_NO
                FROM booked b
            ), trips AS (
                SELECT SYMBOL, TRIP_NO, MIN(TS) AS ENTRY_TIME, MAX(TS) AS EXIT_TIME,
                       SUM(CAST(CASE WHEN SIDE = 'BUY' THEN QTY ELSE 0 END AS NUMBER(38, 18))) AS QTY,
                       SUM(CAST(CASE WHEN SIDE = 'BUY' THEN NOTIONAL ELSE 0 END AS NUMBER(38, 18))) AS ENTRY_NOTIONAL,
                       SUM(CAST(CASE WHEN SIDE = 'SELL' THEN NOTIONAL ELSE 0 END AS NUMBER(38, 18))) AS EXIT_NOTIONAL,
                       SUM(CAST(FEE AS NUMBER(38, 18))) AS FEES, SUM(CAST(REALISED_PNL AS NUMBER(38, 18))) AS PNL,
                       MAX(CASE WHEN OPENS = 1 THEN DECISION_ID END) AS OPENING_DECISION_ID,
                       MAX(CASE WHEN CLOSES = 1 THEN DECISION_ID END) AS CLOSING_DECISION_ID
                FROM numbered WHERE TRIP_NO > 0
                GROUP BY SYMBOL, TRIP_NO
                HAVING MAX(CLOSES) = 1
            )
            SELECT SYMBOL, TRIP_NO, ENTRY_TIME, EXIT_TIME, QTY,
                   ROUND(ENTRY_NOTIONAL / QTY, 8) AS ENTRY_PRICE, ROUND(EXIT_NOTIONAL / QTY, 8) AS EXIT_PRICE,
                   ENTRY_NOTIONAL, EXIT_NOTIONAL, FEES, PNL,
                   ROUND(PNL / ENTRY_NOTIONAL, 8) AS RETURN,
                   DATEDIFF('millisecond', ENTRY_TIME, EXIT_TIME) / 1000 AS DURATION_S,
                   OPENING_DECISION_ID, CLOSING_DECISION_ID
            FROM trips",
            r"CREATE OR REPLACE VIEW PNL_BY_DAY_SYMBOL AS
            WITH fill_days AS (
                SELECT SYMBOL, TO_DATE(TS) AS DAY, SUM(CAST(REALISED_PNL AS NUMBER(38, 18))) AS REALISED, SUM(CAST(FEE AS NUMBER(38, 18))) AS FEES, COUNT(*) AS FILLS,
                       SUM(CAST(CASE WHEN SIDE = 'BUY' THEN QTY ELSE -QTY END AS NUMBER(38, 18))) AS QTY_CHANGE,
                       SUM(CAST(CASE WHEN SIDE = 'BUY' THEN NOTIONAL ELSE REALISED_PNL + FEE - NOTIONAL END AS NUMBER(38, 18))) AS COST_CHANGE
                FROM FILLS WHERE POSITION_QTY IS NOT NULL
                GROUP BY SYMBOL, TO_DATE(TS)
            ), closes AS (
                SELECT SYMBOL, DAY, CLOSE FROM (
                    SELECT SYMBOL, TO_DATE(CLOSE_TIME) AS DAY, CLOSE,
                           ROW_NUMBER() OVER (PARTITION BY SYMBOL, TO_DATE(CLOSE_TIME) ORDER BY CLOSE_TIME DESC, INTERVAL) AS RN
                    FROM CANDLES
                ) c WHERE RN = 1
            ), trips AS (
                SELECT SYMBOL, TO_DATE(EXIT_TIME) AS DAY, COUNT(*) AS TRADES, COUNT(CASE WHEN PNL > 0 THEN 1 END) AS WINS
                FROM ROUND_TRIPS GROUP BY SYMBOL, TO_DATE(EXIT_TIME)
            ), days AS (
                SELECT SYMBOL, DAY FROM fill_days UNION SELECT SYMBOL, DAY FROM closes
            ), running AS (
                SELECT d.SYMBOL, d.DAY, f.REALISED, f.FEES, f.FILLS, c.CLOSE,
                       SUM(CAST(COALESCE(f.QTY_CHANGE, 0) AS NUMBER(38, 18))) OVER (PARTITION BY d.SYMBOL ORDER BY d.DAY
                                                           ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS HELD,
                       SUM(CAST(COALESCE(f.COST_CHANGE, 0) AS NUMBER(38, 18))) OVER (PARTITION BY d.SYMBOL ORDER BY d.DAY
                                                            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS COST
                FROM days d
                LEFT JOIN fill_days f ON f.SYMBOL = d.SYMBOL AND f.DAY = d.DAY
                LEFT JOIN closes c ON c.SYMBOL = d.SYMBOL AND c.DAY = d.DAY
            )
            SELECT r.DAY, r.SYMBOL, COALESCE(r.REALISED, 0) AS REALISED_PNL,
                   CASE WHEN r.HELD = 0 THEN 0 WHEN r.CLOSE IS NULL THEN NULL ELSE ROUND(CAST(r.HELD AS NUMBER(38, 10)) * CAST(r.CLOSE AS NUMBER(38, 10)) - r.COST, 8) END AS UNREALISED_PNL,
                   COALESCE(r.FEES, 0) AS FEES, COALESCE(r.FILLS, 0) AS FILLS,
                   COALESCE(t.TRADES, 0) AS TRADES, COALESCE(t.WINS, 0) AS WINS,
                   CASE WHEN t.TRADES > 0 THEN ROUND(CAST(t.WINS AS NUMBER(38, 18)) / t.TRADES, 4) END AS WIN_RATE,
                   r.HELD AS POSITION_QTY, r.CLOSE AS CLOSE_PRICE
            FROM running r
            LEFT JOIN trips t ON t.SYMBOL = r.SYMBOL AND t.DAY = r.DAY
            WHERE COALESCE(r.FILLS, 0) > 0 OR r.HELD <> 0",
            r"CREATE OR REPLACE VIEW DECISION_OUTCOMES AS
            WITH o AS (
                SELECT DECISION_ID, COUNT(*) AS ORDERS, MAX(CASE WHEN STATUS = 'REJECTED' THEN 1 ELSE 0 END) AS REJECTED
                FROM ORDERS GROUP BY DECISION_ID
            ), f AS (
                SELECT o.DECISION_ID, COUNT(*) AS FILLS, SUM(CAST(f.QTY AS NUMBER(38, 18))) AS FILLED_QTY, SUM(CAST(f.NOTIONAL AS NUMBER(38, 18))) AS NOTIONAL, SUM(CAST(f.FEE AS NUMBER(38, 18))) AS FEES
                FROM FILLS f JOIN ORDERS o ON o.CLIENT_ORDER_ID = f.CLIENT_ORDER_ID GROUP BY o.DECISION_ID
            ), r AS (
                SELECT DECISION_ID, GATE, REASON FROM (
                    SELECT DECISION_ID, GATE, REASON, ROW_NUMBER() OVER (PARTITION BY DECISION_ID ORDER BY TS, ID) AS RN
                    FROM RISK_EVENTS WHERE DECISION_ID IS NOT NULL
                ) x WHERE RN = 1
            ), p AS (
                SELECT DECISION_ID, STATUS, DECIDED_BY FROM (
                    SELECT DECISION_ID, STATUS, DECIDED_BY, ROW_NUMBER() OVER (PARTITION BY DECISION_ID ORDER BY ID) AS RN
                    FROM PROPOSALS
                ) y WHERE RN = 1
            )
            SELECT d.ID AS DECISION_ID, d.TS, d.SYMBOL, d.STRATEGY, d.ACTION, d.CONFIDENCE,
                   d.ADVISOR_KIND, d.MODEL, d.FALLBACK_REASON,
                   CASE
                       WHEN f.FILLS > 0 THEN 'executed'
                       WHEN r.GATE = 'exchange' OR o.REJECTED = 1 THEN 'rejected_by_exchange'
                       WHEN r.GATE IS NOT NULL THEN 'refused'
                       WHEN p.STATUS IS NOT NULL THEN 'proposal_' || LOWER(p.STATUS)
                       WHEN o.ORDERS > 0 THEN 'not_filled'
                       WHEN d.ACTION = 'hold' THEN 'hold'
                       ELSE 'no_order'
                   END AS OUTCOME,
                   r.GATE AS REFUSED_BY, r.REASON AS REFUSAL_REASON, p.STATUS AS PROPOSAL_STATUS, p.DECIDED_BY,
                   COALESCE(o.ORDERS, 0) AS ORDERS, COALESCE(f.FILLS, 0) AS FILLS, COALESCE(f.FILLED_QTY, 0) AS FILLED_QTY,
                   COALESCE(f.NOTIONAL, 0) AS NOTIONAL, COALESCE(f.FEES, 0) AS FEES, t.PNL AS TRIP_PNL
            FROM DECISIONS d
            LEFT JOIN o ON o.DECISION_ID = d.ID
            LEFT JOIN f ON f.DECISION_ID = d.ID
            LEFT JOIN r ON r.DECISION_ID = d.ID
            LEFT JOIN p ON p.DECISION_ID = d.ID
            LEFT JOIN ROUND_TRIPS t ON t.OPENING_DECISION_ID = d.ID",
            r"CREATE OR REPLACE VIEW MODEL_USAGE AS
            SELECT TO_DATE(TS) AS DAY, MODEL, COUNT(*) AS DECISIONS,
                   COUNT(LATENCY_MS) AS CALLS,
                   COUNT(CASE WHEN ADVISOR_KIND = 'fallback' THEN 1 END) AS FALLBACKS,
                   COALESCE(SUM(CAST(TOKENS_IN AS NUMBER(20, 0))), 0) AS TOKENS_IN, COALESCE(SUM(CAST(TOKENS_OUT AS NUMBER(20, 0))), 0) AS TOKENS_OUT,
                   COALESCE(SUM(CAST(COST_USD AS NUMBER(38, 18))), 0) AS COST_USD,
                   ROUND(AVG(CAST(LATENCY_MS AS NUMBER(20, 0))), 0) AS AVG_LATENCY_MS, MAX(LATENCY_MS) AS MAX_LATENCY_MS
            FROM DECISIONS WHERE MODEL IS NOT NULL
            GROUP BY TO_DATE(TS), MODEL",
            r"CREATE OR REPLACE VIEW RISK_REFUSALS_BY_GATE AS
            SELECT TO_DATE(TS) AS DAY, SYMBOL, GATE, COUNT(*) AS REFUSALS, MIN(REASON) AS EXAMPLE_REASON
            FROM RISK_EVENTS
            GROUP BY TO_DATE(TS), SYMBOL, GATE",
        ],
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
            // The CREATE TABLE may be in any migration (CANDLES came with migration 3).
            let ddl = MIGRATIONS
                .iter()
                .flat_map(|m| m.statements)
                .find(|s| s.contains(&format!("CREATE TABLE IF NOT EXISTS {} (", table.name)));
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
