//! A channel's delivery schedule: instant alerts, or an hourly or daily
//! digest at a local time in an IANA time zone, checked with clear 422s.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{expect_error, expect_json, spawn_app};

#[tokio::test]
async fn a_channel_takes_a_daily_digest_at_a_local_time_and_can_go_back_to_instant() {
    let app = spawn_app().await;
    let created = app
        .new_channel(
            &app.alice,
            &json!({"kind": "email", "name": "Me", "address": "alice@example.com",
                    "delivery": "daily", "digest_at": "08:30", "time_zone": "Europe/Berlin"}),
        )
        .await;
    assert_eq!(created["delivery"], "daily");
    assert_eq!(created["digest_at"], "08:30");
    assert_eq!(created["time_zone"], "Europe/Berlin");
    let id = created["id"].as_str().unwrap();

    let hourly = expect_json(
        app.patch(
            &app.alice,
            &format!("/api/v1/channels/{id}"),
            &json!({"delivery": "hourly"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(hourly["delivery"], "hourly");
    assert_eq!(hourly["digest_at"], serde_json::Value::Null);
    let listed = expect_json(app.list_channels(&app.alice).await, StatusCode::OK).await;
    assert_eq!(listed["items"][0]["delivery"], "hourly");

    let instant = expect_json(
        app.patch(
            &app.alice,
            &format!("/api/v1/channels/{id}"),
            &json!({"name": "Mine"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(instant["delivery"], "hourly", "a rename keeps the schedule");
    let instant = expect_json(
        app.patch(
            &app.alice,
            &format!("/api/v1/channels/{id}"),
            &json!({"delivery": "instant"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(instant["delivery"], "instant");
}

#[tokio::test]
async fn bad_digest_schedules_are_refused_with_the_field_and_what_to_give() {
    let app = spawn_app().await;
    let cases = [
        (
            json!({"delivery": "daily", "digest_at": "8:30", "time_zone": "Europe/Berlin"}),
            "digest_at",
            "HH:MM",
        ),
        (
            json!({"delivery": "daily", "digest_at": "25:00", "time_zone": "Europe/Berlin"}),
            "digest_at",
            "HH:MM",
        ),
        (
            json!({"delivery": "daily", "digest_at": "08:30", "time_zone": "Europe/Atlantis"}),
            "time_zone",
            "not an IANA time zone",
        ),
        (
            json!({"delivery": "daily", "time_zone": "UTC"}),
            "digest_at",
            "is required",
        ),
        (
            json!({"delivery": "daily", "digest_at": "08:30"}),
            "time_zone",
            "is required",
        ),
        (
            json!({"delivery": "hourly", "digest_at": "08:30"}),
            "digest_at",
            "only used with delivery",
        ),
    ];
    for (schedule, field, words) in cases {
        let mut body = json!({"kind": "email", "name": "Me", "address": "alice@example.com"});
        body.as_object_mut()
            .unwrap()
            .extend(schedule.as_object().unwrap().clone());
        let response = app.create_channel(&app.alice, &body).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{schedule}"
        );
        let error: serde_json::Value = response.json().await.unwrap();
        let fields = error["error"]["fields"].as_array().unwrap();
        assert!(
            fields.iter().any(|problem| problem["field"] == field
                && problem["message"].as_str().unwrap().contains(words)),
            "{schedule}: {error}"
        );
    }
    let unknown = app
        .create_channel(
            &app.alice,
            &json!({"kind": "email", "name": "Me", "address": "alice@example.com", "delivery": "weekly"}),
        )
        .await;
    assert_eq!(unknown.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let id = app.new_email_channel(&app.alice).await;
    let message = expect_error(
        app.patch(
            &app.alice,
            &format!("/api/v1/channels/{id}"),
            &json!({"time_zone": "UTC"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(!message.is_empty());
}
