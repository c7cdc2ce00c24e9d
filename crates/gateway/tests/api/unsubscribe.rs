//! One-click unsubscribe from an email channel (RFC 8058) with the signed
//! link of an alert email, no session; and resending a pending channel's
//! confirmation, counted with the test sends.

use std::time::{Duration, SystemTime};

use rating_link::RatingLinks;
use rating_link::unsubscribe::UNSUBSCRIBE_LIFETIME;
use reqwest::StatusCode;
use secrecy::SecretString;
use serde_json::json;
use uuid::Uuid;

use crate::harness::ALERT_RATING_KEY as KEY;
use crate::helpers::{TestApp, expect_error, expect_json, spawn_app, spawn_app_with};

fn links(key: &str) -> RatingLinks {
    RatingLinks::new(SecretString::from(key.to_owned()))
}

fn unsubscribe_path(token: &str) -> String {
    format!("/api/v1/channels/unsubscribe/{token}")
}

/// What a mail client does for a one-click unsubscribe: a form POST, no session.
async fn one_click(app: &TestApp, token: &str) -> reqwest::Response {
    app.client
        .post(app.url(&unsubscribe_path(token)))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap()
}

async fn channel_state(app: &TestApp, id: &str) -> (bool, Option<String>) {
    let row = app
        .database()
        .await
        .query_one(
            "SELECT enabled, disabled_reason FROM channels WHERE id = $1",
            &[&id.parse::<Uuid>().unwrap()],
        )
        .await
        .unwrap();
    (row.get(0), row.get(1))
}

#[tokio::test]
async fn a_one_click_post_without_a_session_turns_the_email_channel_off_and_is_audited() {
    let app = spawn_app().await;
    let id = app.new_email_channel(&app.alice).await;
    let token =
        links(KEY).sign_unsubscribe(id.parse().unwrap(), "alice@example.com", SystemTime::now());

    // Following the link changes nothing: it leads to the UI's confirmation page.
    let shown = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.url(&unsubscribe_path(&token)))
        .send()
        .await
        .unwrap();
    assert_eq!(shown.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        shown.headers()["location"],
        format!("/unsubscribe/{token}").as_str()
    );
    assert!(
        channel_state(&app, &id).await.0,
        "a GET unsubscribes nobody"
    );

    let done = expect_json(one_click(&app, &token).await, StatusCode::OK).await;
    assert_eq!(done["address"], "alice@example.com");
    assert_eq!(done["changed"], true);
    let (enabled, reason) = channel_state(&app, &id).await;
    assert!(!enabled);
    assert!(reason.unwrap().contains("unsubscribed"));
    // A second click says the same and records nothing new.
    let again = expect_json(one_click(&app, &token).await, StatusCode::OK).await;
    assert_eq!(again["changed"], false);
    let audited: i64 = app
        .database()
        .await
        .query_one(
            "SELECT count(*) FROM audit_events WHERE action = 'channel.unsubscribed' AND target = $1",
            &[&id],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn forged_expired_and_readdressed_unsubscribe_links_are_refused() {
    let app = spawn_app().await;
    let id = app.new_email_channel(&app.alice).await;
    let channel: Uuid = id.parse().unwrap();

    let forged = links("someone-elses-key").sign_unsubscribe(
        channel,
        "alice@example.com",
        SystemTime::now(),
    );
    let message = expect_error(
        one_click(&app, &forged).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_eq!(message, "this unsubscribe link is not valid");
    expect_error(
        one_click(&app, "not-a-token").await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;

    let long_ago = SystemTime::now() - UNSUBSCRIBE_LIFETIME - Duration::from_secs(60);
    let expired = links(KEY).sign_unsubscribe(channel, "alice@example.com", long_ago);
    let message = expect_error(
        one_click(&app, &expired).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert!(message.contains("expired"), "{message}");

    // A link mailed to an address the channel no longer goes to.
    let old_address = links(KEY).sign_unsubscribe(channel, "old@example.com", SystemTime::now());
    expect_error(
        one_click(&app, &old_address).await,
        StatusCode::GONE,
        "gone",
    )
    .await;
    // A rating link is no unsubscribe link.
    let rating = links(KEY).sign(channel, rating_link::Rating::Noise, SystemTime::now());
    expect_error(
        one_click(&app, &rating).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;

    assert!(channel_state(&app, &id).await.0, "the channel is still on");
}

#[tokio::test]
async fn a_pending_channels_confirmation_can_be_sent_again_within_the_hourly_cap() {
    let app = spawn_app_with(|config| {
        config.quotas.test_sends_per_hour = 2;
    })
    .await;
    let created = app
        .new_channel(
            &app.alice,
            &json!({"kind": "email", "name": "Ops", "address": "ops@example.com"}),
        )
        .await;
    let id = created["id"].as_str().unwrap();
    let path = format!("/api/v1/channels/{id}/confirmation");

    let sent = expect_json(
        app.post(&app.alice, &path, &json!({})).await,
        StatusCode::ACCEPTED,
    )
    .await;
    assert_eq!(sent["address"], "ops@example.com");
    let received = app.notify.received.lock().unwrap().clone();
    assert_eq!(
        received.len(),
        2,
        "the first confirmation and the resent one"
    );
    assert_eq!(
        received[1].alert.as_ref().unwrap().kind(),
        api_proto::notify::v1::AlertKind::ConfirmChannel
    );

    // Creation and one resend spent the two sends of this hour.
    expect_error(
        app.post(&app.alice, &path, &json!({})).await,
        StatusCode::TOO_MANY_REQUESTS,
        "cap_reached",
    )
    .await;
    // Only a channel waiting for its recipient has a confirmation to resend.
    let own = app.new_email_channel(&app.alice).await;
    expect_error(
        app.post(
            &app.alice,
            &format!("/api/v1/channels/{own}/confirmation"),
            &json!({}),
        )
        .await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    // Another team's channel is not found.
    expect_error(
        app.post(&app.bob, &path, &json!({})).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}
