//! Every unusable answer (not JSON, the wrong schema, an invented citation, a refusal, a server
//! error after the retries, a server that cannot be reached) is a fallback to the rules whose
//! reason says why, and the advisor's counters follow, by cause: nothing silently becomes a hold.

use mirai_core::ExternalAdvice;
use mirai_llm::advisor::{Source, answer, prompt};
use mirai_llm::sim::{INVENTED_CITATION, REFUSAL};

use crate::support::{Running, T, TempDir, advisor, fallback_reason, news, request_at, settings};

/// Asks `model` about two different decisions and checks each is a fallback whose reason holds
/// every one of `telling`, and that the counters count both, under `cause` and no other. Returns
/// the simulator's call count.
async fn two_fallbacks(model: &str, max_retries: u32, telling: &[&str], cause: &str) -> u64 {
    let running = Running::start().await;
    let dir = TempDir::new(model);
    let mut s = running.settings(model);
    s.max_retries = max_retries;
    let a = advisor(&s, dir.path(), Source::Network);
    let shown = [news(1), news(2)];
    for (i, ts) in [T, T + 60_000].into_iter().enumerate() {
        let req = request_at(ts);
        let advice = a.advise(&req, &shown).await.expect("a network advisor never errs");
        let reason = fallback_reason(&advice).to_owned();
        for t in telling {
            assert!(reason.contains(t), "{model}: {reason:?} should say {t:?}");
        }
        let ExternalAdvice::Fallback { model: who, prompt_hash, usage, .. } = &advice else { unreachable!() };
        assert_eq!(who, model);
        // A call was made: its wait is kept, and the tokens of an answer that came back unusable.
        let used = usage.expect("a call was made");
        let answered = matches!(cause, "invalid_answer" | "refused");
        assert_eq!(used.tokens_in > 0, answered, "{model}: {used:?}");
        let key = prompt::prompt_hash(model, &prompt::build(&req, &shown), &answer::schema());
        assert_eq!(prompt_hash.as_deref(), Some(key.as_str()), "the fallback names the call it replaced");
        let stats = a.stats();
        assert_eq!(stats.fallbacks, i as u64 + 1, "{model}: every fallback is counted");
        assert_eq!(stats.last_fallback_reason.as_deref(), Some(reason.as_str()));
        let counted: Vec<(&str, u64)> =
            stats.fallbacks_by_cause.iter().map(|(k, n)| (k.as_str(), *n)).collect();
        assert_eq!(counted, [(cause, i as u64 + 1)], "{model}: counted by its cause");
    }
    running.sim.calls()
}

#[tokio::test]
async fn an_answer_that_is_not_json_falls_back_saying_so() {
    two_fallbacks("sim-malformed", 0, &["not JSON"], "invalid_answer").await;
}

#[tokio::test]
async fn an_answer_off_the_schema_falls_back_naming_the_field() {
    two_fallbacks("sim-wrong-schema", 0, &["does not follow the schema", "leverage"], "invalid_answer").await;
}

#[tokio::test]
async fn a_citation_of_news_never_shown_falls_back_naming_it() {
    two_fallbacks("sim-invent", 0, &[INVENTED_CITATION, "not among the news shown"], "invalid_answer").await;
}

#[tokio::test]
async fn a_refusal_falls_back_quoting_it() {
    two_fallbacks("sim-refuse", 0, &["refused", REFUSAL], "refused").await;
}

#[tokio::test]
async fn a_server_error_is_retried_as_configured_then_falls_back() {
    let max_retries = 2;
    let calls = two_fallbacks("sim-500", max_retries, &["server failed", "500"], "server_error").await;
    assert_eq!(calls, 2 * (1 + u64::from(max_retries)), "each decision: one try and {max_retries} retries");
}

#[tokio::test]
async fn a_server_that_cannot_be_reached_is_counted_as_the_network() {
    // A port just bound and released: nothing listens there.
    let addr = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port");
    let dir = TempDir::new("unreachable");
    let a = advisor(&settings(addr, "sim-follow"), dir.path(), Source::Network);
    let advice = a.advise(&request_at(T), &[news(1)]).await.expect("a network advisor never errs");
    assert!(fallback_reason(&advice).contains("could not reach the server"), "{advice:?}");
    let stats = a.stats();
    assert_eq!(stats.fallbacks_by_cause.get("network"), Some(&1), "{stats:?}");
    assert_eq!((stats.fallbacks, stats.calls), (1, 0));
}
