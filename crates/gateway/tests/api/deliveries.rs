//! Dead letters, requeuing, channel health, editing and turning channels
//! off and on, through the API, with the outbox arranged in the database.

use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, expect_error, expect_json, spawn_app};

/// A triggered check of `monitor` and a delivery of it to `channel` that
/// died with `error`; returns the delivery id.
async fn dead_delivery(app: &TestApp, monitor: &str, channel: &str, error: &str) -> String {
    let database = app.database().await;
    let check = Uuid::new_v4();
    database
        .execute(
            "INSERT INTO checks (id, monitor_id, team_id, reason, status, changed, triggered,
                                 summary, started_at, finished_at)
             SELECT $1, id, team_id, 'schedule', 'ok', true, true, 'Price dropped', now(), now()
               FROM monitors WHERE id = $2::text::uuid",
            &[&check, &monitor],
        )
        .await
        .unwrap();
    let delivery = Uuid::new_v4();
    database
        .execute(
            "INSERT INTO deliveries (id, check_id, channel_id, team_id, idempotency_key, status,
                                     attempts, last_error)
             SELECT $1, $2, id, team_id, $5, 'dead', 8, $4
               FROM channels WHERE id = $3::text::uuid",
            &[&delivery, &check, &channel, &error, &delivery.to_string()],
        )
        .await
        .unwrap();
    delivery.to_string()
}

async fn status_of(app: &TestApp, delivery: &str) -> (String, i32) {
    let row = app
        .database()
        .await
        .query_one(
            "SELECT status, attempts FROM deliveries WHERE id = $1::text::uuid",
            &[&delivery],
        )
        .await
        .unwrap();
    (row.get(0), row.get(1))
}

async fn webhook_channel(app: &TestApp) -> Value {
    app.new_channel(
        &app.alice,
        &json!({"kind": "webhook", "name": "Hook", "url": "https://93.184.215.14/hook"}),
    )
    .await
}

#[tokio::test]
async fn dead_letters_are_listed_with_their_error_to_their_team_only_and_requeued() {
    let app = spawn_app().await;
    let monitor = app.new_monitor(&app.alice).await;
    let channel = app.new_email_channel(&app.alice).await;
    let first = dead_delivery(&app, &monitor, &channel, "the mail server refused").await;
    let second = dead_delivery(&app, &monitor, &channel, "the mailbox is full").await;

    let listed = expect_json(
        app.get(&app.alice, "/api/v1/deliveries?status=dead&limit=1")
            .await,
        StatusCode::OK,
    )
    .await;
    let items = listed["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], second.as_str(), "newest first");
    assert_eq!(items[0]["last_error"], "the mailbox is full");
    assert_eq!(items[0]["monitor_name"], "Laptop price");
    assert_eq!(items[0]["channel_name"], "Me");
    assert_eq!(items[0]["status"], "dead");
    let cursor = listed["next_cursor"].as_str().unwrap();
    let next = expect_json(
        app.get(
            &app.alice,
            &format!("/api/v1/deliveries?status=dead&limit=1&cursor={cursor}"),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(next["items"][0]["id"], first.as_str());
    assert!(next["next_cursor"].is_null());

    // Another team sees nothing and cannot requeue.
    let theirs = expect_json(
        app.get(&app.bob, "/api/v1/deliveries?status=dead").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(theirs["items"], json!([]));
    expect_error(
        app.post(
            &app.bob,
            &format!("/api/v1/deliveries/{first}/requeue"),
            &json!({}),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    let requeued = expect_json(
        app.post(
            &app.alice,
            &format!("/api/v1/deliveries/{first}/requeue"),
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(requeued["status"], "pending");
    assert_eq!(status_of(&app, &first).await, ("pending".to_owned(), 0));
    let again = expect_error(
        app.post(
            &app.alice,
            &format!("/api/v1/deliveries/{first}/requeue"),
            &json!({}),
        )
        .await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    assert!(again.contains("only dead deliveries"), "{again}");

    let all = expect_json(
        app.post(&app.alice, "/api/v1/deliveries/requeue", &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(all["requeued"], 1);
    assert_eq!(status_of(&app, &second).await.0, "pending");
    let bad = expect_error(
        app.get(&app.alice, "/api/v1/deliveries?status=lost").await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    )
    .await;
    assert!(bad.contains("status"), "{bad}");
}

#[tokio::test]
async fn a_channel_that_is_off_keeps_its_dead_letters_until_it_is_on_again() {
    let app = spawn_app().await;
    let monitor = app.new_monitor(&app.alice).await;
    let channel = app.new_email_channel(&app.alice).await;
    let delivery = dead_delivery(&app, &monitor, &channel, "refused").await;
    app.database()
        .await
        .execute(
            "UPDATE channels SET enabled = false, dead_streak = 5,
                    disabled_reason = 'Lookout turned this channel off after 5 alerts in a row could not be delivered'
              WHERE id = $1::text::uuid",
            &[&channel],
        )
        .await
        .unwrap();
    let listed = expect_json(app.list_channels(&app.alice).await, StatusCode::OK).await;
    assert_eq!(listed["items"][0]["health"], "disabled");

    let message = expect_error(
        app.post(
            &app.alice,
            &format!("/api/v1/deliveries/{delivery}/requeue"),
            &json!({}),
        )
        .await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    assert!(message.contains("turned off"), "{message}");
    let all = expect_json(
        app.post(&app.alice, "/api/v1/deliveries/requeue", &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(all["requeued"], 0);

    let enabled = expect_json(
        app.patch(
            &app.alice,
            &format!("/api/v1/channels/{channel}"),
            &json!({"enabled": true}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(enabled["enabled"], true);
    assert!(enabled.get("disabled_reason").is_none(), "{enabled}");
    assert_eq!(enabled["health"], "unknown");
    expect_json(
        app.post(
            &app.alice,
            &format!("/api/v1/deliveries/{delivery}/requeue"),
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
}

#[tokio::test]
async fn a_channel_is_renamed_re_pointed_turned_off_and_on_and_keeps_its_webhook_secret() {
    let app = spawn_app().await;
    let created = webhook_channel(&app).await;
    let id = created["id"].as_str().unwrap();
    let signing_secret = created["signing_secret"].as_str().unwrap().to_owned();

    let updated = expect_json(
        app.patch(
            &app.alice,
            &format!("/api/v1/channels/{id}"),
            &json!({"name": "Deploy hook", "url": "https://93.184.215.15/new-hook"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(updated["name"], "Deploy hook");
    assert_eq!(updated["target"], "https://93.184.215.15/new-hook");
    assert!(updated.get("signing_secret").is_none());
    expect_json(app.test_channel(&app.alice, id).await, StatusCode::OK).await;
    match app.notify.first_target() {
        api_proto::notify::v1::channel::Target::Webhook(webhook) => {
            assert_eq!(webhook.url, "https://93.184.215.15/new-hook");
            assert_eq!(webhook.secret, signing_secret, "the signing secret stays");
        }
        other => panic!("expected a webhook, got {other:?}"),
    }

    // The same rules as at creation, for the channel's own kind.
    let problem = expect_error(
        app.patch(
            &app.alice,
            &format!("/api/v1/channels/{id}"),
            &json!({"url": "http://10.0.0.1/hook"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(problem.starts_with("url:"), "{problem}");
    let problem = expect_error(
        app.patch(
            &app.alice,
            &format!("/api/v1/channels/{id}"),
            &json!({"address": "a@example.com"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(
        problem.contains("not used by webhook channels"),
        "{problem}"
    );

    let off = expect_json(
        app.patch(
            &app.alice,
            &format!("/api/v1/channels/{id}"),
            &json!({"enabled": false}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(off["enabled"], false);
    assert_eq!(off["health"], "disabled");
    expect_error(
        app.patch(
            &app.bob,
            &format!("/api/v1/channels/{id}"),
            &json!({"enabled": true}),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}
