//! Recording and replay: a followed answer becomes the model's advice with its citations resolved
//! to the news shown, the call is recorded under its prompt hash, a replay-only advisor gives the
//! identical advice without the network, and a decision never recorded is an error.

use mirai_core::{Decimal, ExternalAdvice};
use mirai_llm::advisor::calls::CallLog;
use mirai_llm::advisor::guard::Prices;
use mirai_llm::advisor::{ReplayError, Source, answer, prompt};
use sha2::{Digest, Sha256};

use crate::support::{
    Running, T, TempDir, advisor, dec, model_advice, news, request, request_at, without_usage,
};

#[tokio::test]
async fn a_followed_answer_is_recorded_and_replays_identically_without_the_network() {
    let running = Running::start().await;
    let dir = TempDir::new("follow");
    let mut s = running.settings("sim-follow");
    s.prices = Prices { input_per_mtok: dec("1"), output_per_mtok: dec("4") };
    let req = request();
    let shown = [news(3), news(1), news(7)];

    let live = advisor(&s, dir.path(), Source::Network);
    let advice = live.advise(&req, &shown).await.expect("a network advisor never errs");
    assert_eq!(running.sim.calls(), 1);
    let m = model_advice(&advice);
    assert!(m.enter && !m.abstained, "{m:?}");
    assert_eq!(m.size_fraction, dec("0.5"));
    assert_eq!(m.confidence.get(), dec("0.8"));
    assert_eq!(m.model, "sim-follow");

    // The simulator cites the first item shown: the citation is that item, as shown.
    assert_eq!(m.citations.len(), 1, "{:?}", m.citations);
    let c = &m.citations[0];
    assert_eq!(c.news_id.as_deref(), Some("n-3"));
    assert_eq!(c.title, "Headline 3");
    assert_eq!(c.published_at, Some(shown[0].published_at));
    assert_eq!(c.url.as_deref(), Some("https://example.com/3"));
    let expected_hash = hex::encode(Sha256::digest(format!("{}\n{}", shown[0].title, shown[0].text)));
    assert_eq!(c.content_hash.as_deref(), Some(expected_hash.as_str()));

    // Recorded under the key the prompt gives, with what was sent and what came back.
    let built = prompt::build(&req, &shown);
    let key = prompt::prompt_hash("sim-follow", &built, &answer::schema());
    assert_eq!(m.prompt_hash, key);
    assert!(dir.path().join(format!("{key}.json")).is_file(), "the call is a file in the log");
    let recorded =
        CallLog::open(dir.path()).expect("the log").get(&key).expect("readable").expect("recorded");
    assert_eq!(
        (recorded.system.as_str(), recorded.user.as_str()),
        (built.system.as_str(), built.user.as_str())
    );
    assert!(recorded.content.as_deref().is_some_and(|c| c.contains("\"n-3\"")), "{recorded:?}");
    assert!(recorded.tokens_in > 0 && recorded.tokens_out > 0);
    // The decision carries what its call used: the server's token counts, their price, the wait.
    let usage = m.usage.expect("a served call's usage");
    assert_eq!((usage.tokens_in, usage.tokens_out), (recorded.tokens_in, recorded.tokens_out));
    let cost = dec("0.000001") * Decimal::from(recorded.tokens_in)
        + dec("0.000004") * Decimal::from(recorded.tokens_out);
    assert_eq!(usage.cost_usd, cost);
    assert_eq!(usage.cost_usd, recorded.cost_usd.parse::<Decimal>().expect("a decimal cost"));
    assert_eq!(usage.latency_ms, recorded.latency_ms);
    let stats = live.stats();
    assert_eq!((stats.calls, stats.fallbacks), (1, 0));
    assert_eq!(stats.tokens_in, u64::from(recorded.tokens_in));

    // A backtest replays it: the same advice, byte for byte, and no request reaches the server.
    let replay = advisor(&s, dir.path(), Source::ReplayOnly);
    let again = replay.advise(&req, &shown).await.expect("recorded");
    assert_eq!(again, without_usage(&advice), "the same advice; a replay used nothing");
    assert_eq!(model_advice(&again).usage, None, "no call was made for it");
    assert_eq!(running.sim.calls(), 1, "a replay makes no network call");
    assert_eq!(replay.stats().calls, 1, "a replayed answer still counts as a decision asked");

    // The network advisor answers a repeated decision from the record too.
    assert_eq!(live.advise(&req, &shown).await.expect("recorded"), without_usage(&advice));
    assert_eq!(running.sim.calls(), 1, "a recorded decision is not paid for twice");

    // Anything else was never recorded: a replay-only advisor says so instead of guessing.
    let later = request_at(T + 60_000);
    match replay.advise(&later, &shown).await {
        Err(ReplayError::NotRecorded { key: missing, symbol, time_ms }) => {
            assert_eq!(symbol, "BTCUSDT");
            assert_eq!(time_ms, T + 60_000);
            assert_eq!(
                missing,
                prompt::prompt_hash("sim-follow", &prompt::build(&later, &shown), &answer::schema())
            );
            assert!(!dir.path().join(format!("{missing}.json")).exists());
        }
        other => panic!("expected NotRecorded, got {other:?}"),
    }
    let fewer_news = replay.advise(&req, &shown[..2]).await;
    assert!(
        matches!(fewer_news, Err(ReplayError::NotRecorded { .. })),
        "other news, another call: {fewer_news:?}"
    );
    assert_eq!(running.sim.calls(), 1, "a miss does not fall through to the network");
    assert_eq!(replay.stats().fallbacks, 0, "a miss is an error, not a silent fallback");
}

#[tokio::test]
async fn a_hold_is_advice_and_not_a_fallback() {
    let running = Running::start().await;
    let dir = TempDir::new("hold");
    let live = advisor(&running.settings("sim-hold"), dir.path(), Source::Network);
    let advice = live.advise(&request(), &[news(1)]).await.expect("a network advisor never errs");
    let m = model_advice(&advice);
    assert!(!m.enter && !m.abstained, "{m:?}");
    assert_eq!(m.size_fraction, Decimal::ZERO);
    assert!(m.citations.is_empty());
    assert!(m.rationale.contains("holding"), "{}", m.rationale);
    let stats = live.stats();
    assert_eq!((stats.calls, stats.fallbacks, stats.last_fallback_reason), (1, 0, None));
    assert!(!matches!(advice, ExternalAdvice::Fallback { .. }));
}
