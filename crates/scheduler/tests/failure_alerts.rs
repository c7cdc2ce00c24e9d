//! Failing and recovered alerts: after N failed checks in a row one
//! "failing" alert names the cause in plain words, nothing more while the
//! monitor keeps failing, and one "recovered" alert at the next success.

mod support;

use api_proto::browser::v1::FetchOutcome;
use api_proto::notify::v1::AlertKind;
use support::{Page, spawn_app, wait_until};

#[tokio::test]
async fn three_failed_checks_alert_once_with_the_cause_and_a_success_alerts_once_that_it_recovered()
{
    let app = spawn_app().await;
    let monitor = app.create_monitor("any change").await;
    assert_eq!(app.wait_for_checks(monitor, 1).await[0].status, "ok");
    app.add_email_channel(monitor).await;

    app.peers.set_page(Page::Failure(
        FetchOutcome::BlockedByBotWall,
        403,
        "the site answered with a challenge page".to_owned(),
    ));
    let mut raised = Vec::new();
    for _ in 0..5 {
        raised.push(app.check_now(monitor).await.failure_alert);
    }
    assert_eq!(
        raised,
        [None, None, Some("failing".to_owned()), None, None],
        "one failing alert, at the third failure, never repeated"
    );
    wait_until("the failing alert to be sent", || async {
        (app.peers.sends().len() == 1).then_some(())
    })
    .await;
    let failing = app.peers.sends()[0].alert.clone().unwrap();
    assert_eq!(failing.kind(), AlertKind::Failing);
    assert_eq!(
        failing.summary,
        "Failing: blocked by a bot wall (HTTP 403) (3 failed checks in a row)."
    );
    assert_eq!(failing.reason, "the site answered with a challenge page");
    assert!(failing.diff.is_empty());

    app.peers.set_text("price: 120 EUR");
    let back = app.check_now(monitor).await;
    assert_eq!(back.status, "ok");
    assert_eq!(back.failure_alert.as_deref(), Some("recovered"));
    wait_until("the recovered alert to be sent", || async {
        (app.peers.sends().len() == 2).then_some(())
    })
    .await;
    let recovered = app.peers.sends()[1].alert.clone().unwrap();
    assert_eq!(recovered.kind(), AlertKind::Recovered);
    assert_eq!(
        recovered.summary,
        "Checks succeed again after 5 failed in a row (last cause: blocked by a bot wall)."
    );
    assert_ne!(
        app.peers.sends()[0].idempotency_key,
        app.peers.sends()[1].idempotency_key
    );

    let again = app.check_now(monitor).await;
    assert_eq!(
        again.failure_alert, None,
        "recovered once, not at every success"
    );
    let deliveries = app
        .count(
            "SELECT count(*) FROM deliveries d JOIN checks c ON c.id = d.check_id
             WHERE c.monitor_id = $1",
            monitor,
        )
        .await;
    assert_eq!(deliveries, 2);
    app.stop().await;
}

#[tokio::test]
async fn the_number_of_failures_before_an_alert_is_the_monitors_and_zero_means_never() {
    let app = spawn_app().await;
    let quick = app.create_monitor("any change").await;
    let never = app.create_monitor("any change").await;
    app.wait_for_checks(quick, 1).await;
    app.wait_for_checks(never, 1).await;
    for (monitor, after) in [(quick, 1), (never, 0)] {
        app.db
            .execute(
                "UPDATE monitors SET failure_alert_after = $2 WHERE id = $1",
                &[&monitor, &after],
            )
            .await
            .unwrap();
    }
    app.peers.set_page(Page::Failure(
        FetchOutcome::PageGone,
        404,
        "the page answered 404 Not Found".to_owned(),
    ));
    assert_eq!(
        app.check_now(quick).await.failure_alert.as_deref(),
        Some("failing")
    );
    for _ in 0..3 {
        assert_eq!(app.check_now(never).await.failure_alert, None);
    }
    let summary = app
        .db
        .query_one(
            "SELECT summary FROM checks WHERE monitor_id = $1 AND failure_alert = 'failing'",
            &[&quick],
        )
        .await
        .unwrap()
        .get::<_, String>(0);
    assert_eq!(
        summary,
        "Failing: the page is gone (HTTP 404) (1 failed checks in a row)."
    );
    app.stop().await;
}
