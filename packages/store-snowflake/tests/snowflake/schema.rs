//! The versioned DDL: created on first connect, a no-op on every later one.

use mirai_store_snowflake::{SCHEMA_VERSION, fakesnow_compat};

use crate::helpers::{fresh_settings, scalar};

#[tokio::test]
async fn schema_is_created_once_and_reapplying_it_changes_nothing() {
    let settings = fresh_settings("schema");
    let first = fakesnow_compat::connect(settings.clone()).await.unwrap();
    assert_eq!((first.migrated().unwrap().from, first.migrated().unwrap().to), (0, SCHEMA_VERSION));
    assert_eq!(
        scalar(&first, "SELECT TO_VARCHAR(COUNT(*)) FROM SCHEMA_MIGRATIONS").await,
        SCHEMA_VERSION.to_string()
    );

    // A second worker (or a restart) finds the schema current and runs nothing.
    let second = fakesnow_compat::connect(settings).await.unwrap();
    assert_eq!(
        (second.migrated().unwrap().from, second.migrated().unwrap().to),
        (SCHEMA_VERSION, SCHEMA_VERSION)
    );
    assert_eq!(second.migrate().await.unwrap().from, SCHEMA_VERSION);
    assert_eq!(
        scalar(&second, "SELECT TO_VARCHAR(COUNT(*)) FROM SCHEMA_MIGRATIONS").await,
        SCHEMA_VERSION.to_string()
    );
    assert_eq!(second.schema_version().await.unwrap(), SCHEMA_VERSION);
    let description = scalar(&second, "SELECT DESCRIPTION FROM SCHEMA_MIGRATIONS WHERE VERSION = 1").await;
    assert!(description.contains("fills"), "{description}");
}

#[tokio::test]
async fn an_unreachable_server_is_a_quick_retryable_error_without_the_password() {
    let mut settings = fakesnow_compat::settings("http://127.0.0.1:9", "NOWHERE");
    settings.request_timeout = std::time::Duration::from_secs(2);
    let started = std::time::Instant::now();
    let err = fakesnow_compat::connect(settings).await.unwrap_err();
    assert!(err.is_retryable(), "{err}");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    let text = format!("{err} {err:?}");
    assert!(!text.contains("fakesnow-does-not-check-passwords"), "{text}");
}

#[tokio::test]
async fn a_store_opened_while_snowflake_is_away_applies_the_schema_on_first_use() {
    let store = fakesnow_compat::open(fresh_settings("lazy")).unwrap();
    assert_eq!(store.migrated(), None);
    let debug = format!("{store:?}");
    assert!(!debug.contains("fakesnow-does-not-check-passwords") && debug.contains("[REDACTED]"), "{debug}");
    let page = store.trades(&mirai_store_snowflake::TradeQuery::default()).await.unwrap();
    assert!(page.trades.is_empty());
    assert_eq!(store.migrated().map(|m| m.to), Some(SCHEMA_VERSION));
}
