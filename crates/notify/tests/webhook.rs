//! Webhook delivery to a local receiver, signature verification on the
//! receiving side, and SSRF refusals.

#![allow(
    clippy::unwrap_used,
    reason = "tests may unwrap: a panic is a failed test with its message"
)]

mod support;

use std::time::{Duration, SystemTime};

use api_proto::notify::v1::{AlertKind, DeliveryStatus};
use api_proto::notify::v1::{WebhookTarget, channel};
use axum::http::StatusCode;
use lookout_notify::webhook::signature::{DEFAULT_TOLERANCE, VerifyError};
use support::{
    Options, Receiver, TestApp, WEBHOOK_SECRET, alert, digest_request, fresh_key, webhook_request,
};
use tonic::Code;

async fn app_allowing_loopback() -> TestApp {
    TestApp::spawn(Options {
        smtp_url: "smtp://127.0.0.1:1".to_owned(),
        allow_networks: "127.0.0.1/32".to_owned(),
        smtp_ca_file: None,
    })
    .await
}

#[tokio::test]
async fn a_webhook_carries_a_signature_the_receiver_verifies() {
    let receiver = Receiver::start().await;
    let app = app_allowing_loopback().await;
    let key = fresh_key();

    let response = app
        .send(webhook_request(
            &key,
            &receiver.url,
            alert(AlertKind::Triggered),
        ))
        .await
        .unwrap();

    assert_eq!(response.status(), DeliveryStatus::Sent);
    assert_eq!(response.http_status, 204);
    assert_eq!(response.message_id, key);
    let received = receiver.received();
    assert_eq!(received.len(), 1);
    let (headers, body) = &received[0];
    assert_eq!(headers["webhook-id"], key.as_str());
    assert_eq!(headers["content-type"], "application/json");
    let event = signed_event(headers, body);
    assert_eq!(event["type"], "monitor.triggered");
    assert_eq!(event["data"]["summary"], "Price dropped to 99 EUR");
    assert_eq!(event["data"]["check_id"], "0193a5b2-check");
    assert!(event["timestamp"].as_str().is_some());
}

#[tokio::test]
async fn a_digest_is_one_signed_alert_digest_event_with_every_alert() {
    let receiver = Receiver::start().await;
    let app = app_allowing_loopback().await;
    let key = fresh_key();
    let request = digest_request(
        &key,
        channel::Target::Webhook(WebhookTarget {
            url: receiver.url.clone(),
            secret: WEBHOOK_SECRET.to_owned(),
        }),
    );
    app.send(request.clone()).await.unwrap();
    assert_eq!(
        app.send(request).await.unwrap().status(),
        DeliveryStatus::Duplicate
    );

    let received = receiver.received();
    assert_eq!(received.len(), 1, "one digest, not one event per alert");
    let (headers, body) = &received[0];
    assert_eq!(headers["webhook-id"], key.as_str());
    let event = signed_event(headers, body);
    assert_eq!(event["type"], "alert.digest");
    assert_eq!(
        event["timestamp"], "2026-01-01T00:00:00.000Z",
        "the period's end"
    );
    assert_eq!(event["data"]["period"], "hourly");
    assert_eq!(event["data"]["period_start"], "2025-12-31T23:00:00.000Z");
    assert_eq!(event["data"]["total_alerts"], 2);
    let alerts = event["data"]["alerts"].as_array().unwrap();
    assert_eq!(alerts.len(), 2);
    assert_eq!(alerts[0]["kind"], "triggered");
    assert_eq!(alerts[0]["summary"], "Price dropped to 99 EUR");
    assert_eq!(alerts[1]["kind"], "failing");
    assert_eq!(alerts[1]["monitor_name"], "Blog");
}

#[tokio::test]
async fn a_webhook_carries_the_rating_links_when_the_alert_can_be_rated() {
    let receiver = Receiver::start().await;
    let app = app_allowing_loopback().await;
    let mut rated = alert(AlertKind::Triggered);
    rated.rate_useful_url = "https://lookout.test/api/v1/ratings/useful.token".into();
    rated.rate_noise_url = "https://lookout.test/api/v1/ratings/noise.token".into();

    app.send(webhook_request(&fresh_key(), &receiver.url, rated))
        .await
        .unwrap();
    app.send(webhook_request(
        &fresh_key(),
        &receiver.url,
        alert(AlertKind::Triggered),
    ))
    .await
    .unwrap();

    let received = receiver.received();
    let rated: serde_json::Value = serde_json::from_slice(&received[0].1).unwrap();
    assert_eq!(
        rated["data"]["rate"],
        serde_json::json!({
            "useful_url": "https://lookout.test/api/v1/ratings/useful.token",
            "noise_url": "https://lookout.test/api/v1/ratings/noise.token"
        })
    );
    let plain: serde_json::Value = serde_json::from_slice(&received[1].1).unwrap();
    assert!(plain["data"].get("rate").is_none(), "{plain}");
}

#[tokio::test]
async fn a_replayed_webhook_is_rejected_once_its_timestamp_is_old_and_a_tampered_one_always() {
    let receiver = Receiver::start().await;
    let app = app_allowing_loopback().await;
    app.send(webhook_request(
        &fresh_key(),
        &receiver.url,
        alert(AlertKind::Test),
    ))
    .await
    .unwrap();
    let (headers, body) = receiver.received().remove(0);

    let ten_minutes_later = SystemTime::now() + Duration::from_secs(600);
    assert_eq!(
        lookout_notify::verify(
            WEBHOOK_SECRET,
            &headers,
            &body,
            ten_minutes_later,
            DEFAULT_TOLERANCE
        ),
        Err(VerifyError::TimestampOutOfTolerance)
    );

    let mut tampered = body.to_vec();
    tampered.extend_from_slice(b" ");
    assert_eq!(
        lookout_notify::verify(
            WEBHOOK_SECRET,
            &headers,
            &tampered,
            SystemTime::now(),
            DEFAULT_TOLERANCE
        ),
        Err(VerifyError::SignatureMismatch)
    );

    let mut backdated = headers.clone();
    let old = (SystemTime::now() - Duration::from_secs(3600))
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    backdated.insert("webhook-timestamp", old.to_string().parse().unwrap());
    assert_eq!(
        lookout_notify::verify(
            WEBHOOK_SECRET,
            &backdated,
            &body,
            SystemTime::now(),
            DEFAULT_TOLERANCE
        ),
        Err(VerifyError::TimestampOutOfTolerance)
    );
}

#[tokio::test]
async fn the_same_key_is_posted_once_and_then_answered_as_duplicate() {
    let receiver = Receiver::start().await;
    let app = app_allowing_loopback().await;
    let request = webhook_request(&fresh_key(), &receiver.url, alert(AlertKind::Triggered));

    assert_eq!(
        app.send(request.clone()).await.unwrap().status(),
        DeliveryStatus::Sent
    );
    assert_eq!(
        app.send(request).await.unwrap().status(),
        DeliveryStatus::Duplicate
    );
    assert_eq!(receiver.received().len(), 1);
}

#[tokio::test]
async fn a_receiver_error_is_retryable_and_the_retry_delivers() {
    let receiver = Receiver::start().await;
    receiver.answer_with(StatusCode::SERVICE_UNAVAILABLE);
    let app = app_allowing_loopback().await;
    let request = webhook_request(&fresh_key(), &receiver.url, alert(AlertKind::Triggered));

    let status = app.send(request.clone()).await.unwrap_err();
    assert_eq!(status.code(), Code::Unavailable);

    receiver.answer_with(StatusCode::OK);
    let response = app.send(request).await.unwrap();
    assert_eq!(response.status(), DeliveryStatus::Sent);
    assert_eq!(response.http_status, 200);
    assert_eq!(receiver.received().len(), 2);
}

#[tokio::test]
async fn a_client_error_from_the_receiver_is_a_failed_precondition() {
    let receiver = Receiver::start().await;
    receiver.answer_with(StatusCode::BAD_REQUEST);
    let app = app_allowing_loopback().await;

    let request = webhook_request(&fresh_key(), &receiver.url, alert(AlertKind::Triggered));
    let status = app.send(request).await.unwrap_err();

    assert_eq!(status.code(), Code::FailedPrecondition);
}

#[tokio::test]
async fn a_receiver_that_answers_gone_is_reported_as_not_found_so_the_channel_is_disabled() {
    let receiver = Receiver::start().await;
    receiver.answer_with(StatusCode::GONE);
    let app = app_allowing_loopback().await;

    let request = webhook_request(&fresh_key(), &receiver.url, alert(AlertKind::Triggered));
    let status = app.send(request).await.unwrap_err();

    assert_eq!(status.code(), Code::NotFound);
    assert!(status.message().contains("410"), "{}", status.message());
}

#[tokio::test]
async fn the_payload_timestamp_is_when_the_check_ran_and_the_same_on_every_retry() {
    let receiver = Receiver::start().await;
    receiver.answer_with(StatusCode::SERVICE_UNAVAILABLE);
    let app = app_allowing_loopback().await;
    let request = webhook_request(&fresh_key(), &receiver.url, alert(AlertKind::Triggered));

    app.send(request.clone()).await.unwrap_err();
    receiver.answer_with(StatusCode::OK);
    app.send(request).await.unwrap();

    let received = receiver.received();
    assert_eq!(received.len(), 2);
    // The same bytes both times, so a receiver can compare or deduplicate them.
    assert_eq!(received[0].1, received[1].1);
    assert_eq!(received[0].0["webhook-id"], received[1].0["webhook-id"]);
    let event: serde_json::Value = serde_json::from_slice(&received[1].1).unwrap();
    assert_eq!(event["timestamp"], "2026-01-01T00:00:00.000Z");
}

#[tokio::test]
async fn private_and_metadata_addresses_are_refused() {
    let app = app_allowing_loopback().await;
    for url in [
        "http://10.0.0.1/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:10.0.0.1]/hook",
    ] {
        let request = webhook_request(&fresh_key(), url, alert(AlertKind::Triggered));
        let status = app.send(request).await.unwrap_err();
        assert_eq!(status.code(), Code::PermissionDenied, "{url}: {status:?}");
    }
}

#[tokio::test]
async fn a_loopback_receiver_that_is_not_allow_listed_is_never_contacted() {
    let receiver = Receiver::start().await;
    let app = TestApp::spawn(Options {
        smtp_url: "smtp://127.0.0.1:1".to_owned(),
        allow_networks: String::new(),
        smtp_ca_file: None,
    })
    .await;
    let by_name = receiver.url.replace("127.0.0.1", "localhost");

    for url in [receiver.url.as_str(), by_name.as_str()] {
        let request = webhook_request(&fresh_key(), url, alert(AlertKind::Triggered));
        let status = app.send(request).await.unwrap_err();
        assert_eq!(status.code(), Code::PermissionDenied, "{url}: {status:?}");
    }
    assert!(receiver.received().is_empty());
}

#[tokio::test]
async fn bad_webhook_urls_and_secrets_are_invalid_arguments() {
    let app = app_allowing_loopback().await;

    let request = webhook_request(
        &fresh_key(),
        "ftp://example.com/hook",
        alert(AlertKind::Test),
    );
    let status = app.send(request).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(status.message().contains("channel.webhook.url"));

    let mut request = webhook_request(
        &fresh_key(),
        "https://example.com/hook",
        alert(AlertKind::Test),
    );
    if let Some(api_proto::notify::v1::channel::Target::Webhook(webhook)) = request
        .channel
        .as_mut()
        .and_then(|channel| channel.target.as_mut())
    {
        webhook.secret = "not-a-secret".to_owned();
    }
    let status = app.send(request).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(status.message().contains("channel.webhook.secret"));
    assert!(!status.message().contains("not-a-secret"));
}

/// The failure-origin metadata and the message of a failed send.
fn at_receiver(status: &tonic::Status) -> (&str, &str) {
    let origin = status
        .metadata()
        .get(lookout_notify::error::FAILURE_ORIGIN_METADATA)
        .map(|value| value.to_str().unwrap())
        .unwrap_or("none");
    (origin, status.message())
}

#[tokio::test]
async fn a_receiver_that_fails_is_named_as_the_origin_with_what_it_did() {
    let app = app_allowing_loopback().await;

    // Nobody listens on this port.
    let closed = format!(
        "http://127.0.0.1:{}/hooks/lookout",
        test_support::ports::free_port()
    );
    let status = app
        .send(webhook_request(
            &fresh_key(),
            &closed,
            alert(AlertKind::Test),
        ))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unavailable);
    assert_eq!(
        at_receiver(&status),
        (
            "receiver",
            "the webhook receiver at 127.0.0.1 is unreachable"
        )
    );

    // A redirect is not followed.
    let receiver = Receiver::start().await;
    receiver.answer_with(StatusCode::FOUND);
    let status = app
        .send(webhook_request(
            &fresh_key(),
            &receiver.url,
            alert(AlertKind::Test),
        ))
        .await
        .unwrap_err();
    let (origin, message) = at_receiver(&status);
    assert_eq!(origin, "receiver");
    assert!(message.contains("HTTP 302"), "{message}");
    assert!(message.contains("redirects are not followed"), "{message}");

    // https to a server that speaks plain HTTP: the handshake fails.
    let plain = receiver.url.replacen("http://", "https://", 1);
    let status = app
        .send(webhook_request(
            &fresh_key(),
            &plain,
            alert(AlertKind::Test),
        ))
        .await
        .unwrap_err();
    let (origin, message) = at_receiver(&status);
    assert_eq!(origin, "receiver");
    assert!(message.contains("TLS handshake"), "{message}");
}

/// The event in `body`, once its signature verifies now under the channel's secret.
fn signed_event(headers: &axum::http::HeaderMap, body: &[u8]) -> serde_json::Value {
    assert_eq!(
        lookout_notify::verify(
            WEBHOOK_SECRET,
            headers,
            body,
            SystemTime::now(),
            DEFAULT_TOLERANCE
        ),
        Ok(())
    );
    serde_json::from_slice(body).unwrap()
}
