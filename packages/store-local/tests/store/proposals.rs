//! Proposals: held orders move through their states once each, every move audited with who made
//! it; a proposal past its time expires and can then never be approved.

use mirai_core::{AnalyticsRecord, Confidence, Proposal, ProposalRecord, ProposalStatus};
use mirai_store_local::LocalStore;
use mirai_store_local::outbox::OutboxTopic;

use crate::helpers::{TestResult, cid, order, ts};

fn pending(id: &str, created: i64, ttl: i64) -> Proposal {
    let o = order(id, created);
    Proposal {
        id: cid(id),
        decision_id: o.decision_id.clone(),
        order: o,
        confidence: Confidence::parse("0.8").expect("a confidence"),
        status: ProposalStatus::Pending,
        created_at: ts(created),
        expires_at: ts(created + ttl),
        decided_by: None,
        decided_at: None,
        reason: None,
    }
}

#[test]
fn a_proposal_is_stored_whole_and_listed_by_status() -> TestResult {
    let store = LocalStore::open_in_memory()?;
    let p = pending("mi-p1", 1_000, 300_000);
    store.journal_proposal(ts(1_000), &p)?;
    store.journal_proposal(ts(2_000), &pending("mi-p2", 2_000, 300_000))?;
    assert_eq!(store.proposal(&cid("mi-p1"))?, Some(p));
    let ids: Vec<String> = store.proposals(None, 10)?.iter().map(|p| p.id.to_string()).collect();
    assert_eq!(ids, ["mi-p2", "mi-p1"], "newest first");
    assert_eq!(store.proposals(Some(ProposalStatus::Executed), 10)?.len(), 0);
    assert_eq!(store.proposals(Some(ProposalStatus::Pending), 1)?.len(), 1, "limited");
    let audit = store.audit(10)?;
    assert_eq!((audit[0].kind.as_str(), audit[0].actor.as_str()), ("proposal", "engine"));
    Ok(())
}

#[test]
fn a_proposal_moves_once_and_every_move_names_who_made_it() -> TestResult {
    let store = LocalStore::open_in_memory()?;
    store.journal_proposal(ts(1_000), &pending("mi-p1", 1_000, 300_000))?;
    let from = [ProposalStatus::Pending];
    let approved = store.transition_proposal(
        &cid("mi-p1"),
        &from,
        ProposalStatus::Approved,
        "alice",
        None,
        ts(5_000),
    )?;
    assert_eq!(
        approved.as_ref().map(|p| (p.status, p.decided_by.clone())),
        Some((ProposalStatus::Approved, Some("alice".into())))
    );
    // A second approval (another tab, another person) finds it no longer pending.
    assert_eq!(
        store.transition_proposal(&cid("mi-p1"), &from, ProposalStatus::Approved, "bob", None, ts(5_001))?,
        None
    );
    let done = store.transition_proposal(
        &cid("mi-p1"),
        &[ProposalStatus::Approved],
        ProposalStatus::Executed,
        "system",
        None,
        ts(5_002),
    )?;
    let done = done.ok_or("executed")?;
    assert_eq!(done.decided_by.as_deref(), Some("alice"), "the system's move keeps who approved");
    let audit = store.audit(10)?;
    assert_eq!(audit[0].payload["status"], "EXECUTED");
    assert_eq!(audit[1].actor, "alice");
    assert_eq!(store.verify_audit()?, 3);
    Ok(())
}

#[test]
fn proposals_past_their_time_expire_and_stay_unapprovable() -> TestResult {
    let store = LocalStore::open_in_memory()?;
    store.journal_proposal(ts(0), &pending("mi-old", 0, 300_000))?;
    store.journal_proposal(ts(0), &pending("mi-new", 200_000, 300_000))?;
    assert!(store.expire_proposals(ts(299_999))?.is_empty());
    let expired = store.expire_proposals(ts(300_000))?;
    assert_eq!(expired.iter().map(|p| p.id.to_string()).collect::<Vec<_>>(), ["mi-old"]);
    assert_eq!(expired[0].reason.as_deref(), Some("not approved in time"));
    let late = store.transition_proposal(
        &cid("mi-old"),
        &[ProposalStatus::Pending],
        ProposalStatus::Approved,
        "alice",
        None,
        ts(300_001),
    )?;
    assert_eq!(late, None);
    assert_eq!(store.proposal(&cid("mi-new"))?.map(|p| p.status), Some(ProposalStatus::Pending));
    Ok(())
}

/// The proposals among the analytics topic's queued records, in queue order.
fn queued_proposals(store: &LocalStore) -> Result<Vec<ProposalRecord>, mirai_store_local::StoreError> {
    Ok(store
        .outbox_next(OutboxTopic::Analytics, 100)?
        .into_iter()
        .filter_map(|e| match e.record {
            AnalyticsRecord::Proposal(p) => Some(p),
            _ => None,
        })
        .collect())
}

#[test]
fn creating_and_deciding_a_proposal_queues_two_entries_that_ship_its_current_state() -> TestResult {
    let store = LocalStore::open_in_memory()?;
    store.enable_outbox(&[OutboxTopic::Analytics, OutboxTopic::Rationales])?;
    let p = pending("mi-p1", 1_000, 300_000);
    store.journal_proposal(ts(1_000), &p)?;
    assert_eq!(queued_proposals(&store)?, [ProposalRecord::from(p.clone())], "created: PENDING");

    let approved = store
        .transition_proposal(
            &cid("mi-p1"),
            &[ProposalStatus::Pending],
            ProposalStatus::Approved,
            "alice",
            None,
            ts(5_000),
        )?
        .ok_or("approved")?;
    // Two entries, one per change; each resolves to the row as it is now.
    let now = ProposalRecord::from(approved);
    assert_eq!(queued_proposals(&store)?, [now.clone(), now.clone()]);
    assert_eq!(
        (now.symbol, now.side, now.qty, now.status, now.decided_by.as_deref(), now.decided_at),
        (p.order.symbol, p.order.side, p.order.qty, ProposalStatus::Approved, Some("alice"), Some(ts(5_000)))
    );
    assert!(store.outbox_next(OutboxTopic::Rationales, 100)?.is_empty(), "rationales take decisions only");
    Ok(())
}

#[test]
fn proposals_made_before_analytics_was_enabled_are_backfilled() -> TestResult {
    let store = LocalStore::open_in_memory()?;
    store.journal_proposal(ts(1_000), &pending("mi-p1", 1_000, 300_000))?;
    store.expire_proposals(ts(301_000))?;
    store.enable_outbox(&[OutboxTopic::Analytics])?;
    assert!(queued_proposals(&store)?.is_empty(), "nothing queued before the backfill");
    store.outbox_backfill(OutboxTopic::Analytics)?;
    let shipped = queued_proposals(&store)?;
    assert_eq!(shipped.len(), 1, "{shipped:?}");
    assert_eq!((shipped[0].status, shipped[0].decided_at), (ProposalStatus::Expired, Some(ts(301_000))));
    Ok(())
}
