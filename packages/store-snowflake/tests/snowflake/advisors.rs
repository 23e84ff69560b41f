//! DECISIONS' advisor as columns: who decided (the rules, a model, the rules after a model's
//! answer could not be used), which model, why it fell back, and what the model's call used;
//! NULL where it does not apply. The ADVISOR JSON stays beside them.

use mirai_core::{AdviceSource, AnalyticsRecord, AnalyticsStore, CallUsage};

use crate::helpers::{dec, decision, fresh_store};

/// 2026-11-23T02:24:39.123Z
const T: i64 = 1_795_400_679_123;

#[tokio::test]
async fn decisions_by_the_rules_a_model_and_a_fallback_land_with_their_advisor_columns() {
    let store = fresh_store("advisors").await;
    let rules = decision(T, "rules");
    let mut model = decision(T + 1, "model");
    let served = CallUsage { tokens_in: 912, tokens_out: 71, cost_usd: dec("0.000194"), latency_ms: 1_240 };
    model.advisor = AdviceSource::model("gpt-4o-mini".into(), "ab".repeat(32), false, Some(served));
    let mut timeout = decision(T + 2, "timeout");
    let waited = CallUsage { latency_ms: 8_001, ..CallUsage::default() };
    timeout.advisor = AdviceSource::fallback(
        "gpt-4o-mini".into(),
        "no answer within 8000 ms".into(),
        Some("cd".repeat(32)),
        Some(waited),
    );
    let mut breaker = decision(T + 3, "breaker");
    breaker.advisor = AdviceSource::fallback(
        "gpt-4o-mini".into(),
        "it's not asked again until 02:30 (failed repeatedly)".into(),
        None,
        None,
    );
    let records: Vec<AnalyticsRecord> =
        [&rules, &model, &timeout, &breaker].into_iter().cloned().map(AnalyticsRecord::Decision).collect();
    store.write_batch(&records).await.unwrap();

    let rows = store
        .query_static(
            "SELECT RATIONALE, ADVISOR_KIND, MODEL, FALLBACK_REASON, TO_VARCHAR(TOKENS_IN), \
             TO_VARCHAR(TOKENS_OUT), TO_VARCHAR(COST_USD), TO_VARCHAR(LATENCY_MS), ADVISOR \
             FROM DECISIONS ORDER BY TS",
        )
        .await
        .unwrap();
    let got: Vec<Vec<Option<String>>> = rows
        .into_iter()
        .map(|mut r| {
            // Decimals as values, whatever trailing zeros the column adds.
            r[6] = r[6].as_deref().map(|d| dec(d).normalize().to_string());
            r
        })
        .collect();
    let s = |v: &str| Some(v.to_owned());
    let json = |a: &AdviceSource| Some(serde_json::to_string(a).unwrap());
    assert_eq!(
        got,
        [
            vec![s("rules"), s("rules"), None, None, None, None, None, None, json(&rules.advisor)],
            vec![
                s("model"),
                s("model"),
                s("gpt-4o-mini"),
                None,
                s("912"),
                s("71"),
                s("0.000194"),
                s("1240"),
                json(&model.advisor),
            ],
            vec![
                s("timeout"),
                s("fallback"),
                s("gpt-4o-mini"),
                s("no answer within 8000 ms"),
                s("0"),
                s("0"),
                s("0"),
                s("8001"),
                json(&timeout.advisor),
            ],
            vec![
                s("breaker"),
                s("fallback"),
                s("gpt-4o-mini"),
                s("it's not asked again until 02:30 (failed repeatedly)"),
                None,
                None,
                None,
                None,
                json(&breaker.advisor),
            ],
        ]
    );
}
