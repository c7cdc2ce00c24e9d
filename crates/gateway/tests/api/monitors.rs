use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{expect_error, expect_json, monitor_body, spawn_app};

#[tokio::test]
async fn a_monitor_can_be_created_read_updated_and_deleted() {
    let app = spawn_app().await;
    let me = expect_json(app.get_me(&app.alice).await, StatusCode::OK).await;
    let personal_team = me["teams"][0]["id"].clone();

    let created = expect_json(
        app.create_monitor(&app.alice, &monitor_body()).await,
        StatusCode::CREATED,
    )
    .await;
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(
        created["team_id"], personal_team,
        "personal team by default"
    );
    assert_eq!(created["name"], "Laptop price");
    assert_eq!(created["url"], "https://93.184.215.14/laptop");
    assert_eq!(created["css_selector"], ".price");
    assert_eq!(created["json_pointer"], serde_json::Value::Null);
    assert_eq!(created["interval_seconds"], 300);
    assert_eq!(created["paused"], false);
    assert_eq!(created["channel_ids"], json!([]));
    assert_eq!(created["last_checked_at"], serde_json::Value::Null);
    assert!(
        created["next_check_at"].as_str().unwrap().contains('T'),
        "RFC 3339 times"
    );

    let read = expect_json(app.get_monitor(&app.alice, &id).await, StatusCode::OK).await;
    assert_eq!(read, created);

    let channel = app.new_email_channel(&app.alice).await;
    let updated = expect_json(
        app.update_monitor(
            &app.alice,
            &id,
            &json!({
                "name": "Cheaper laptop",
                "css_selector": null,
                "paused": true,
                "headers": [{"name": "Cookie", "value": "session=abc"}],
                "channel_ids": [channel],
            }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(updated["name"], "Cheaper laptop");
    assert_eq!(updated["css_selector"], serde_json::Value::Null);
    assert_eq!(updated["paused"], true);
    assert_eq!(
        updated["condition"], "price drops below 1000 EUR",
        "untouched"
    );
    assert_eq!(
        updated["headers"],
        json!([{"name": "cookie", "value": "••••••••"}])
    );
    assert_eq!(updated["channel_ids"], json!([channel]));
    assert!(updated["updated_at"].as_str() >= created["updated_at"].as_str());

    let response = app.delete_monitor(&app.alice, &id).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    expect_error(
        app.get_monitor(&app.alice, &id).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn monitors_are_listed_newest_first_in_pages_with_a_cursor() {
    let app = spawn_app().await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(app.new_monitor(&app.alice).await);
    }
    ids.reverse();

    let first = expect_json(
        app.list_monitors(&app.alice, "?limit=2").await,
        StatusCode::OK,
    )
    .await;
    let page_ids = |page: &serde_json::Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(page_ids(&first), ids[..2]);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = expect_json(
        app.list_monitors(&app.alice, &format!("?limit=2&cursor={cursor}"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(page_ids(&second), ids[2..4]);
    let cursor = second["next_cursor"].as_str().unwrap();
    let third = expect_json(
        app.list_monitors(&app.alice, &format!("?limit=2&cursor={cursor}"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(page_ids(&third), ids[4..]);
    assert_eq!(third["next_cursor"], serde_json::Value::Null);

    let too_many = app.list_monitors(&app.alice, "?limit=101").await;
    let message = expect_error(
        too_many,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(message.contains("limit"), "{message}");
    let garbage = app.list_monitors(&app.alice, "?cursor=garbage").await;
    expect_error(
        garbage,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
}

#[tokio::test]
async fn monitors_can_be_filtered_by_team_and_created_in_a_team_i_own() {
    let app = spawn_app().await;
    let team = expect_json(
        app.create_team(&app.alice, &json!({"name": "Shop watchers"}))
            .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(team["role"], "owner");
    let team_id = team["id"].as_str().unwrap();
    let mut body = monitor_body();
    body["team_id"] = json!(team_id);
    expect_json(
        app.create_monitor(&app.alice, &body).await,
        StatusCode::CREATED,
    )
    .await;
    app.new_monitor(&app.alice).await;

    let listed = expect_json(
        app.list_monitors(&app.alice, &format!("?team_id={team_id}"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    let teams = expect_json(app.list_teams(&app.alice).await, StatusCode::OK).await;
    assert_eq!(teams["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn run_now_queues_a_manual_check_for_the_scheduler() {
    let app = spawn_app().await;
    let id = app.new_monitor(&app.alice).await;
    let database = app.database().await;
    database
        .execute(
            "UPDATE monitors SET next_check_at = now() + interval '1 day' WHERE id = $1::text::uuid",
            &[&id],
        )
        .await
        .unwrap();

    let queued = expect_json(
        app.run_monitor_now(&app.alice, &id).await,
        StatusCode::ACCEPTED,
    )
    .await;
    assert_eq!(queued, json!({"status": "queued"}));

    let row = database
        .query_one(
            "SELECT requested_reason, next_check_at <= now() AS due FROM monitors WHERE id = $1::text::uuid",
            &[&id],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, Option<String>>(0).as_deref(), Some("manual"));
    assert!(row.get::<_, bool>(1));
    let read = expect_json(app.get_monitor(&app.alice, &id).await, StatusCode::OK).await;
    assert_eq!(read["run_requested"], true);
}

#[tokio::test]
async fn a_monitor_cannot_alert_a_channel_of_another_team() {
    let app = spawn_app().await;
    let bobs_channel = app.new_email_channel(&app.bob).await;
    let mut body = monitor_body();
    body["channel_ids"] = json!([bobs_channel]);
    let message = expect_error(
        app.create_monitor(&app.alice, &body).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(message.contains("channel_ids"), "{message}");
    let listed = expect_json(app.list_monitors(&app.alice, "").await, StatusCode::OK).await;
    assert_eq!(listed["items"], json!([]), "nothing was created");

    let mut body = monitor_body();
    body["team_id"] = json!(uuid::Uuid::new_v4());
    let message = expect_error(
        app.create_monitor(&app.alice, &body).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(message.contains("team_id"), "{message}");
}

#[tokio::test]
async fn failing_alerts_come_after_three_failed_checks_unless_the_monitor_says_otherwise() {
    let app = spawn_app().await;
    let created = expect_json(
        app.create_monitor(&app.alice, &monitor_body()).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(created["failure_alert_after"], 3);
    assert_eq!(created["failing"], false);
    let id = created["id"].as_str().unwrap().to_owned();

    let mut body = monitor_body();
    body["failure_alert_after"] = json!(0);
    let never = expect_json(
        app.create_monitor(&app.alice, &body).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(never["failure_alert_after"], 0);

    let updated = expect_json(
        app.update_monitor(&app.alice, &id, &json!({"failure_alert_after": 10}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(updated["failure_alert_after"], 10);

    for value in [json!(101), json!(-1)] {
        let response = app
            .update_monitor(&app.alice, &id, &json!({"failure_alert_after": value}))
            .await;
        let error = expect_json(response, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(
            error["error"]["fields"][0]["field"], "failure_alert_after",
            "{error}"
        );
    }
}

#[tokio::test]
async fn the_first_check_rule_and_fail_policy_have_defaults_can_be_chosen_and_are_validated() {
    let app = spawn_app().await;
    let created = expect_json(
        app.create_monitor(&app.alice, &monitor_body()).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(created["first_check"], "auto");
    assert_eq!(created["condition_holds"], serde_json::Value::Null);
    assert_eq!(created["fail_policy"], "hold");
    assert_eq!(created["unjudged_streak"], 0);
    let id = created["id"].as_str().unwrap().to_owned();

    let mut body = monitor_body();
    body["first_check"] = json!("baseline");
    let baseline = expect_json(
        app.create_monitor(&app.alice, &body).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(baseline["first_check"], "baseline");

    let updated = expect_json(
        app.update_monitor(
            &app.alice,
            &id,
            &json!({"first_check": "alert", "fail_policy": "alert_anyway"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(updated["first_check"], "alert");
    assert_eq!(updated["fail_policy"], "alert_anyway");

    for body in [
        json!({"first_check": "sometimes"}),
        json!({"fail_policy": "panic"}),
    ] {
        let response = app.update_monitor(&app.alice, &id, &body).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}"
        );
    }
}
