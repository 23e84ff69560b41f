//! PROPOSALS: one row per proposal in its latest state. A state further along replaces the row;
//! a re-delivered older one (a retry, a backfill after the fact) never moves it back.

use mirai_core::{
    AnalyticsRecord, AnalyticsStore, ClientOrderId, Confidence, DecisionId, ProposalRecord, ProposalStatus,
    Qty, Side, Symbol,
};

use crate::helpers::{dec, fresh_store, scalar, ts};

/// 2026-11-23T02:24:00.000Z
const T: i64 = 1_795_400_640_000;

fn pending(id: &str) -> ProposalRecord {
    ProposalRecord {
        id: ClientOrderId::new_checked(id).unwrap_or_else(|e| panic!("{e}")),
        decision_id: DecisionId::from_stored("sma-cross:BTCUSDT:1795400640000".into()),
        symbol: Symbol::new("BTCUSDT"),
        side: Side::Buy,
        qty: Qty::new(dec("0.001234567890123456")),
        confidence: Confidence::new_checked(dec("0.8125")).unwrap_or_else(|e| panic!("{e}")),
        status: ProposalStatus::Pending,
        created_at: ts(T),
        expires_at: ts(T + 300_000),
        decided_by: None,
        decided_at: None,
        reason: None,
    }
}

fn approved(id: &str) -> ProposalRecord {
    ProposalRecord {
        status: ProposalStatus::Approved,
        decided_by: Some("alice".into()),
        decided_at: Some(ts(T + 60_000)),
        ..pending(id)
    }
}

fn executed(id: &str) -> ProposalRecord {
    ProposalRecord {
        status: ProposalStatus::Executed,
        decided_at: Some(ts(T + 60_123)),
        reason: Some("sent: it's \"accepted\"".into()),
        ..approved(id)
    }
}

fn ship(p: &ProposalRecord) -> [AnalyticsRecord; 1] {
    [AnalyticsRecord::Proposal(p.clone())]
}

/// Every proposal's row, as text (times as epoch milliseconds, decimals normalised).
async fn row(store: &mirai_store_snowflake::SnowflakeStore) -> Vec<Vec<Option<String>>> {
    let mut rows = store
        .query_static(
            "SELECT ID, DECISION_ID, SYMBOL, SIDE, TO_VARCHAR(QTY), TO_VARCHAR(CONFIDENCE), STATUS, \
             TO_VARCHAR(DATE_PART(EPOCH_MILLISECOND, CREATED_AT)), \
             TO_VARCHAR(DATE_PART(EPOCH_MILLISECOND, EXPIRES_AT)), DECIDED_BY, \
             TO_VARCHAR(DATE_PART(EPOCH_MILLISECOND, DECIDED_AT)), REASON FROM PROPOSALS ORDER BY ID",
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    for r in &mut rows {
        for i in [4, 5] {
            r[i] = r[i].as_deref().map(|d| dec(d).normalize().to_string());
        }
    }
    rows
}

fn cells(p: &ProposalRecord) -> Vec<Option<String>> {
    vec![
        Some(p.id.to_string()),
        Some(p.decision_id.as_str().to_owned()),
        Some(p.symbol.to_string()),
        Some(p.side.as_str().to_owned()),
        Some(p.qty.get().normalize().to_string()),
        Some(p.confidence.get().normalize().to_string()),
        Some(p.status.as_str().to_owned()),
        Some(p.created_at.millis().to_string()),
        Some(p.expires_at.millis().to_string()),
        p.decided_by.clone(),
        p.decided_at.map(|t| t.millis().to_string()),
        p.reason.clone(),
    ]
}

#[tokio::test]
async fn a_proposal_moves_on_to_executed_and_a_redelivered_older_state_never_moves_it_back() {
    let store = fresh_store("proposals").await;
    let id = "mi-prop-1";

    store.write_batch(&ship(&pending(id))).await.unwrap();
    assert_eq!(row(&store).await, [cells(&pending(id))], "created: PENDING, nobody decided");
    store.write_batch(&ship(&approved(id))).await.unwrap();
    assert_eq!(row(&store).await, [cells(&approved(id))], "approved by a person");
    store.write_batch(&ship(&executed(id))).await.unwrap();
    assert_eq!(row(&store).await, [cells(&executed(id))]);

    // The PENDING and APPROVED states again (a retry, a backfill): the row stays EXECUTED.
    store.write_batch(&ship(&pending(id))).await.unwrap();
    store.write_batch(&ship(&approved(id))).await.unwrap();
    assert_eq!(scalar(&store, "SELECT TO_VARCHAR(COUNT(*)) FROM PROPOSALS").await, "1");
    assert_eq!(row(&store).await, [cells(&executed(id))], "one row, EXECUTED");
}

#[tokio::test]
async fn a_batch_keeps_each_proposals_furthest_state_whatever_its_order() {
    let store = fresh_store("proposals_batch").await;
    // Out of order within one batch (a backfill queues the current row after older entries),
    // and another proposal rejected at the same time.
    let rejected = ProposalRecord {
        status: ProposalStatus::Rejected,
        decided_by: Some("bob".into()),
        decided_at: Some(ts(T + 30_000)),
        reason: Some("too large".into()),
        ..pending("mi-prop-2")
    };
    let batch = [
        AnalyticsRecord::Proposal(executed("mi-prop-1")),
        AnalyticsRecord::Proposal(pending("mi-prop-2")),
        AnalyticsRecord::Proposal(pending("mi-prop-1")),
        AnalyticsRecord::Proposal(rejected.clone()),
        AnalyticsRecord::Proposal(approved("mi-prop-1")),
    ];
    store.write_batch(&batch).await.unwrap();
    assert_eq!(row(&store).await, [cells(&executed("mi-prop-1")), cells(&rejected)]);

    // A final state is final: an earlier one for the same proposal changes nothing.
    store.write_batch(&ship(&pending("mi-prop-2"))).await.unwrap();
    assert_eq!(row(&store).await, [cells(&executed("mi-prop-1")), cells(&rejected)]);
}
