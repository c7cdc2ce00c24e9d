use api_proto::notify::v1::AlertKind;
use api_proto::notify::v1::channel::Target;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{expect_error, expect_json, spawn_app, spawn_app_with};

#[tokio::test]
async fn a_webhook_secret_is_shown_once_at_creation_and_never_listed() {
    let app = spawn_app().await;
    let created = app.new_channel(&app.alice, &json!({"kind": "webhook", "name": "Deploys", "url": "https://93.184.215.14/hooks/lookout"})).await;
    let secret = created["signing_secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"), "{secret}");
    assert_eq!(created["kind"], "webhook");

    let listed = app.list_channels(&app.alice).await.text().await.unwrap();
    assert!(listed.contains("Deploys"));
    assert!(!listed.contains(&secret), "the secret is never listed");
    assert!(!listed.contains("secret"), "{listed}");

    let email = app
        .new_channel(
            &app.alice,
            &json!({"kind": "email", "name": "Me", "address": "alice@example.com"}),
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
    let created = app
        .new_channel(
            &app.alice,
            &json!({"kind": "webhook", "name": "Hook", "url": "https://93.184.215.14/hook"}),
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
    let alert = first.alert.as_ref().unwrap();
    assert_eq!(alert.kind(), AlertKind::Test);
    // A sample of a real alert, not empty fields and a link to `/`.
    assert!(alert.monitor_name.contains("Sample monitor") && alert.monitor_name.contains("Hook"));
    assert!(
        alert.summary.contains("119 EUR to 89 EUR"),
        "{}",
        alert.summary
    );
    assert!(alert.diff.contains("+Price: 89 EUR"), "{}", alert.diff);
    let link = url::Url::parse(&alert.link).unwrap();
    assert_eq!(link.path(), "/channels");
    assert!(
        first.unsubscribe_url.is_empty(),
        "a test is no subscription"
    );
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

#[tokio::test]
async fn chat_webhook_urls_are_kept_secret_and_shown_back_masked() {
    let app = spawn_app().await;
    let slack_url = "https://93.184.215.14/services/T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ";
    let created = app
        .new_channel(
            &app.alice,
            &json!({"kind": "slack", "name": "Team chat", "url": slack_url}),
        )
        .await;
    assert_eq!(created["kind"], "slack");
    assert_eq!(created["target"], "https://93.184.215.14/services/…i7FQ");
    assert!(created.get("signing_secret").is_none());

    let listed = app.list_channels(&app.alice).await.text().await.unwrap();
    assert!(!listed.contains("TIiajkdnlazkcOXrIdevi7FQ"), "{listed}");

    // The test send still reaches notify with the real URL.
    let id = created["id"].as_str().unwrap();
    expect_json(app.test_channel(&app.alice, id).await, StatusCode::OK).await;
    match app.notify.first_target() {
        Target::Slack(slack) => assert_eq!(slack.webhook_url, slack_url),
        other => panic!("expected a Slack target, got {other:?}"),
    }
}

#[tokio::test]
async fn apprise_urls_become_structured_channels() {
    let app = spawn_app().await;
    let cases = [
        (
            "tgram://123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/-1001234567890",
            "telegram",
            "-1001234567890",
        ),
        (
            "ntfy://93.184.215.14/lookout-alerts?priority=high&tags=warning,cart&token=tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2",
            "ntfy",
            "http://93.184.215.14/lookout-alerts",
        ),
        (
            "jsons://93.184.215.14/hooks/lookout",
            "webhook",
            "https://93.184.215.14/hooks/lookout",
        ),
        (
            "mailto://bob:hunter2@example.com?to=alice@example.com",
            "email",
            "alice@example.com",
        ),
    ];
    for (apprise_url, kind, target) in cases {
        let created = app
            .new_channel(
                &app.alice,
                &json!({"name": kind, "apprise_url": apprise_url}),
            )
            .await;
        assert_eq!(created["kind"], kind, "{apprise_url}");
        assert_eq!(created["target"], target, "{apprise_url}");
        let shown = created.to_string();
        for secret in ["AAHdqTcv", "tk_AgQdq", "hunter2"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        if kind == "ntfy" {
            assert_eq!(
                created["settings"],
                json!({"priority": 4, "tags": ["warning", "cart"]})
            );
        }
    }

    let telegram = app.list_channels(&app.alice).await.text().await.unwrap();
    assert!(!telegram.contains("AAHdqTcv"), "{telegram}");
    let listed = expect_json(app.list_channels(&app.alice).await, StatusCode::OK).await;
    let telegram_id = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item["kind"] == "telegram")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    expect_json(
        app.test_channel(&app.alice, &telegram_id).await,
        StatusCode::OK,
    )
    .await;
    match app.notify.first_target() {
        Target::Telegram(telegram) => {
            assert_eq!(
                telegram.bot_token,
                "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
            );
            assert_eq!(telegram.chat_id, "-1001234567890");
        }
        other => panic!("expected a Telegram target, got {other:?}"),
    }
}

#[tokio::test]
async fn chat_channels_are_validated_and_apprise_problems_point_at_the_url() {
    let app = spawn_app().await;
    let cases = [
        (
            json!({"name": "x", "apprise_url": "slack://T1/B1"}),
            "apprise_url",
        ),
        (
            json!({"name": "x", "apprise_url": "pover://abc"}),
            "apprise_url",
        ),
        (
            json!({"name": "x", "apprise_url": "ntfy://10.0.0.1/alerts"}),
            "apprise_url",
        ),
        (
            json!({"name": "x", "kind": "slack", "apprise_url": "slack://T1/B1/C1"}),
            "kind",
        ),
        (json!({"name": "x"}), "kind"),
        (
            json!({"kind": "discord", "name": "x", "url": "http://169.254.169.254/api/webhooks/1/x"}),
            "url",
        ),
        (
            json!({"kind": "telegram", "name": "x", "chat_id": "-100"}),
            "bot_token",
        ),
        (
            json!({"kind": "telegram", "name": "x", "bot_token": "123:short", "chat_id": "-100"}),
            "bot_token",
        ),
        (
            json!({"kind": "telegram", "name": "x", "bot_token": "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", "chat_id": "my chat"}),
            "chat_id",
        ),
        (
            json!({"kind": "ntfy", "name": "x", "url": "https://93.184.215.14/"}),
            "url",
        ),
        (
            json!({"kind": "ntfy", "name": "x", "url": "https://93.184.215.14/alerts", "priority": 9}),
            "priority",
        ),
        (
            json!({"kind": "slack", "name": "x", "url": "https://93.184.215.14/s", "chat_id": "1"}),
            "chat_id",
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
            message.starts_with(&format!("{field}: ")),
            "{body}: {message}"
        );
        assert!(!message.contains("AAHdqTcv"), "{message}");
    }
}

#[tokio::test]
async fn a_test_whose_receiver_fails_says_what_the_receiver_did() {
    let app = spawn_app().await;
    let created = app
        .new_channel(
            &app.alice,
            &json!({"kind": "webhook", "name": "Hook", "url": "https://93.184.215.14/hook"}),
        )
        .await;
    let id = created["id"].as_str().unwrap();
    *app.notify.fail_at_destination.lock().unwrap() = Some((
        tonic::Code::FailedPrecondition,
        "receiver",
        "the webhook receiver answered HTTP 302; redirects are not followed".to_owned(),
    ));
    let message = expect_error(
        app.test_channel(&app.alice, id).await,
        StatusCode::BAD_GATEWAY,
        "receiver_failed",
    )
    .await;
    assert_eq!(
        message,
        "the test message was not delivered: the webhook receiver answered HTTP 302; redirects are not followed"
    );

    // Unreachable is retryable for deliveries, but still the receiver's doing.
    *app.notify.fail_at_destination.lock().unwrap() = Some((
        tonic::Code::Unavailable,
        "receiver",
        "the webhook receiver at 93.184.215.14 is unreachable".to_owned(),
    ));
    let message = expect_error(
        app.test_channel(&app.alice, id).await,
        StatusCode::BAD_GATEWAY,
        "receiver_failed",
    )
    .await;
    assert!(message.ends_with("is unreachable"), "{message}");

    // The operator's mail server is not named to users.
    let email = app.new_email_channel(&app.alice).await;
    *app.notify.fail_at_destination.lock().unwrap() = Some((
        tonic::Code::Unavailable,
        "mail-server",
        "the mail server smtp.internal.example is unreachable".to_owned(),
    ));
    let message = expect_error(
        app.test_channel(&app.alice, &email).await,
        StatusCode::BAD_GATEWAY,
        "receiver_failed",
    )
    .await;
    assert!(!message.contains("smtp.internal"), "{message}");
    assert!(message.contains("mail server"), "{message}");
}

#[tokio::test]
async fn a_team_may_have_so_many_channels_and_send_so_many_tests_an_hour() {
    let app = spawn_app_with(|config| {
        config.quotas.limits.channels = 2;
        config.quotas.test_sends_per_hour = 2;
    })
    .await;
    let first = app.new_email_channel(&app.alice).await;
    app.new_email_channel(&app.alice).await;
    let message = expect_error(
        app.create_channel(
            &app.alice,
            &json!({"kind": "email", "name": "Third", "address": "alice@example.com"}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "limit_reached",
    )
    .await;
    assert_eq!(
        message,
        "quota channels reached: the limit is 2 channels; delete one first, or ask an administrator to raise it"
    );
    // Another team is not affected.
    app.new_email_channel(&app.bob).await;

    for _ in 0..2 {
        expect_json(app.test_channel(&app.alice, &first).await, StatusCode::OK).await;
    }
    let response = app.test_channel(&app.alice, &first).await;
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3600).contains(&retry_after), "{retry_after}");
    let message = expect_error(response, StatusCode::TOO_MANY_REQUESTS, "cap_reached").await;
    assert!(
        message.starts_with("this team has sent its 2 test and confirmation messages of this hour"),
        "{message}"
    );
    assert_eq!(app.notify.received.lock().unwrap().len(), 2);
}
