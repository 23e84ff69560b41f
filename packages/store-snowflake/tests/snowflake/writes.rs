//! Batched writes read back exactly: every record kind, decimals to the last digit, times in
//! UTC to the millisecond, hostile text unchanged; values that would be rounded are refused.

use mirai_core::{
    AnalyticsError, AnalyticsRecord, AnalyticsStore, AuditRecord, BacktestRunRecord, DecisionId, OrderKind,
    OrderStatus, Price, RiskEventRecord, Side, Symbol, TimeInForce,
};
use mirai_store_snowflake::{TimeRange, TradeQuery};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

use crate::helpers::{dec, decision, fill, fills, fresh_store, order, pnl, scalar, ts};

/// 2026-11-23T02:24:39.123Z
const T: i64 = 1_795_400_679_123;

#[tokio::test]
async fn a_batch_of_every_kind_reads_back_exactly() {
    let store = fresh_store("exact").await;
    let f = vec![
        fill("BTCUSDT", "1", Side::Buy, "0.00100000", "62000.10000000", "0.06200010", T),
        fill("ETHUSDT", "1", Side::Sell, "12345678.87654321", "0.00001234", "-0.00000001", T + 1),
        // The smallest and the largest magnitudes a NUMBER(38, 18) column takes from a Decimal.
        fill("XRPUSDT", "9", Side::Buy, "0.000000000001", "1.000001", "0.000000000000000001", -1),
        fill("XRPUSDT", "10", Side::Buy, "7922816.2514264337593543950", "1", "0", 0),
    ];
    let mut limit = order("mi-limit-1", OrderStatus::PartiallyFilled, "0.005", T);
    limit.request.kind =
        OrderKind::Limit { price: Price::new(dec("61999.99")), time_in_force: TimeInForce::Ioc };
    let hostile = "it's \\ a \"test\" -- ; DROP TABLE FILLS; $$ \\' \n\t ünïcødé 🚀 '' \\\\";
    let mut records = fills(&f);
    records.extend([
        AnalyticsRecord::Decision(decision(T, hostile)),
        AnalyticsRecord::Order(limit.clone()),
        AnalyticsRecord::Pnl(pnl(T, "1234567890.123456789012345678", "-0.000000000000000001")),
        AnalyticsRecord::RiskEvent(RiskEventRecord {
            id: "42".into(),
            ts: ts(T),
            decision_id: Some(DecisionId::from_stored("sma-cross:BTCUSDT:1".into())),
            symbol: Symbol::new("BTCUSDT"),
            gate: "max_daily_loss".into(),
            reason: "daily loss 5.01% exceeds 5%".into(),
        }),
        AnalyticsRecord::Audit(AuditRecord {
            seq: 1,
            ts: ts(T),
            kind: "fill".into(),
            actor: "exchange".into(),
            payload_json: r#"{"note":"quote ' and backslash \\","qty":"0.001"}"#.into(),
            prev_hash: "0".repeat(64),
            hash: "ab".repeat(32),
        }),
        AnalyticsRecord::BacktestRun(BacktestRunRecord {
            id: "bt-1".into(),
            created_at: ts(T),
            strategy: "sma-cross".into(),
            params_json: r#"{"fast":5,"slow":20}"#.into(),
            data_source: "replay:42".into(),
            metrics_json: r#"{"sharpe":"1.25"}"#.into(),
        }),
    ]);
    store.write_batch(&records).await.unwrap();

    // Fills, through the trades query: every field equal, newest first.
    let page = store.trades(&TradeQuery { limit: 10, ..TradeQuery::default() }).await.unwrap();
    let mut want = f.clone();
    want.sort_by(|a, b| (b.ts, b.symbol, b.trade_id.as_str()).cmp(&(a.ts, a.symbol, a.trade_id.as_str())));
    assert_eq!(page.trades, want);
    assert_eq!(page.next, None);
    // Digits as stored: the column's 18 places, nothing lost or invented.
    assert_eq!(
        scalar(&store, "SELECT TO_VARCHAR(FEE) FROM FILLS WHERE TRADE_ID = '9'").await,
        "0.000000000000000001"
    );
    assert_eq!(
        scalar(&store, "SELECT TO_VARCHAR(QTY) FROM FILLS WHERE TRADE_ID = '10'").await,
        "7922816.251426433759354395"
    );
    assert_eq!(
        scalar(&store, "SELECT TO_VARCHAR(NOTIONAL) FROM FILLS WHERE SYMBOL = 'ETHUSDT'").await,
        "152.345677336543211400"
    );
    // UTC wall time, to the millisecond, on both sides of the epoch.
    assert_eq!(
        scalar(&store, "SELECT TO_VARCHAR(TS) FROM FILLS WHERE SYMBOL = 'BTCUSDT'").await,
        "2026-11-23 02:24:39.123"
    );
    assert_eq!(
        scalar(&store, "SELECT TO_VARCHAR(DATE_PART(EPOCH_MILLISECOND, TS)) FROM FILLS WHERE TRADE_ID = '9'")
            .await,
        "-1"
    );

    let d = store
        .query_static(
            "SELECT ID, TO_VARCHAR(DATE_PART(EPOCH_MILLISECOND, TS)), RATIONALE, CITATIONS, TO_VARCHAR(PRICE), \
             TO_VARCHAR(CONFIDENCE), TO_VARCHAR(STOP_LOSS), TO_VARCHAR(TAKE_PROFIT), ADVISOR FROM DECISIONS",
        )
        .await
        .unwrap();
    assert_eq!(d.len(), 1);
    let want_d = decision(T, hostile);
    assert_eq!(d[0][0].as_deref(), Some(want_d.id.as_str()));
    assert_eq!(d[0][1].as_deref(), Some(T.to_string().as_str()));
    assert_eq!(d[0][2].as_deref(), Some(hostile));
    assert_eq!(d[0][3].as_deref(), Some(r#"[{"title":"SMA(5) crossed SMA(20)"}]"#));
    assert_eq!(dec(d[0][4].as_deref().unwrap()), dec("62000.12345678"));
    assert_eq!(dec(d[0][5].as_deref().unwrap()), dec("0.8125"));
    assert_eq!(dec(d[0][6].as_deref().unwrap()), dec("60000"));
    assert_eq!(d[0][7], None);
    assert_eq!(d[0][8].as_deref(), Some(r#"{"kind":"rules"}"#), "who advised");

    let o = store
        .query_static(
            "SELECT CLIENT_ORDER_ID, KIND, TO_VARCHAR(LIMIT_PRICE), TIME_IN_FORCE, STATUS, \
             TO_VARCHAR(EXCHANGE_ORDER_ID), TO_VARCHAR(FILLED_QTY), TO_VARCHAR(QTY) FROM ORDERS",
        )
        .await
        .unwrap();
    let cells: Vec<Option<&str>> = o[0].iter().map(|c| c.as_deref()).collect();
    assert_eq!(cells[..2], [Some("mi-limit-1"), Some("LIMIT")]);
    assert_eq!(dec(cells[2].unwrap()), dec("61999.99"));
    assert_eq!(cells[3..6], [Some("IOC"), Some("PARTIALLY_FILLED"), Some("77")]);
    assert_eq!((dec(cells[6].unwrap()), dec(cells[7].unwrap())), (dec("0.005"), dec("0.015")));

    assert_eq!(
        scalar(&store, "SELECT TO_VARCHAR(EQUITY) || '|' || TO_VARCHAR(REALISED) FROM PNL_INTRADAY").await,
        "1234567890.123456789012345678|-0.000000000000000001"
    );
    assert_eq!(
        scalar(&store, "SELECT ID || '|' || GATE || '|' || REASON || '|' || DECISION_ID FROM RISK_EVENTS")
            .await,
        "42|max_daily_loss|daily loss 5.01% exceeds 5%|sma-cross:BTCUSDT:1"
    );
    assert_eq!(
        scalar(&store, "SELECT PAYLOAD FROM AUDIT_LOG WHERE SEQ = 1").await,
        r#"{"note":"quote ' and backslash \\","qty":"0.001"}"#
    );
    assert_eq!(scalar(&store, "SELECT HASH FROM AUDIT_LOG").await, "ab".repeat(32));
    assert_eq!(
        scalar(&store, "SELECT PARAMS || METRICS || DATA_SOURCE FROM BACKTEST_RUNS WHERE ID = 'bt-1'").await,
        r#"{"fast":5,"slow":20}{"sharpe":"1.25"}replay:42"#
    );
    let stats = store.symbol_stats(None, TimeRange::all()).await.unwrap();
    assert_eq!(stats.len(), 2, "the sell of ETH without a buy is left out of statistics: {stats:?}");
}

#[tokio::test]
async fn any_text_round_trips_unchanged() {
    let store = fresh_store("text").await;
    // A fixed seed: the same 150 arbitrary strings (any Unicode scalar but NUL) on every run.
    let mut runner =
        TestRunner::new_with_rng(Config::default(), TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]));
    let strategy = "[^\u{0}]{0,40}";
    let texts: Vec<String> = (0..150)
        .map(|_| strategy.new_tree(&mut runner).map(|t| t.current()).unwrap_or_default())
        .chain(["'".into(), "\\".into(), "\\'".into(), "''''".into(), "$$".into(), "\r\n".into()])
        .collect();
    let records: Vec<AnalyticsRecord> =
        texts.iter().enumerate().map(|(i, t)| AnalyticsRecord::Decision(decision(i as i64, t))).collect();
    store.write_batch(&records).await.unwrap();
    let rows = store
        .query_static("SELECT TO_VARCHAR(DATE_PART(EPOCH_MILLISECOND, TS)), RATIONALE FROM DECISIONS")
        .await
        .unwrap();
    assert_eq!(rows.len(), texts.len());
    for row in rows {
        let i: usize = row[0].as_deref().unwrap().parse().unwrap();
        assert_eq!(row[1].as_deref(), Some(texts[i].as_str()), "text #{i}");
    }
}

#[tokio::test]
async fn a_value_that_would_be_rounded_refuses_the_batch_before_anything_is_written() {
    let store = fresh_store("refused").await;
    let good = fill("BTCUSDT", "1", Side::Buy, "1", "100", "0.1", T);
    let too_precise = fill("BTCUSDT", "2", Side::Buy, "1", "100", "0.0000000000000000001", T);
    let err = store.write_batch(&fills(&[good, too_precise])).await.unwrap_err();
    assert!(
        matches!(&err, AnalyticsError::Rejected(m) if m.contains("record 1") && m.contains("decimal places")),
        "{err}"
    );
    assert_eq!(scalar(&store, "SELECT TO_VARCHAR(COUNT(*)) FROM FILLS").await, "0");
}
