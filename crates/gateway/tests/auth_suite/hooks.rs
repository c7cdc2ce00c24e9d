//! Signed triggers: only a fresh, correctly signed, first-time request runs a check.

use hmac::{Hmac, Mac};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use sha2::Sha256;

use crate::support::{TestApp, monitor_body, spawn_app, status_and_body};

fn signature(secret: &str, timestamp: &str, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{timestamp}.{body}").as_bytes());
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

async fn trigger(
    app: &TestApp,
    monitor: &str,
    headers: &[(&str, String)],
    body: &str,
) -> StatusCode {
    let mut request = app
        .client
        .post(app.url(&format!("/api/v1/hooks/monitors/{monitor}/check")))
        .body(body.to_owned());
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    request.send().await.unwrap().status()
}

async fn requested_reason(app: &TestApp) -> Option<String> {
    app.database()
        .await
        .query_one("SELECT max(requested_reason) FROM monitors", &[])
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
async fn only_a_fresh_correctly_signed_trigger_queues_a_hook_check() {
    let app = spawn_app().await;
    let alice = app.sign_in("alice@example.com").await;
    let token = alice.access_token();
    let (_, monitor) = status_and_body(
        app.bearer(
            token,
            Method::POST,
            "/api/v1/monitors",
            Some(&monitor_body()),
        )
        .await,
    )
    .await;
    let monitor = monitor["id"].as_str().unwrap().to_owned();
    let other_monitor = {
        let (_, other) = status_and_body(
            app.bearer(
                token,
                Method::POST,
                "/api/v1/monitors",
                Some(&monitor_body()),
            )
            .await,
        )
        .await;
        other["id"].as_str().unwrap().to_owned()
    };
    let response = app
        .bearer(
            token,
            Method::POST,
            &format!("/api/v1/monitors/{monitor}/trigger-secret"),
            Some(&Value::Null),
        )
        .await;
    let (status, created) = status_and_body(response).await;
    assert_eq!(status, StatusCode::CREATED);
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(
        created["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/api/v1/hooks/monitors/{monitor}/check"))
    );

    let body = r#"{"ref":"deploy-42"}"#;
    let now = chrono::Utc::now().timestamp();
    let fresh = now.to_string();
    let old = (now - 330).to_string();
    let future = (now + 330).to_string();
    let sig = |timestamp: &str, body: &str| signature(&secret, timestamp, body);
    let headers = |timestamp: &str, signature: String| {
        vec![
            ("x-lookout-timestamp", timestamp.to_owned()),
            ("x-lookout-signature", signature),
        ]
    };
    type Case<'a> = (&'a str, String, Vec<(&'a str, String)>, &'a str);
    let cases: Vec<Case> = vec![
        ("no headers", monitor.clone(), vec![], body),
        (
            "no signature",
            monitor.clone(),
            vec![("x-lookout-timestamp", fresh.clone())],
            body,
        ),
        (
            "wrong secret",
            monitor.clone(),
            headers(&fresh, signature("lkhook_guess", &fresh, body)),
            body,
        ),
        (
            "tampered body",
            monitor.clone(),
            headers(&fresh, sig(&fresh, body)),
            r#"{"ref":"evil"}"#,
        ),
        (
            "timestamp older than 5 minutes",
            monitor.clone(),
            headers(&old, sig(&old, body)),
            body,
        ),
        (
            "timestamp 5 minutes ahead",
            monitor.clone(),
            headers(&future, sig(&future, body)),
            body,
        ),
        (
            "not a timestamp",
            monitor.clone(),
            headers("soon", sig("soon", body)),
            body,
        ),
        (
            "signature not hex",
            monitor.clone(),
            headers(&fresh, "sha256=zz".to_owned()),
            body,
        ),
        (
            "another monitor's id",
            other_monitor.clone(),
            headers(&fresh, sig(&fresh, body)),
            body,
        ),
        (
            "unknown monitor",
            uuid::Uuid::new_v4().to_string(),
            headers(&fresh, sig(&fresh, body)),
            body,
        ),
    ];
    for (case, target, headers, body) in &cases {
        let before = app.snapshot().await;
        assert_eq!(
            trigger(&app, target, headers, body).await,
            StatusCode::UNAUTHORIZED,
            "{case}"
        );
        assert_eq!(app.snapshot().await, before, "{case}");
    }
    assert_eq!(requested_reason(&app).await, None);

    let signed = headers(&fresh, sig(&fresh, body));
    assert_eq!(
        trigger(&app, &monitor, &signed, body).await,
        StatusCode::ACCEPTED
    );
    let client = app.database().await;
    let reason: Option<String> = client
        .query_one(
            "SELECT requested_reason FROM monitors WHERE id = $1",
            &[&uuid::Uuid::parse_str(&monitor).unwrap()],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(reason.as_deref(), Some("hook"));
    // The same request again is a replay.
    client
        .execute("UPDATE monitors SET requested_reason = NULL", &[])
        .await
        .unwrap();
    let before = app.snapshot().await;
    assert_eq!(
        trigger(&app, &monitor, &signed, body).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.snapshot().await, before);
    // Rotating the secret retires the old one at once.
    app.bearer(
        token,
        Method::POST,
        &format!("/api/v1/monitors/{monitor}/trigger-secret"),
        Some(&Value::Null),
    )
    .await;
    let later = (now + 1).to_string();
    assert_eq!(
        trigger(&app, &monitor, &headers(&later, sig(&later, body)), body).await,
        StatusCode::UNAUTHORIZED
    );
    assert!(
        app.audit_actions()
            .await
            .contains(&"hook.refused".to_owned())
    );
}
