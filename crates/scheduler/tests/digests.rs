//! Digests through the outbox: the alerts of a period for a channel that
//! takes digests are held, then sent as exactly one message at the period's
//! end (none for a period without alerts), also when the scheduler stops
//! between building the digest and sending it.
//!
//! The period's end is reached by moving the held alerts' queue times back
//! an hour (the store compares them with the boundary), never by sleeping.

// The helpers below run outside #[test] functions; a failed setup should panic.
#![allow(clippy::unwrap_used)]

mod support;

use std::time::Duration;

use support::{Verdict, spawn_app, wait_until};
use uuid::Uuid;

/// Three triggered checks whose alerts are held for the channel's digest.
async fn three_held_alerts(app: &support::TestApp) -> (Uuid, Uuid) {
    let monitor = app.create_monitor("price below 100").await;
    app.wait_for_checks(monitor, 1).await;
    let channel = app.add_email_channel(monitor).await;
    app.set_delivery(channel, "hourly").await;
    app.peers.set_verdict(Verdict::Triggered(true));
    for text in ["price: 90 EUR", "price: 80 EUR", "price: 70 EUR"] {
        app.peers.set_text(text);
        assert!(app.check_now(monitor).await.triggered);
    }
    (monitor, channel)
}

async fn statuses(app: &support::TestApp, channel: Uuid) -> Vec<(String, String)> {
    app.db
        .query(
            "SELECT kind, status FROM deliveries WHERE channel_id = $1 ORDER BY kind, status",
            &[&channel],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect()
}

#[tokio::test]
async fn alerts_of_an_hour_are_sent_as_exactly_one_digest_when_the_hour_is_over() {
    let app = spawn_app().await;
    let (_monitor, channel) = three_held_alerts(&app).await;
    // Within the hour nothing is sent: the alerts wait for the digest.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(app.peers.sends().is_empty(), "{:?}", app.peers.sends());
    assert_eq!(statuses(&app, channel).await.len(), 3);
    assert!(
        statuses(&app, channel)
            .await
            .iter()
            .all(|(_, status)| status == "held")
    );

    app.age_held_alerts("1 hour").await;
    let sends = wait_until("the digest to be sent", || async {
        let sends = app.peers.sends();
        (!sends.is_empty()).then_some(sends)
    })
    .await;
    let digest = sends[0].digest.clone().expect("a digest, not an alert");
    assert!(sends[0].alert.is_none());
    assert_eq!(digest.period, "hourly");
    assert_eq!(digest.alerts.len(), 3);
    let summaries: Vec<&str> = digest
        .alerts
        .iter()
        .map(|alert| alert.summary.as_str())
        .collect();
    assert_eq!(
        summaries,
        [
            "Now: price: 90 EUR",
            "Now: price: 80 EUR",
            "Now: price: 70 EUR"
        ],
        "every alert of the hour, oldest first"
    );
    assert!(
        digest
            .alerts
            .iter()
            .all(|alert| alert.link.contains("/checks/"))
    );
    assert_eq!(
        digest.period_end_unix_ms % 3_600_000,
        0,
        "the period ends on the hour"
    );
    assert_eq!(
        digest.period_end_unix_ms - digest.period_start_unix_ms,
        3_600_000
    );
    assert!(
        sends[0]
            .idempotency_key
            .starts_with(&format!("digest:{channel}:")),
        "{}",
        sends[0].idempotency_key
    );
    assert!(
        sends[0]
            .unsubscribe_url
            .contains("/api/v1/channels/unsubscribe/"),
        "an email digest carries the channel's unsubscribe link"
    );

    // Nothing more: not a second digest, and none for the empty hours after.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.peers.sends().len(), 1);
    assert_eq!(
        statuses(&app, channel).await,
        [
            ("digest".to_owned(), "sent".to_owned()),
            ("triggered".to_owned(), "digested".to_owned()),
            ("triggered".to_owned(), "digested".to_owned()),
            ("triggered".to_owned(), "digested".to_owned()),
        ]
    );
    app.stop().await;
}

#[tokio::test]
async fn a_digest_built_before_the_scheduler_stopped_is_sent_once_by_the_next_one() {
    let mut app = spawn_app().await;
    let (_monitor, channel) = three_held_alerts(&app).await;
    // Notify answers "another attempt holds this key" for now: the digest
    // is built, its sends are put back, and the scheduler stops right there.
    *app.peers.notify_in_flight_left.lock().unwrap() = u32::MAX;
    app.age_held_alerts("1 hour").await;
    wait_until("a send of the built digest to be tried", || async {
        app.peers
            .sends()
            .iter()
            .any(|send| send.digest.is_some())
            .then_some(())
    })
    .await;
    app.stop_scheduler().await;
    let tried_key = app.peers.sends()[0].idempotency_key.clone();
    assert_eq!(
        statuses(&app, channel).await[0],
        ("digest".to_owned(), "pending".to_owned())
    );

    *app.peers.notify_in_flight_left.lock().unwrap() = 0;
    app.peers.sends.lock().unwrap().clear();
    let _next = app.start_another_scheduler().await;
    wait_until("the digest to be sent", || async {
        (statuses(&app, channel).await[0].1 == "sent").then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let sends = app.peers.sends();
    assert_eq!(sends.len(), 1, "exactly one digest: {sends:?}");
    assert_eq!(
        sends[0].idempotency_key, tried_key,
        "the same identity as before the stop"
    );
    assert_eq!(sends[0].digest.as_ref().unwrap().alerts.len(), 3);
    assert_eq!(
        app.count(
            "SELECT count(*) FROM deliveries WHERE channel_id = $1 AND kind = 'digest'",
            channel
        )
        .await,
        1
    );
}

#[tokio::test]
async fn a_channel_switched_back_to_instant_alerts_sends_what_was_held_at_once() {
    let app = spawn_app().await;
    let (_monitor, channel) = three_held_alerts(&app).await;
    app.set_delivery(channel, "instant").await;
    let sends = wait_until("the held alerts to be sent", || async {
        let sends = app.peers.sends();
        (sends.len() == 3).then_some(sends)
    })
    .await;
    assert!(
        sends
            .iter()
            .all(|send| send.alert.is_some() && send.digest.is_none())
    );
    app.stop().await;
}
