//! `SnowflakeStore`: the analytics port on Snowflake. The versioned DDL is applied when the
//! store connects, or, for a store opened without I/O (a worker starting while Snowflake is
//! down), before its first statement; `write_batch` merges each table's rows in as few
//! statements as fit; the read queries serve the web tier.

use mirai_core::{AnalyticsError, AnalyticsRecord, AnalyticsStore, Symbol, Timestamp};
use reqwest_middleware::ClientWithMiddleware;
use tokio::sync::OnceCell;

use crate::client::Client;
use crate::encode::encode;
use crate::queries::{pnl, stats, trades};
use crate::schema::{self, Migrated};
use crate::{DailyPnl, Result, SnowflakeSettings, SymbolStats, TimeRange, TradeQuery, TradesPage};

#[derive(Debug)]
pub struct SnowflakeStore {
    client: Client,
    /// Set once the schema is known to be current; a failed attempt leaves it empty.
    migrated: OnceCell<Migrated>,
}

impl SnowflakeStore {
    /// Connects with our HTTP client (base-URL rewrite included) and brings the schema up to date.
    pub async fn connect(settings: SnowflakeSettings) -> Result<Self> {
        let http = crate::http::client(&settings)?;
        Self::connect_with(settings, http).await
    }

    /// As [`SnowflakeStore::connect`] with a client the caller built, normally from
    /// [`crate::http::client_builder`] plus a middleware of its own.
    pub async fn connect_with(settings: SnowflakeSettings, http: ClientWithMiddleware) -> Result<Self> {
        let store = Self::open_with(settings, http);
        store.ready().await?;
        Ok(store)
    }

    /// A store that has not talked to Snowflake yet: it logs in and applies the schema before
    /// its first statement. For a worker that must start (and trade) while Snowflake is down.
    pub fn open(settings: SnowflakeSettings) -> Result<Self> {
        let http = crate::http::client(&settings)?;
        Ok(Self::open_with(settings, http))
    }

    pub fn open_with(settings: SnowflakeSettings, http: ClientWithMiddleware) -> Self {
        Self { client: Client::new(settings, http), migrated: OnceCell::new() }
    }

    /// The schema versions found and reached when the store first got ready, if it has.
    pub fn migrated(&self) -> Option<Migrated> {
        self.migrated.get().copied()
    }

    /// Applies the DDL unless already done by this store.
    async fn ready(&self) -> Result<()> {
        self.migrated
            .get_or_try_init(|| async {
                let migrated = schema::migrate(&self.client).await?;
                let s = self.client.settings();
                tracing::info!(
                    account = %s.account,
                    database = %s.database,
                    schema = %s.schema,
                    version = migrated.to,
                    "snowflake store ready"
                );
                Ok::<_, crate::SnowflakeError>(migrated)
            })
            .await?;
        Ok(())
    }

    /// Applies any pending migration again; a no-op when the schema is current.
    #[tracing::instrument(name = "snowflake.migrate", skip_all)]
    pub async fn migrate(&self) -> Result<Migrated> {
        schema::migrate(&self.client).await
    }

    pub async fn schema_version(&self) -> Result<i64> {
        schema::current_version(&self.client).await
    }

    /// Writes a batch: each table's rows merged on its key, so re-delivery changes nothing and
    /// an order's row follows its state. A record that cannot be written exactly refuses the
    /// whole batch before anything is sent.
    #[tracing::instrument(name = "snowflake.write", skip_all, fields(records = records.len()))]
    pub async fn write(&self, records: &[AnalyticsRecord]) -> Result<()> {
        let rows = encode(records)?;
        self.ready().await?;
        for (table, rows) in rows.into_tables() {
            for sql in crate::merge::statements(table, &rows) {
                self.client.exec(&sql).await?;
            }
        }
        Ok(())
    }

    /// A page of fills, newest first.
    #[tracing::instrument(name = "snowflake.trades", skip_all)]
    pub async fn trades(&self, q: &TradeQuery) -> Result<TradesPage> {
        self.ready().await?;
        trades::page(&self.client, q).await
    }

    /// P&L per UTC day from `since`'s date to `until`'s, both included.
    #[tracing::instrument(name = "snowflake.daily_pnl", skip_all)]
    pub async fn daily_pnl(&self, since: Timestamp, until: Timestamp) -> Result<Vec<DailyPnl>> {
        self.ready().await?;
        pnl::daily(&self.client, since, until).await
    }

    /// Statistics per symbol (one symbol if given) for fills in `range`.
    #[tracing::instrument(name = "snowflake.symbol_stats", skip_all)]
    pub async fn symbol_stats(&self, symbol: Option<Symbol>, range: TimeRange) -> Result<Vec<SymbolStats>> {
        self.ready().await?;
        stats::per_symbol(&self.client, symbol, range).await
    }

    /// One of the analysts' views, filtered, as canonical cells (comparable with the same report
    /// computed from the local ledger).
    #[tracing::instrument(name = "snowflake.report", skip_all, fields(report = report.name()))]
    pub async fn report(
        &self,
        report: mirai_reports::Report,
        filter: &mirai_reports::Filter,
    ) -> Result<mirai_reports::Table> {
        self.ready().await?;
        crate::queries::reports::read(&self.client, report, filter).await
    }

    /// How many rows of each table kept seven years are older than `cutoff`; with `dry_run`
    /// false, deletes them too. Backtest runs and the audit log are not purged here.
    #[tracing::instrument(name = "snowflake.purge", skip_all)]
    pub async fn purge(&self, cutoff: Timestamp, dry_run: bool) -> Result<Vec<(&'static str, u64)>> {
        self.ready().await?;
        crate::queries::reports::purge(&self.client, cutoff, dry_run).await
    }

    /// Runs a fixed query and returns its rows as text: for tests, tools and checks. Only a
    /// `&'static str` is accepted, so no runtime value can be spliced into it.
    pub async fn query_static(&self, sql: &'static str) -> Result<Vec<Vec<Option<String>>>> {
        self.client.exec(sql).await
    }
}

impl AnalyticsStore for SnowflakeStore {
    async fn write_batch(&self, records: &[AnalyticsRecord]) -> Result<(), AnalyticsError> {
        self.write(records).await.map_err(|e| {
            tracing::warn!(records = records.len(), error = %e, "snowflake batch not written");
            AnalyticsError::from(e)
        })
    }
}
