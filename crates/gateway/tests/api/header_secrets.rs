//! Monitor header values (cookies, tokens) are encrypted at rest, masked in
//! every answer, and opened only for the preview's fetch.

use reqwest::StatusCode;
use secrecy::ExposeSecret;
use secret_box::SecretBox;
use serde_json::{Value, json};
use store::monitors::{RequestHeader, StoredValue};

use crate::harness;
use crate::helpers::{TestApp, expect_error, expect_json, monitor_body, spawn_app};

const MASK: &str = "••••••••";

async fn stored_headers(app: &TestApp, id: &str) -> Vec<RequestHeader> {
    let row = app
        .database()
        .await
        .query_one(
            "SELECT headers FROM monitors WHERE id = $1::text::uuid",
            &[&id],
        )
        .await
        .unwrap();
    serde_json::from_value(row.get::<_, Value>("headers")).unwrap()
}

fn opened(headers: &[RequestHeader]) -> Vec<(String, String)> {
    let secret_box = SecretBox::development();
    headers
        .iter()
        .map(|header| {
            assert!(
                matches!(header.value, StoredValue::Sealed(_)),
                "{} is stored in clear",
                header.name
            );
            let value = header.open(&secret_box).unwrap();
            (header.name.clone(), value.expose_secret().to_owned())
        })
        .collect()
}

async fn monitor_with_cookie(app: &TestApp) -> Value {
    let mut body = monitor_body();
    body["headers"] = json!([{"name": "Cookie", "value": "session=abc"}]);
    expect_json(
        app.create_monitor(&app.alice, &body).await,
        StatusCode::CREATED,
    )
    .await
}

#[tokio::test]
async fn header_values_are_stored_encrypted_and_answered_masked() {
    let app = spawn_app().await;
    let created = monitor_with_cookie(&app).await;
    assert_eq!(
        created["headers"],
        json!([{"name": "cookie", "value": MASK}])
    );
    let id = created["id"].as_str().unwrap();
    let read = expect_json(app.get_monitor(&app.alice, id).await, StatusCode::OK).await;
    assert_eq!(read["headers"], json!([{"name": "cookie", "value": MASK}]));
    let listed = expect_json(app.list_monitors(&app.alice, "").await, StatusCode::OK).await;
    assert!(!listed.to_string().contains("session=abc"));

    let raw = app
        .database()
        .await
        .query_one(
            "SELECT headers::text FROM monitors WHERE id = $1::text::uuid",
            &[&id],
        )
        .await
        .unwrap()
        .get::<_, String>(0);
    assert!(!raw.contains("session=abc"), "stored in clear: {raw}");
    assert_eq!(
        opened(&stored_headers(&app, id).await),
        [("cookie".to_owned(), "session=abc".to_owned())]
    );
}

#[tokio::test]
async fn sending_the_mask_back_keeps_the_stored_value() {
    let app = spawn_app().await;
    let created = monitor_with_cookie(&app).await;
    let id = created["id"].as_str().unwrap();
    let before = stored_headers(&app, id).await;

    let updated = expect_json(
        app.update_monitor(
            &app.alice,
            id,
            &json!({"headers": [
                {"name": "Cookie", "value": MASK},
                {"name": "Authorization", "value": "Bearer t0k"},
            ]}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        updated["headers"],
        json!([{"name": "cookie", "value": MASK}, {"name": "authorization", "value": MASK}])
    );
    let after = stored_headers(&app, id).await;
    assert_eq!(
        after[0], before[0],
        "the kept value is not even re-encrypted"
    );
    assert_eq!(
        opened(&after),
        [
            ("cookie".to_owned(), "session=abc".to_owned()),
            ("authorization".to_owned(), "Bearer t0k".to_owned())
        ]
    );
}

#[tokio::test]
async fn a_masked_value_with_nothing_stored_is_refused() {
    let app = spawn_app().await;
    let mut body = monitor_body();
    body["headers"] = json!([{"name": "Cookie", "value": MASK}]);
    let message = expect_error(
        app.create_monitor(&app.alice, &body).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(message.contains("masked"), "{message}");
}

#[tokio::test]
async fn a_preview_of_a_monitor_being_edited_sends_its_stored_values() {
    let app = spawn_app().await;
    let created = monitor_with_cookie(&app).await;
    let id = created["id"].as_str().unwrap();
    let preview = expect_json(
        app.post(
            &app.alice,
            "/api/v1/preview",
            &json!({
                "url": "https://93.184.215.14/laptop",
                "monitor_id": id,
                "headers": [{"name": "Cookie", "value": MASK}, {"name": "X-Extra", "value": "1"}],
            }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(preview["outcome"], "ok");
    let fetches = app.browser.fetches.lock().unwrap().clone();
    let sent: Vec<(String, String)> = fetches[0]
        .headers
        .iter()
        .map(|header| (header.name.clone(), header.value.clone()))
        .collect();
    assert_eq!(
        sent,
        [
            ("cookie".to_owned(), "session=abc".to_owned()),
            ("x-extra".to_owned(), "1".to_owned())
        ]
    );

    // Another user cannot borrow alice's stored values through the mask.
    expect_error(
        app.post(
            &app.bob,
            "/api/v1/preview",
            &json!({
                "url": "https://93.184.215.14/laptop",
                "monitor_id": id,
                "headers": [{"name": "Cookie", "value": MASK}],
            }),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn plain_values_stored_before_encryption_are_sealed_when_the_gateway_starts() {
    let app = spawn_app().await;
    let created = monitor_with_cookie(&app).await;
    let id = created["id"].as_str().unwrap();
    app.database()
        .await
        .execute(
            r#"UPDATE monitors SET headers = '[{"name": "cookie", "value": "legacy=1"}]'::jsonb
                WHERE id = $1::text::uuid"#,
            &[&id],
        )
        .await
        .unwrap();

    let redis = test_support::redis::throwaway_url().await;
    let config = harness::config(&app.database.url, &redis, harness::NO_PEERS);
    let restarted = harness::start(config).await;
    assert_eq!(
        opened(&stored_headers(&app, id).await),
        [("cookie".to_owned(), "legacy=1".to_owned())]
    );
    drop(restarted);
}
