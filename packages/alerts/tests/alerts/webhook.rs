//! The webhook channel: retried while the server fails, not retried when it refuses, one message
//! per burst, and nothing secret in what it posts.

use std::collections::HashMap;
use std::time::Duration;

use mirai_alerts::{AlertSettings, ControlKind, Event, Notifier, Redactor, Retry, deliver};
use mirai_core::Backoff;

use mirai_alerts::testing::{FakeWebhook, TOKEN};

pub fn quick() -> Retry {
    Retry {
        attempts: 4,
        backoff: Backoff::new(Duration::from_millis(10), Duration::from_millis(50)),
        max_wait: Duration::from_secs(2),
    }
}

pub fn settings(vars: &[(&str, &str)]) -> AlertSettings {
    let env: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    AlertSettings::from_lookup(&move |k| env.get(k).cloned()).expect("valid").expect("configured")
}

fn notifier(s: &AlertSettings) -> Notifier {
    let parts = s.parts().expect("parts");
    Notifier::start(parts.channels, "paper", Redactor::new(s.secrets()), quick())
}

fn kill(by: &str) -> Event {
    Event::Control { action: ControlKind::Kill, by: by.into() }
}

#[tokio::test]
async fn a_webhook_that_fails_twice_gets_the_alert_once_after_retries() {
    let hook = FakeWebhook::start(&[500, 503]).await;
    let n = notifier(&settings(&[("NOTIFY_WEBHOOK_URL", &hook.url)]));
    assert!(n.notify(&kill("alice")));
    let said = hook.wait_for(1, 10).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(hook.delivered(), said, "delivered once");
    assert_eq!(
        said,
        ["[Mirai paper] CRITICAL: kill switch ON by alice: trading halted, open orders cancelled"]
    );
    assert_eq!(hook.attempts(), 3, "two failures, then the delivery");
}

#[tokio::test]
async fn a_refusal_is_not_retried() {
    let hook = FakeWebhook::start(&[404]).await;
    let s = settings(&[("NOTIFY_WEBHOOK_URL", &hook.url)]);
    let channel = s.parts().expect("parts").channels.remove(0);
    let e = deliver(&channel, "x", &quick()).await.expect_err("refused");
    assert!(!e.is_retryable(), "{e}");
    assert_eq!(hook.attempts(), 1);
    assert!(!e.to_string().contains("hook-secret"), "the URL is not in the error: {e}");
}

#[tokio::test]
async fn a_burst_of_the_same_alert_is_sent_once() {
    let hook = FakeWebhook::start(&[]).await;
    let n = notifier(&settings(&[("NOTIFY_WEBHOOK_URL", &hook.url)]));
    let burst = Event::FailedLogins { count: 5, minutes: 10, locked_out: false };
    let queued: Vec<bool> = (0..10).map(|_| n.notify(&burst)).collect();
    assert_eq!(queued.iter().filter(|q| **q).count(), 1);
    assert!(n.notify(&kill("bob")), "another alert is not held back by the first");
    let said = hook.wait_for(2, 10).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(hook.delivered().len(), 2, "{said:?}");
    assert!(said[0].contains("5 failed dashboard logins"), "{said:?}");
}

#[tokio::test]
async fn no_configured_secret_leaves_in_a_message() {
    let hook = FakeWebhook::start(&[]).await;
    let s = settings(&[
        ("NOTIFY_WEBHOOK_URL", &hook.url),
        ("TELEGRAM_BOT_TOKEN", TOKEN),
        ("TELEGRAM_ALLOWED_CHAT_IDS", "42"),
    ]);
    let parts = s.parts().expect("parts");
    let redactor = Redactor::new(s.secrets()).with([secrecy::SecretString::from("jwt-secret-value-xyz")]);
    let n = Notifier::start(parts.channels, "live", redactor, quick());
    let reason = format!("connect {} failed; bot {TOKEN}; jwt-secret-value-xyz <!channel>", hook.url);
    n.notify(&Event::Blocked { reason });
    let said = hook.wait_for(1, 10).await.remove(0);
    for secret in [TOKEN, "hook-secret", "jwt-secret-value-xyz"] {
        assert!(!said.contains(secret), "{secret} leaked: {said}");
    }
    assert!(said.contains("[redacted]"), "{said}");
    assert!(said.contains("&lt;!channel&gt;") && !said.contains("<!channel>"), "no mention: {said}");
}
