use api_proto::notify::v1::AlertKind;
use api_proto::notify::v1::channel::Target;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{expect_error, expect_json, spawn_app, spawn_app_with};

#[tokio::test]
async fn a_webhook_secret_is_shown_once_at_creation_and_never_listed() {
    let app = spawn_app().await;
    let created = expect_json(
        app.create_channel(
            &app.alice,
            &json!({"kind": "webhook", "name": "Deploys", "url": "https://93.184.215.14/hooks/lookout"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let secret = created["signing_secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"), "{secret}");
    assert_eq!(created["kind"], "webhook");

    let listed = app.list_channels(&app.alice).await.text().await.unwrap();
    assert!(listed.contains("Deploys"));
    assert!(!listed.contains(&secret), "the secret is never listed");
    assert!(!listed.contains("secret"), "{listed}");

    let email = expect_json(
        app.create_channel(
            &app.alice,
            &json!({"kind": "email", "name": "Me", "address": "alice@example.com"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert!(email.get("signing_secret").is_none());

    let id = created["id"].as_str().unwrap();
    let response = app.delete_channel(&app.alice, id).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let listed = expect_json(app.list_channels(&app.alice).await, StatusCode::OK).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn channel_targets_are_validated() {
    let app = spawn_app().await;
    let cases = [
        (
            json!({"kind": "email", "name": "x", "address": "not-an-address"}),
            "address",
        ),
        (
            json!({"kind": "email", "name": "x", "address": "Alice <a@example.com>"}),
            "address",
        ),
        (
            json!({"kind": "email", "name": "x", "address": "a@example.com\r\nBcc: b@example.com"}),
            "address",
        ),
        (json!({"kind": "email", "name": "x"}), "address"),
        (
            json!({"kind": "email", "name": "", "address": "a@example.com"}),
            "name",
        ),
        (json!({"kind": "webhook", "name": "x"}), "url"),
        (
            json!({"kind": "webhook", "name": "x", "url": "http://10.1.2.3/hook"}),
            "url",
        ),
        (
            json!({"kind": "webhook", "name": "x", "url": "http://169.254.169.254/"}),
            "url",
        ),
        (
            json!({"kind": "webhook", "name": "x", "url": "gopher://93.184.215.14/"}),
            "url",
        ),
    ];
    for (body, field) in cases {
        let response = app.create_channel(&app.alice, &body).await;
        let message = expect_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert!(
            message.starts_with(&format!("{field}:")),
            "{body}: {message}"
        );
    }
    let response = app
        .create_channel(&app.alice, &json!({"kind": "sms", "name": "x"}))
        .await;
    expect_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
}

#[tokio::test]
async fn production_requires_https_webhooks_except_to_allow_listed_receivers() {
    let app = spawn_app_with(|config| {
        config.environment = mesh::config::Environment::Production;
        config.destination_policy = netguard::Policy::from_allow_list("127.0.0.0/8").unwrap();
    })
    .await;
    let response = app
        .create_channel(
            &app.alice,
            &json!({"kind": "webhook", "name": "x", "url": "http://93.184.215.14/hook"}),
        )
        .await;
    let message = expect_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(message, "url: must use https");
    let response = app
        .create_channel(
            &app.alice,
            &json!({"kind": "webhook", "name": "x", "url": "http://127.0.0.1:9/hook"}),
        )
        .await;
    expect_json(response, StatusCode::CREATED).await;
}

#[tokio::test]
async fn a_test_send_reaches_notify_as_a_test_alert_with_a_unique_idempotency_key() {
    let app = spawn_app().await;
    let created = expect_json(
        app.create_channel(
            &app.alice,
            &json!({"kind": "webhook", "name": "Hook", "url": "https://93.184.215.14/hook"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let id = created["id"].as_str().unwrap();
    let sent = expect_json(app.test_channel(&app.alice, id).await, StatusCode::OK).await;
    assert_eq!(sent["status"], "sent");
    expect_json(app.test_channel(&app.alice, id).await, StatusCode::OK).await;

    let received = app.notify.received.lock().unwrap().clone();
    assert_eq!(received.len(), 2);
    let first = &received[0];
    assert!(first.idempotency_key.starts_with(&format!("test:{id}:")));
    assert_ne!(first.idempotency_key, received[1].idempotency_key);
    assert_eq!(first.alert.as_ref().unwrap().kind(), AlertKind::Test);
    match first.channel.as_ref().unwrap().target.as_ref().unwrap() {
        Target::Webhook(webhook) => {
            assert_eq!(webhook.url, "https://93.184.215.14/hook");
            assert_eq!(webhook.secret, created["signing_secret"].as_str().unwrap());
        }
        other => panic!("expected a webhook target, got {other:?}"),
    }
}

#[tokio::test]
async fn notify_failures_become_plain_502_and_503_answers() {
    let app = spawn_app().await;
    let id = app.new_email_channel(&app.alice).await;
    *app.notify.fail_with.lock().unwrap() = Some(tonic::Code::Unavailable);
    let response = app.test_channel(&app.alice, &id).await;
    let message = expect_error(
        response,
        StatusCode::SERVICE_UNAVAILABLE,
        "service_unavailable",
    )
    .await;
    assert!(
        !message.contains("smtp.internal"),
        "no upstream detail leaks: {message}"
    );
    *app.notify.fail_with.lock().unwrap() = Some(tonic::Code::InvalidArgument);
    let response = app.test_channel(&app.alice, &id).await;
    let message = expect_error(response, StatusCode::BAD_GATEWAY, "bad_gateway").await;
    assert!(
        !message.contains("smtp.internal"),
        "no upstream detail leaks: {message}"
    );
}

#[tokio::test]
async fn notify_refuses_a_gateway_with_the_wrong_internal_key() {
    let app = spawn_app_with(|config| {
        config.internal_api_key = secrecy::SecretString::from("another-deployments-key".to_owned());
    })
    .await;
    let id = app.new_email_channel(&app.alice).await;
    let response = app.test_channel(&app.alice, &id).await;
    expect_error(response, StatusCode::BAD_GATEWAY, "bad_gateway").await;
    assert!(app.notify.received.lock().unwrap().is_empty());
}

#[tokio::test]
async fn an_unreachable_notify_service_answers_503() {
    let port = test_support::ports::free_port();
    let app = spawn_app_with(|config| {
        config.notify_url = format!("http://127.0.0.1:{port}");
    })
    .await;
    let id = app.new_email_channel(&app.alice).await;
    let response = app.test_channel(&app.alice, &id).await;
    expect_error(
        response,
        StatusCode::SERVICE_UNAVAILABLE,
        "service_unavailable",
    )
    .await;
}
