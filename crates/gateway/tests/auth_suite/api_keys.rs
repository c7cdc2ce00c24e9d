//! API keys: shown once, scoped, revocable, expiring, never minted by a key.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{TestApp, monitor_body, spawn_app, status_and_body};

async fn create_key(app: &TestApp, token: &str, body: &Value) -> Value {
    let response = app
        .bearer(token, Method::POST, "/api/v1/api-keys", Some(body))
        .await;
    let (status, body) = status_and_body(response).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

#[tokio::test]
async fn a_key_is_shown_once_stored_hashed_and_acts_within_its_scopes() {
    let app = spawn_app().await;
    let browser = app.sign_in("alice@example.com").await;
    let token = browser.access_token();
    let read = create_key(
        &app,
        token,
        &json!({"name": "dashboard", "scopes": ["read"]}),
    )
    .await;
    let write = create_key(&app, token, &json!({"name": "deploy", "scopes": ["write"]})).await;
    let read_key = read["key"].as_str().unwrap();
    let write_key = write["key"].as_str().unwrap();
    assert!(read_key.starts_with(read["prefix"].as_str().unwrap()));
    assert_eq!(write["scopes"], json!(["read", "write"]));

    // Only the hash is stored, and the list never shows the secret.
    let client = app.database().await;
    let stored: Vec<u8> = client
        .query_one(
            "SELECT secret_hash FROM api_keys WHERE name = 'dashboard'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(stored.len(), 32);
    let (_, list) = status_and_body(
        app.bearer(token, Method::GET, "/api/v1/api-keys", None)
            .await,
    )
    .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    assert!(!list.to_string().contains(&read_key[20..]));

    // A read key reads, and gets 403 on a write that changes nothing.
    let response = app.bearer(read_key, Method::GET, "/api/v1/me", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let before = app.snapshot().await;
    for (method, path) in [
        (Method::POST, "/api/v1/monitors"),
        (Method::POST, "/api/v1/teams"),
        (
            Method::DELETE,
            "/api/v1/api-keys/00000000-0000-0000-0000-000000000000",
        ),
    ] {
        let response = app
            .bearer(read_key, method.clone(), path, Some(&monitor_body()))
            .await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{method} {path}");
    }
    assert_eq!(app.snapshot().await, before);
    assert!(
        app.audit_actions()
            .await
            .contains(&"api_key.wrong_scope".to_owned())
    );
    // A write key writes; its use is recorded.
    let response = app
        .bearer(
            write_key,
            Method::POST,
            "/api/v1/monitors",
            Some(&monitor_body()),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let used: Option<chrono::DateTime<chrono::Utc>> = client
        .query_one(
            "SELECT last_used_at FROM api_keys WHERE name = 'deploy'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(used.is_some());
}

#[tokio::test]
async fn a_keys_use_is_recorded_at_most_once_a_minute() {
    let app = spawn_app().await;
    let browser = app.sign_in("alice@example.com").await;
    let created = create_key(
        &app,
        browser.access_token(),
        &json!({"name": "poller", "scopes": ["read"]}),
    )
    .await;
    let key = created["key"].as_str().unwrap();
    let client = app.database().await;
    // A use 30 s after the last is within the minute and not written; one
    // two minutes after it is recorded.
    for (seconds_ago, recorded) in [(30.0_f64, false), (120.0, true)] {
        client
            .execute(
                "UPDATE api_keys SET last_used_at = now() - make_interval(secs => $1) WHERE name = 'poller'",
                &[&seconds_ago],
            )
            .await
            .unwrap();
        let response = app.bearer(key, Method::GET, "/api/v1/me", None).await;
        assert_eq!(response.status(), StatusCode::OK);
        let since_recorded: f64 = client
            .query_one(
                "SELECT extract(epoch FROM now() - last_used_at)::float8 FROM api_keys WHERE name = 'poller'",
                &[],
            )
            .await
            .unwrap()
            .get(0);
        if recorded {
            assert!(since_recorded < 30.0, "{since_recorded}");
        } else {
            assert!(since_recorded >= 29.0, "{since_recorded}");
        }
    }
}

#[tokio::test]
async fn revoked_expired_unknown_and_malformed_keys_are_refused() {
    let app = spawn_app().await;
    let browser = app.sign_in("alice@example.com").await;
    let token = browser.access_token();
    let revoked = create_key(&app, token, &json!({"name": "old", "scopes": ["write"]})).await;
    let expiring = create_key(
        &app,
        token,
        &json!({"name": "temp", "scopes": ["write"], "expires_at": (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339()}),
    )
    .await;
    let live = create_key(&app, token, &json!({"name": "live", "scopes": ["write"]})).await;
    let response = app
        .bearer(
            token,
            Method::DELETE,
            &format!("/api/v1/api-keys/{}", revoked["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    // Time passes for the expiring key.
    app.database()
        .await
        .execute(
            "UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE name = 'temp'",
            &[],
        )
        .await
        .unwrap();
    let live_key = live["key"].as_str().unwrap();
    let (prefix, _) = live_key.rsplit_once('_').unwrap();
    let wrong_secret = format!("{prefix}_{}", "0".repeat(64));
    let cases = [
        ("revoked", revoked["key"].as_str().unwrap().to_owned()),
        ("expired", expiring["key"].as_str().unwrap().to_owned()),
        ("right prefix, wrong secret", wrong_secret),
        (
            "unknown prefix",
            format!("lk_{}_{}", "a".repeat(16), "b".repeat(64)),
        ),
        ("malformed", "lk_not-a-key".to_owned()),
        (
            "upper-case hex",
            live_key.to_ascii_uppercase().replacen("LK_", "lk_", 1),
        ),
    ];
    for (case, key) in cases {
        let before = app.snapshot().await;
        for (method, path) in [
            (Method::GET, "/api/v1/me"),
            (Method::POST, "/api/v1/monitors"),
        ] {
            let response = app.bearer(&key, method, path, Some(&monitor_body())).await;
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{case} {path}");
        }
        assert_eq!(app.snapshot().await, before, "{case}");
    }
    // The control.
    let response = app.bearer(live_key, Method::GET, "/api/v1/me", None).await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn only_a_signed_in_user_creates_keys_and_only_their_own_keys_are_revocable() {
    let app = spawn_app().await;
    let alice = app.sign_in("alice@example.com").await;
    let bob = app.sign_in("bob@example.com").await;
    let key = create_key(
        &app,
        alice.access_token(),
        &json!({"name": "w", "scopes": ["write"]}),
    )
    .await;
    let before = app.snapshot().await;
    let response = app
        .bearer(
            key["key"].as_str().unwrap(),
            Method::POST,
            "/api/v1/api-keys",
            Some(&json!({"name": "child", "scopes": ["write"]})),
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = app
        .bearer(
            bob.access_token(),
            Method::DELETE,
            &format!("/api/v1/api-keys/{}", key["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    for invalid in [
        json!({"name": "x", "scopes": []}),
        json!({"name": "x", "scopes": ["admin"]}),
        json!({"name": "x", "scopes": ["read"], "expires_at": "2001-01-01T00:00:00Z"}),
        json!({"name": "", "scopes": ["read"]}),
    ] {
        let response = app
            .bearer(
                alice.access_token(),
                Method::POST,
                "/api/v1/api-keys",
                Some(&invalid),
            )
            .await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{invalid}"
        );
    }
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn a_key_in_x_api_key_acts_like_a_bearer_key_with_the_same_scopes_and_audit() {
    let app = spawn_app().await;
    let browser = app.sign_in("alice@example.com").await;
    let read = create_key(
        &app,
        browser.access_token(),
        &json!({"name": "dashboard", "scopes": ["read"]}),
    )
    .await;
    let read_key = read["key"].as_str().unwrap();
    let with_header = |method: Method, path: &str| {
        app.client
            .request(method, app.url(path))
            .header("x-api-key", read_key)
    };
    let response = with_header(Method::GET, "/api/v1/me").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let before = app.snapshot().await;
    let response = with_header(Method::POST, "/api/v1/teams")
        .json(&json!({"name": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.snapshot().await, before);
    assert!(
        app.audit_actions()
            .await
            .contains(&"api_key.wrong_scope".to_owned())
    );
    // The same key in both headers is one credential.
    let response = with_header(Method::GET, "/api/v1/me")
        .bearer_auth(read_key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    // Two different credentials are refused, whichever would have passed.
    for other in [
        format!("lk_{}_{}", "a".repeat(16), "b".repeat(64)),
        browser.access_token().to_owned(),
    ] {
        let response = with_header(Method::GET, "/api/v1/me")
            .bearer_auth(&other)
            .send()
            .await
            .unwrap();
        let (status, body) = status_and_body(response).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["error"]["code"], "bad_request");
    }
}

#[tokio::test]
async fn an_unknown_key_is_refused_from_memory_without_a_lookup_for_a_while() {
    let app = spawn_app().await;
    app.sign_in("alice@example.com").await;
    let (prefix, secret) = ("0123456789abcdef", "5".repeat(64));
    let invented = format!("lk_{prefix}_{secret}");
    let response = app.bearer(&invented, Method::GET, "/api/v1/me", None).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    // The same key appears in the database only afterwards: a lookup would
    // now find it, the remembered refusal does not look.
    let secret_hash = gateway::auth::secrets::sha256(&secret);
    app.store
        .create_api_key(&store::api_keys::NewApiKey {
            user_id: app.user_id("alice@example.com").await,
            name: "appears later",
            prefix,
            secret_hash: &secret_hash,
            scopes: &["read".to_owned()],
            expires_at: None,
        })
        .await
        .unwrap();
    let response = app.bearer(&invented, Method::GET, "/api/v1/me", None).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn sessions_and_keys_are_managed_only_by_a_signed_in_user_never_by_an_api_key() {
    let app = spawn_app().await;
    let alice = app.sign_in("alice@example.com").await;
    let token = alice.access_token();
    let write = create_key(&app, token, &json!({"name": "deploy", "scopes": ["write"]})).await;
    let read = create_key(&app, token, &json!({"name": "dash", "scopes": ["read"]})).await;
    let other = create_key(&app, token, &json!({"name": "other", "scopes": ["read"]})).await;
    let (_, sessions) = status_and_body(
        app.bearer(token, Method::GET, "/api/v1/sessions", None)
            .await,
    )
    .await;
    let session = sessions["items"][0]["id"].as_str().unwrap().to_owned();

    let before = app.snapshot().await;
    for key in [&write, &read] {
        let key = key["key"].as_str().unwrap();
        for (method, path) in [
            (Method::GET, "/api/v1/sessions".to_owned()),
            (Method::DELETE, format!("/api/v1/sessions/{session}")),
            (Method::GET, "/api/v1/api-keys".to_owned()),
            (
                Method::DELETE,
                format!("/api/v1/api-keys/{}", other["id"].as_str().unwrap()),
            ),
        ] {
            let (status, body) =
                status_and_body(app.bearer(key, method.clone(), &path, None).await).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}: {body}");
            if method == Method::GET || key == write["key"] {
                assert_eq!(
                    body["error"]["message"],
                    "sessions and API keys are managed only by a signed-in user, not with an API key",
                    "{method} {path}"
                );
            }
            assert!(!body.to_string().contains("user_agent"));
        }
    }
    assert_eq!(app.snapshot().await, before, "nothing was revoked");
    let response = app
        .bearer(token, Method::GET, "/api/v1/sessions", None)
        .await;
    assert_eq!(response.status(), StatusCode::OK, "the session still works");
}
