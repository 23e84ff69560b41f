//! The API refuses the unauthenticated and explains bad input without losing anything.

use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_and_validation() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn(dir.path()).await;
    let c = &app.client;
    let url = |p: &str| format!("{}{p}", app.base);

    assert_eq!(c.get(url("/api/health")).send().await.unwrap().status(), 200);
    for path in ["/api/status", "/api/positions", "/api/trades"] {
        assert_eq!(c.get(url(path)).send().await.unwrap().status(), 401, "{path}");
        let r = c.get(url(path)).bearer_auth("not-a-jwt").send().await.unwrap();
        assert_eq!(r.status(), 401, "{path}");
    }
    let r = c
        .post(url("/api/auth/login"))
        .json(&json!({"username": "admin", "password": "wrong"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    let r = c
        .post(url("/api/control"))
        .bearer_auth(&app.token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "bad_request");
    let r = c
        .post(url("/api/control"))
        .bearer_auth(&app.token)
        .json(&json!({"action": "explode"}))
        .send()
        .await
        .unwrap();
    assert!(r.status() == 400 || r.status() == 422, "{}", r.status());
    // Nothing was lost or changed by the bad requests.
    assert_eq!(app.get("/api/status").await["halted"], false);

    let big = "x".repeat(70 * 1024);
    let r = c.post(url("/api/auth/login")).body(big).send().await.unwrap();
    assert_eq!(r.status(), 413);

    let page = c.get(url("/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("KILL"));
    app.stop().await;
}
