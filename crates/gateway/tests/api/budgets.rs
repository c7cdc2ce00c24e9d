//! Monthly model budgets: administrators set them, members see their team's budget and this
//! month's model use per monitor.

use std::time::Duration;

use chrono::Utc;
use reqwest::StatusCode;
use serde_json::{Value, json};
use store::checks::VerdictDetails;
use store::scheduling::{Judging, MonitorOutcome, NewCheck};
use uuid::Uuid;

use crate::helpers::{TestApp, TestUser, expect_error, expect_json, monitor_body, spawn_app_with};

async fn admin_app() -> TestApp {
    spawn_app_with(|config| {
        config.identity.admin_emails = vec!["alice@example.com".to_owned()];
    })
    .await
}

async fn personal_team(app: &TestApp, user: &TestUser) -> String {
    let teams = expect_json(app.list_teams(user).await, StatusCode::OK).await;
    teams["items"][0]["id"].as_str().unwrap().to_owned()
}

/// Records a check that reached the model, as the scheduler does.
async fn record_model_call(app: &TestApp, team: &str, monitor: &str, prompt: i32, output: i32) {
    let now = Utc::now();
    let check = NewCheck {
        id: Uuid::now_v7(),
        monitor_id: monitor.parse().unwrap(),
        team_id: team.parse().unwrap(),
        reason: "schedule",
        status: "ok".to_owned(),
        started_at: now,
        finished_at: now,
        verdict: VerdictDetails {
            prompt_tokens: Some(prompt),
            completion_tokens: Some(output),
            ..VerdictDetails::default()
        },
        ..NewCheck::default()
    };
    let outcome = MonitorOutcome {
        succeeded: true,
        condition: Default::default(),
        judging: Judging::Judged,
        next_check_in: Duration::from_secs(300),
    };
    app.store.record_check(&check, None, outcome).await.unwrap();
}

async fn put_budget(app: &TestApp, user: &TestUser, team: &str, body: &Value) -> reqwest::Response {
    app.client
        .put(app.url(&format!("/api/v1/admin/teams/{team}/budget")))
        .bearer_auth(&user.token)
        .json(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_admin_sets_a_budget_and_the_team_sees_its_use_per_monitor_and_when_it_is_over() {
    let app = admin_app().await;
    let team = personal_team(&app, &app.bob).await;
    let monitor = app.new_monitor(&app.bob).await;

    let usage = expect_json(
        app.get(&app.bob, &format!("/api/v1/teams/{team}/usage"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(usage["budget"], Value::Null);
    assert_eq!(usage["used"], json!({ "tokens": 0, "calls": 0 }));
    assert_eq!(usage["over_budget"], false);

    let set = put_budget(
        &app,
        &app.alice,
        &team,
        &json!({ "monthly_tokens": 1000, "monthly_calls": null }),
    )
    .await;
    expect_json(set, StatusCode::OK).await;
    record_model_call(&app, &team, &monitor, 900, 150).await;
    // A cached verdict costs nothing.
    let now = Utc::now();
    app.store
        .record_check(
            &NewCheck {
                id: Uuid::now_v7(),
                monitor_id: monitor.parse().unwrap(),
                team_id: team.parse().unwrap(),
                reason: "schedule",
                status: "ok".to_owned(),
                started_at: now,
                finished_at: now,
                verdict: VerdictDetails {
                    cached: true,
                    prompt_tokens: Some(900),
                    completion_tokens: Some(150),
                    ..VerdictDetails::default()
                },
                ..NewCheck::default()
            },
            None,
            MonitorOutcome {
                succeeded: true,
                condition: Default::default(),
                judging: Judging::Judged,
                next_check_in: Duration::from_secs(300),
            },
        )
        .await
        .unwrap();

    let usage = expect_json(
        app.get(&app.bob, &format!("/api/v1/teams/{team}/usage"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        usage["budget"],
        json!({ "monthly_tokens": 1000, "monthly_calls": null })
    );
    assert_eq!(usage["used"], json!({ "tokens": 1050, "calls": 1 }));
    assert_eq!(usage["over_budget"], true);
    assert_eq!(usage["monitors"][0]["monitor_id"], monitor.as_str());
    assert_eq!(usage["monitors"][0]["monitor_name"], monitor_body()["name"]);
    assert_eq!(usage["monitors"][0]["tokens"], 1050);
    let month = usage["month"].as_str().unwrap();
    assert!(month.ends_with("-01"), "{month}");

    let all = expect_json(
        app.get(&app.alice, "/api/v1/admin/budgets").await,
        StatusCode::OK,
    )
    .await;
    let row = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["team_id"] == team.as_str())
        .unwrap();
    assert_eq!(row["over_budget"], true);
    assert_eq!(row["used"]["tokens"], 1050);

    // Both limits null removes the budget.
    let removed = put_budget(
        &app,
        &app.alice,
        &team,
        &json!({ "monthly_tokens": null, "monthly_calls": null }),
    )
    .await;
    expect_json(removed, StatusCode::OK).await;
    let usage = expect_json(
        app.get(&app.bob, &format!("/api/v1/teams/{team}/usage"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(usage["budget"], Value::Null);
    assert_eq!(usage["over_budget"], false);

    let audited: i64 = app
        .database()
        .await
        .query_one(
            "SELECT count(*) FROM audit_events WHERE action = 'team.budget_set' AND target = $1",
            &[&team],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(audited, 2);
}

#[tokio::test]
async fn only_admins_set_budgets_only_members_see_them_and_limits_are_validated() {
    let app = admin_app().await;
    let team = personal_team(&app, &app.bob).await;

    let refused = put_budget(&app, &app.bob, &team, &json!({ "monthly_calls": 10 })).await;
    expect_error(refused, StatusCode::FORBIDDEN, "forbidden").await;
    let listed = app.get(&app.bob, "/api/v1/admin/budgets").await;
    expect_error(listed, StatusCode::FORBIDDEN, "forbidden").await;
    let hidden = app
        .get(&app.alice, &format!("/api/v1/teams/{team}/usage"))
        .await;
    expect_error(hidden, StatusCode::NOT_FOUND, "not_found").await;

    for body in [
        json!({ "monthly_tokens": 0, "monthly_calls": null }),
        json!({ "monthly_tokens": null, "monthly_calls": -1 }),
        json!({ "monthly_tokens": 10_000_000_000_000_i64, "monthly_calls": null }),
    ] {
        let invalid = put_budget(&app, &app.alice, &team, &body).await;
        expect_error(
            invalid,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }
    let unknown = put_budget(
        &app,
        &app.alice,
        &Uuid::new_v4().to_string(),
        &json!({ "monthly_calls": 10, "monthly_tokens": null }),
    )
    .await;
    expect_error(unknown, StatusCode::NOT_FOUND, "not_found").await;
}
