//! Alert ratings: members rate alerts in the API, anyone with an alert's signed link rates it
//! once without signing in, and the monitor's precision counts the last rated alerts.

use std::time::{Duration, SystemTime};

use chrono::Utc;
use rating_link::{LINK_LIFETIME, Rating, RatingLinks};
use reqwest::StatusCode;
use secrecy::SecretString;
use serde_json::{Value, json};
use store::scheduling::{Judging, MonitorOutcome, NewCheck};
use uuid::Uuid;

use crate::helpers::{TestApp, expect_error, expect_json, spawn_app};

use crate::harness::ALERT_RATING_KEY as KEY;

fn links(key: &str) -> RatingLinks {
    RatingLinks::new(SecretString::from(key.to_owned()))
}

/// A monitor of Bob's with one recorded check; returns (monitor, check).
async fn bobs_check(app: &TestApp, monitor: &str, triggered: bool) -> String {
    let team: Uuid = app
        .database()
        .await
        .query_one(
            "SELECT team_id FROM monitors WHERE id = $1",
            &[&monitor.parse::<Uuid>().unwrap()],
        )
        .await
        .unwrap()
        .get(0);
    let now = Utc::now();
    let check = NewCheck {
        id: Uuid::now_v7(),
        monitor_id: monitor.parse().unwrap(),
        team_id: team,
        reason: "schedule",
        status: "ok".to_owned(),
        changed: true,
        triggered,
        summary: Some("The banner changed.".to_owned()),
        diff: Some("-Promo: 10%\n+Promo: 15%".to_owned()),
        started_at: now,
        finished_at: now,
        ..NewCheck::default()
    };
    let outcome = MonitorOutcome {
        succeeded: true,
        condition: Default::default(),
        judging: Judging::Judged,
        next_check_in: Duration::from_secs(300),
    };
    app.store.record_check(&check, None, outcome).await.unwrap();
    check.id.to_string()
}

fn rating_path(monitor: &str, check: &str) -> String {
    format!("/api/v1/monitors/{monitor}/checks/{check}/rating")
}

#[tokio::test]
async fn members_rate_alerts_and_the_monitor_shows_its_precision() {
    let app = spawn_app().await;
    let monitor = app.new_monitor(&app.bob).await;
    let mut alerts = Vec::new();
    for _ in 0..3 {
        alerts.push(bobs_check(&app, &monitor, true).await);
    }
    let quiet = bobs_check(&app, &monitor, false).await;

    let before = expect_json(
        app.get(&app.bob, &format!("/api/v1/monitors/{monitor}/precision"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(before["rated"], 0);
    assert_eq!(before["precision"], Value::Null);

    for (check, rating) in alerts.iter().zip(["useful", "noise", "useful"]) {
        let rated = app
            .post(
                &app.bob,
                &rating_path(&monitor, check),
                &json!({ "rating": rating }),
            )
            .await;
        let body = expect_json(rated, StatusCode::OK).await;
        assert_eq!(body["rating"], rating);
    }
    // A second rating replaces the first.
    let changed = app
        .post(
            &app.bob,
            &rating_path(&monitor, &alerts[2]),
            &json!({ "rating": "noise" }),
        )
        .await;
    expect_json(changed, StatusCode::OK).await;

    let check = expect_json(
        app.get_check(&app.bob, &monitor, &alerts[1]).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(check["rating"], "noise");
    let precision = expect_json(
        app.get(&app.bob, &format!("/api/v1/monitors/{monitor}/precision"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(precision["window"], 30);
    assert_eq!(
        (precision["rated"].as_i64(), precision["useful"].as_i64()),
        (Some(3), Some(1))
    );
    let value = precision["precision"].as_f64().unwrap();
    assert!((value - 1.0 / 3.0).abs() < 1e-9, "{value}");

    let not_an_alert = app
        .post(
            &app.bob,
            &rating_path(&monitor, &quiet),
            &json!({ "rating": "useful" }),
        )
        .await;
    expect_error(not_an_alert, StatusCode::CONFLICT, "conflict").await;
    let invalid = app
        .post(
            &app.bob,
            &rating_path(&monitor, &alerts[0]),
            &json!({ "rating": "meh" }),
        )
        .await;
    expect_error(
        invalid,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let other_team = app
        .post(
            &app.alice,
            &rating_path(&monitor, &alerts[0]),
            &json!({ "rating": "noise" }),
        )
        .await;
    expect_error(other_team, StatusCode::NOT_FOUND, "not_found").await;
    let hidden = app
        .get(&app.alice, &format!("/api/v1/monitors/{monitor}/precision"))
        .await;
    expect_error(hidden, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn a_signed_link_rates_once_without_signing_in_and_forged_or_expired_links_are_refused() {
    let app = spawn_app().await;
    let monitor = app.new_monitor(&app.bob).await;
    let check = bobs_check(&app, &monitor, true).await;
    let check_id: Uuid = check.parse().unwrap();
    let token = links(KEY).sign(check_id, Rating::Noise, SystemTime::now());
    let url = app.url(&format!("/api/v1/ratings/{token}"));

    // Opening the link shows what it does and records nothing: mail scanners open links too.
    let page = app.client.get(&url).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = page.text().await.unwrap();
    assert!(
        html.contains("<form method=\"post\">") && html.contains("Mark as Noise"),
        "{html}"
    );
    let check_body = expect_json(
        app.get_check(&app.bob, &monitor, &check).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(check_body["rating"], Value::Null);

    // The button posts to the same URL; a browser gets a page back.
    let rated = app
        .client
        .post(&url)
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(rated.status(), StatusCode::OK);
    assert!(
        rated
            .text()
            .await
            .unwrap()
            .contains("marked as <strong>noise</strong>")
    );
    let check_body = expect_json(
        app.get_check(&app.bob, &monitor, &check).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(check_body["rating"], "noise");

    let again = app.client.post(&url).send().await.unwrap();
    expect_error(again, StatusCode::CONFLICT, "conflict").await;

    // The other link of the same alert still works once, for a program that posts it.
    let useful = links(KEY).sign(check_id, Rating::Useful, SystemTime::now());
    let posted = app
        .client
        .post(app.url(&format!("/api/v1/ratings/{useful}")))
        .send()
        .await
        .unwrap();
    let body = expect_json(posted, StatusCode::OK).await;
    assert_eq!(body["rating"], "useful");
    assert_eq!(body["check_id"], check.as_str());

    let forged = links("another-key-with-enough-entropy-0912").sign(
        check_id,
        Rating::Noise,
        SystemTime::now(),
    );
    let refused = app
        .client
        .post(app.url(&format!("/api/v1/ratings/{forged}")))
        .send()
        .await
        .unwrap();
    expect_error(refused, StatusCode::FORBIDDEN, "forbidden").await;
    let garbage = app
        .client
        .post(app.url("/api/v1/ratings/not-a-token"))
        .send()
        .await
        .unwrap();
    expect_error(garbage, StatusCode::FORBIDDEN, "forbidden").await;
    let issued_long_ago = SystemTime::now() - LINK_LIFETIME - Duration::from_secs(60);
    let expired = links(KEY).sign(check_id, Rating::Noise, issued_long_ago);
    let late = app
        .client
        .post(app.url(&format!("/api/v1/ratings/{expired}")))
        .send()
        .await
        .unwrap();
    let message = expect_error(late, StatusCode::FORBIDDEN, "forbidden").await;
    assert!(message.contains("expired"), "{message}");
    let late_page = app
        .client
        .get(app.url(&format!("/api/v1/ratings/{expired}")))
        .send()
        .await
        .unwrap();
    assert_eq!(late_page.status(), StatusCode::FORBIDDEN);
    assert!(late_page.text().await.unwrap().contains("expired"));

    let audited: i64 = app
        .database()
        .await
        .query_one(
            "SELECT count(*) FROM audit_events WHERE action = 'check.rated' AND target = $1",
            &[&check],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(audited, 2);
}
