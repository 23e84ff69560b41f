//! Alerts from a running worker, against local fake webhook and Telegram servers: a dashboard
//! kill reaches both channels naming who pressed it, with no secret in either; a burst of failed
//! logins is one alert; Telegram's `/kill` acts for an allowed chat only; a blocked start and a
//! live approval given with the CLI while the worker runs are alerted; `mirai alerts test`
//! reports each channel in its exit code.

use std::time::Duration;

use serde_json::json;

use crate::helpers::*;
use mirai_alerts::testing::{FakeTelegram, FakeWebhook, TOKEN, wait};

/// Every secret a test's worker knows: none may appear in any message.
fn assert_no_secret(messages: &[String]) {
    for m in messages {
        for secret in [PASSWORD, JWT_SECRET, TOKEN, "hook-secret", crate::binance::SECRET] {
            assert!(!m.contains(secret), "{secret:?} leaked into {m:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dashboard_kill_reaches_the_webhook_and_telegram_naming_the_user() {
    let (hook, bot) = (FakeWebhook::start(&[]).await, FakeTelegram::start().await);
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_with(
        dir.path(),
        &[
            ("NOTIFY_WEBHOOK_URL", &hook.url),
            ("TELEGRAM_BOT_TOKEN", TOKEN),
            ("TELEGRAM_CHAT_ID", "-1001"),
            ("TELEGRAM_API_URL", &bot.base),
        ],
    )
    .await;
    assert_eq!(app.control("kill").await["halted"], true);

    let expected = "[Mirai paper] CRITICAL: kill switch ON by admin: trading halted, open orders cancelled";
    let said = hook.wait_for(1, 10).await;
    assert!(said.iter().any(|m| m == expected), "{said:?}");
    let (chat, text) = bot.wait_for(10, |(_, t)| t.contains("kill switch ON")).await;
    assert_eq!((chat, text.as_str()), (-1001, expected));
    // Followed once: later polls do not repeat it.
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let kills = |msgs: Vec<String>| msgs.iter().filter(|m| m.contains("kill switch ON")).count();
    assert_eq!(kills(hook.delivered()), 1);
    assert_eq!(kills(bot.sent().into_iter().map(|(_, t)| t).collect()), 1);
    assert_no_secret(&hook.delivered());
    assert_no_secret(&bot.sent().into_iter().map(|(_, t)| t).collect::<Vec<_>>());
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_failed_logins_is_one_alert() {
    let hook = FakeWebhook::start(&[]).await;
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_with(dir.path(), &[("NOTIFY_WEBHOOK_URL", &hook.url)]).await;
    let wrong = "wrong-password-Zx81-unique";
    for _ in 0..8 {
        let resp = app
            .client
            .post(format!("{}/api/auth/login", app.base))
            .json(&json!({ "username": "admin", "password": wrong }))
            .send()
            .await
            .expect("login");
        assert!(resp.status() == 401 || resp.status() == 429, "{}", resp.status());
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    let said = hook.wait_for(1, 10).await;
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let bursts: Vec<String> =
        hook.delivered().into_iter().filter(|m| m.contains("failed dashboard logins")).collect();
    assert_eq!(bursts.len(), 1, "one alert for the burst: {said:?}");
    assert!(bursts[0].starts_with("[Mirai paper] WARNING: "), "{}", bursts[0]);
    assert!(
        !bursts[0].contains(wrong) && !bursts[0].contains("admin"),
        "no password, no username: {}",
        bursts[0]
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn telegram_kill_acts_for_an_allowed_chat_only() {
    let bot = FakeTelegram::start().await;
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_with(
        dir.path(),
        &[
            ("TELEGRAM_BOT_TOKEN", TOKEN),
            ("TELEGRAM_CHAT_ID", "42"),
            ("TELEGRAM_ALLOWED_CHAT_IDS", "42"),
            ("TELEGRAM_API_URL", &bot.base),
        ],
    )
    .await;

    // A stranger: no action, no answer.
    bot.say(7, "/kill");
    bot.say(7, "/pause");
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let status = app.get("/api/status").await;
    assert_eq!((status["halted"].clone(), status["paused"].clone()), (json!(false), json!(false)));
    assert!(bot.sent().iter().all(|(chat, _)| *chat != 7), "{:?}", bot.sent());

    bot.say(42, "/kill");
    let (_, reply) = bot.wait_for(10, |(_, t)| t.starts_with("Kill switch ON")).await;
    assert!(reply.contains("telegram:42"), "{reply}");
    assert_eq!(app.get("/api/status").await["halted"], true);
    // The dashboard's path: audited with the chat as the acting user, and alerted like any kill.
    let audit = app.running.store.audit(10_000).unwrap();
    let kill = audit.iter().find(|e| e.kind == "control").expect("audited");
    assert_eq!((kill.actor.as_str(), &kill.payload), ("telegram:42", &json!({ "action": "kill" })));
    bot.wait_for(10, |(chat, t)| *chat == 42 && t.contains("CRITICAL: kill switch ON by telegram:42")).await;

    bot.say(42, "/status");
    bot.wait_for(10, |(_, t)| t.starts_with("Mirai paper: KILL SWITCH ON.")).await;
    bot.say(42, "/resume");
    bot.wait_for(10, |(_, t)| t.contains("not offered over Telegram")).await;
    assert_eq!(app.get("/api/status").await["halted"], true, "resume is the dashboard's");
    assert_no_secret(&bot.sent().into_iter().map(|(_, t)| t).collect::<Vec<_>>());
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocked_start_and_a_live_approval_given_meanwhile_are_alerted() {
    let hook = FakeWebhook::start(&[]).await;
    let sim = crate::binance::sim_with(|_| {}).await;
    let dir = tempfile::tempdir().unwrap();
    let mut vars = crate::binance::binance_env(&sim, "live");
    vars.push(("NOTIFY_WEBHOOK_URL".into(), hook.url.clone()));
    let extra: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let app = spawn_with(dir.path(), &extra).await;

    let said = hook.wait_for(1, 10).await;
    let blocked = said.iter().find(|m| m.contains("new orders are refused")).expect("blocked start alerted");
    assert!(
        blocked.starts_with("[Mirai live] CRITICAL: ") && blocked.contains("mirai live approve"),
        "{blocked}"
    );

    // `mirai live approve` from another process, on the same store, while the worker runs.
    let data = dir.path().to_owned();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_mirai"))
            // The pre-flight fails here (no testnet round trips): overridden, which is alerted.
            .args(["live", "approve", "--by", "alice", "--override", "alerting test"])
            .env("DATA_DIR", &data)
            .current_dir(&data)
            .output()
            .expect("mirai runs")
    })
    .await
    .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let said = hook.wait_for(2, 10).await;
    let approved =
        said.iter().find(|m| m.contains("live trading approved by alice")).expect("approval alerted");
    assert!(
        approved
            .starts_with("[Mirai live] CRITICAL: live trading approved by alice OVERRIDING the pre-flight: ")
            && approved.ends_with("alerting test"),
        "{approved}"
    );
    assert_no_secret(&hook.delivered());
    app.stop().await;
}

/// Runs `mirai alerts test` with only `vars` (and `PATH`) in a scratch directory.
async fn alerts_test(vars: &[(&str, &str)]) -> (i32, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let vars: Vec<(String, String)> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_mirai"))
            .args(["alerts", "test"])
            .current_dir(dir.path())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(vars)
            .output()
            .expect("mirai runs")
    })
    .await
    .expect("mirai alerts test finishes");
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code().unwrap_or(-1), text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_test_reports_every_channel_in_its_exit_code() {
    let (hook, bot) = (FakeWebhook::start(&[]).await, FakeTelegram::start().await);
    let both = [
        ("NOTIFY_WEBHOOK_URL", hook.url.as_str()),
        ("TELEGRAM_BOT_TOKEN", TOKEN),
        ("TELEGRAM_CHAT_ID", "42"),
        ("TELEGRAM_API_URL", bot.base.as_str()),
    ];
    let (code, out) = alerts_test(&both).await;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("webhook: delivered") && out.contains("telegram: delivered"), "{out}");
    assert!(out.contains("not recorded for the pre-flight: no store"), "no data directory is created: {out}");
    assert_eq!(hook.delivered().len(), 1);
    assert!(wait(5, || (bot.sent().len() == 1).then_some(())).await.is_some(), "{:?}", bot.sent());

    // With the worker's store: the delivery is recorded where `mirai preflight` looks.
    let data = tempfile::tempdir().unwrap();
    drop(mirai_store_local::LocalStore::open(data.path()).unwrap());
    let data_dir = data.path().to_str().unwrap();
    let (code, out) = alerts_test(&[("NOTIFY_WEBHOOK_URL", hook.url.as_str()), ("DATA_DIR", data_dir)]).await;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("recorded for the pre-flight"), "{out}");
    let store = mirai_store_local::LocalStore::open(data.path()).unwrap();
    assert!(store.get_kv("alerts.last_test").unwrap().is_some());

    let refusing = FakeWebhook::start(&[404]).await;
    let (code, out) = alerts_test(&[("NOTIFY_WEBHOOK_URL", refusing.url.as_str())]).await;
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("webhook: FAILED") && !out.contains("hook-secret"), "{out}");
    assert_eq!(refusing.attempts(), 1, "a refusal is not retried");

    let (code, out) = alerts_test(&[]).await;
    assert_eq!(code, 1, "nothing configured is a failed pre-flight: {out}");
    let (code, out) = alerts_test(&[("NOTIFY_WEBHOOK_URL", "http://hooks.example.com/x")]).await;
    assert_eq!(code, 2, "invalid settings: {out}");
}
