//! An email channel to someone else's address stays off until its
//! recipient confirms through the signed, single-use link: nothing else is
//! sent there before.

use api_proto::notify::v1::AlertKind;
use api_proto::notify::v1::channel::Target;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, expect_error, expect_json, spawn_app};

async fn confirm(app: &TestApp, token: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/channels/confirm"))
        .json(&json!({"token": token}))
        .send()
        .await
        .unwrap()
}

/// The token of the last confirmation notify was asked to send.
fn last_token(app: &TestApp) -> String {
    let received = app.notify.received.lock().unwrap().clone();
    let request = received.last().unwrap();
    let alert = request.alert.as_ref().unwrap();
    assert_eq!(alert.kind(), AlertKind::ConfirmChannel);
    let link = url::Url::parse(&alert.link).unwrap();
    assert_eq!(link.path(), "/confirm-channel");
    link.query_pairs()
        .find(|(name, _)| name == "token")
        .unwrap()
        .1
        .into_owned()
}

#[tokio::test]
async fn an_email_channel_to_another_address_waits_for_its_recipient_to_confirm_once() {
    let app = spawn_app().await;
    let created = app
        .new_channel(
            &app.alice,
            &json!({"kind": "email", "name": "Ops", "address": "ops@example.com"}),
        )
        .await;
    let id = created["id"].as_str().unwrap();
    assert_eq!(created["awaiting_confirmation"], true);
    assert_eq!(created["enabled"], false);
    assert_eq!(created["health"], "awaiting_confirmation");
    assert_eq!(created["confirmation_sent"], true);

    // The only message: the confirmation, to the address, naming who asked.
    let received = app.notify.received.lock().unwrap().clone();
    assert_eq!(received.len(), 1);
    match received[0]
        .channel
        .as_ref()
        .unwrap()
        .target
        .as_ref()
        .unwrap()
    {
        Target::Email(email) => assert_eq!(email.address, "ops@example.com"),
        other => panic!("expected an email, got {other:?}"),
    }
    assert_eq!(
        received[0].alert.as_ref().unwrap().summary,
        "alice@example.com"
    );
    let token = last_token(&app);

    // Nothing else reaches the address before it is confirmed.
    let refused = expect_error(
        app.test_channel(&app.alice, id).await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    assert!(refused.contains("not confirmed"), "{refused}");
    expect_error(
        app.patch(
            &app.alice,
            &format!("/api/v1/channels/{id}"),
            &json!({"enabled": true}),
        )
        .await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    assert_eq!(app.notify.received.lock().unwrap().len(), 1);

    // A forged token confirms nothing; the real one confirms once.
    expect_error(
        confirm(&app, &format!("{token}x")).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    )
    .await;
    let confirmed: Value = expect_json(confirm(&app, &token).await, StatusCode::OK).await;
    assert_eq!(
        confirmed,
        json!({"name": "Ops", "address": "ops@example.com"})
    );
    expect_error(confirm(&app, &token).await, StatusCode::GONE, "gone").await;
    let listed = expect_json(app.list_channels(&app.alice).await, StatusCode::OK).await;
    assert_eq!(listed["items"][0]["enabled"], true);
    assert_eq!(listed["items"][0]["awaiting_confirmation"], false);
    expect_json(app.test_channel(&app.alice, id).await, StatusCode::OK).await;

    // Pointing it at another address asks again; the old link cannot confirm it.
    let moved = expect_json(
        app.patch(
            &app.alice,
            &format!("/api/v1/channels/{id}"),
            &json!({"address": "other@example.com"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(moved["awaiting_confirmation"], true);
    assert_eq!(moved["enabled"], false);
    expect_error(confirm(&app, &token).await, StatusCode::GONE, "gone").await;
    let new_token = last_token(&app);
    expect_json(confirm(&app, &new_token).await, StatusCode::OK).await;
}

#[tokio::test]
async fn the_callers_own_address_needs_no_confirmation() {
    let app = spawn_app().await;
    let created = app
        .new_channel(
            &app.alice,
            &json!({"kind": "email", "name": "Me", "address": "Alice@Example.com"}),
        )
        .await;
    assert_eq!(created["awaiting_confirmation"], false);
    assert_eq!(created["enabled"], true);
    assert!(created.get("confirmation_sent").is_none());
    assert!(app.notify.received.lock().unwrap().is_empty());
}
