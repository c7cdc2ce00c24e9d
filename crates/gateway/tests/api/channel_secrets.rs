//! Channel credentials (signing secrets, chat webhook URLs, bot tokens) are
//! sealed at rest, never answered, and opened only to send.

use api_proto::notify::v1::channel::Target;
use reqwest::StatusCode;
use secrecy::ExposeSecret;
use secret_box::SecretBox;
use serde_json::json;
use store::channels::{CHANNEL_SECRET_PURPOSE, ChannelSecret};

use crate::harness;
use crate::helpers::{TestApp, expect_json, spawn_app};

const SLACK_URL: &str =
    "https://93.184.215.14/services/T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ";
const BOT_TOKEN: &str = "123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";

/// `(secret, sealed_secret)` as stored.
async fn stored(app: &TestApp, id: &str) -> (Option<String>, Option<String>) {
    let row = app
        .database()
        .await
        .query_one(
            "SELECT secret, sealed_secret FROM channels WHERE id = $1::text::uuid",
            &[&id],
        )
        .await
        .unwrap();
    (row.get(0), row.get(1))
}

fn open(sealed: &str) -> String {
    SecretBox::development()
        .open(CHANNEL_SECRET_PURPOSE, sealed)
        .unwrap()
        .expose_secret()
        .to_owned()
}

#[tokio::test]
async fn channel_credentials_are_stored_sealed_never_answered_and_opened_for_a_test() {
    let app = spawn_app().await;
    let slack = app
        .new_channel(
            &app.alice,
            &json!({"kind": "slack", "name": "Chat", "url": SLACK_URL}),
        )
        .await;
    let telegram = app
        .new_channel(
            &app.alice,
            &json!({"kind": "telegram", "name": "Bot", "bot_token": BOT_TOKEN, "chat_id": "-1001"}),
        )
        .await;
    let webhook = app
        .new_channel(
            &app.alice,
            &json!({"kind": "webhook", "name": "Hook", "url": "https://93.184.215.14/hook"}),
        )
        .await;
    let signing_secret = webhook["signing_secret"].as_str().unwrap();

    for (channel, plaintext) in [
        (&slack, SLACK_URL),
        (&telegram, BOT_TOKEN),
        (&webhook, signing_secret),
    ] {
        let id = channel["id"].as_str().unwrap();
        let (clear, sealed) = stored(&app, id).await;
        assert_eq!(clear, None, "nothing in clear for {id}");
        let sealed = sealed.unwrap();
        assert!(sealed.starts_with("dev:"), "{sealed}");
        assert!(!sealed.contains(plaintext));
        assert_eq!(open(&sealed), plaintext);
    }

    let listed = app.list_channels(&app.alice).await.text().await.unwrap();
    for plaintext in [SLACK_URL, BOT_TOKEN, signing_secret, "dev:"] {
        assert!(!listed.contains(plaintext), "{plaintext} in {listed}");
    }

    let id = telegram["id"].as_str().unwrap();
    expect_json(app.test_channel(&app.alice, id).await, StatusCode::OK).await;
    match app.notify.first_target() {
        Target::Telegram(target) => assert_eq!(target.bot_token, BOT_TOKEN),
        other => panic!("expected a Telegram target, got {other:?}"),
    }
}

#[tokio::test]
async fn credentials_stored_in_clear_are_sealed_when_the_gateway_starts() {
    let app = spawn_app().await;
    let slack = app
        .new_channel(
            &app.alice,
            &json!({"kind": "slack", "name": "Chat", "url": SLACK_URL}),
        )
        .await;
    let id = slack["id"].as_str().unwrap();
    // As an older version stored it.
    app.database()
        .await
        .execute(
            "UPDATE channels SET secret = $2, sealed_secret = NULL WHERE id = $1::text::uuid",
            &[&id, &SLACK_URL],
        )
        .await
        .unwrap();

    let redis = test_support::redis::throwaway_url().await;
    let restarted = harness::start(harness::config(
        &app.database.url,
        &redis,
        harness::NO_PEERS,
    ))
    .await;
    let (clear, sealed) = stored(&app, id).await;
    assert_eq!(clear, None);
    assert_eq!(open(&sealed.unwrap()), SLACK_URL);
    drop(restarted);

    // And a credential under a retired key moves to the current one.
    let old_spec = format!("old:{}", secret_box::generate_key());
    let old = SecretBox::parse(&old_spec).unwrap();
    let ChannelSecret::Sealed(under_old) = ChannelSecret::seal(&old, SLACK_URL).unwrap() else {
        panic!("seal gives a sealed value");
    };
    app.database()
        .await
        .execute(
            "UPDATE channels SET sealed_secret = $2 WHERE id = $1::text::uuid",
            &[&id, &under_old],
        )
        .await
        .unwrap();
    let new_spec = format!("new:{},{old_spec}", secret_box::generate_key());
    let rotated = SecretBox::parse(&new_spec).unwrap();
    let mut config = harness::config(&app.database.url, &redis, harness::NO_PEERS);
    config.secret_box = rotated.clone();
    let restarted = harness::start(config).await;
    let (_, sealed) = stored(&app, id).await;
    let sealed = sealed.unwrap();
    assert!(sealed.starts_with("new:"), "{sealed}");
    assert_eq!(
        rotated
            .open(CHANNEL_SECRET_PURPOSE, &sealed)
            .unwrap()
            .expose_secret(),
        SLACK_URL
    );
    drop(restarted);
}
