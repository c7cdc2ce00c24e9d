//! A team's retention: members read it with what the team keeps, owners
//! change it (audited), other members get 403 and strangers 404, and limits
//! out of range are 422 naming the field.

use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, expect_error, expect_json, spawn_app};

async fn put_retention(app: &TestApp, user: &TestUser, team: &str, body: &Value) -> Response {
    app.client
        .put(app.url(&format!("/api/v1/teams/{team}/retention")))
        .bearer_auth(&user.token)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn get_retention(app: &TestApp, user: &TestUser, team: &str) -> Response {
    app.get(user, &format!("/api/v1/teams/{team}/retention"))
        .await
}

/// A team Alice owns with Bob as a plain member.
async fn shared_team(app: &TestApp) -> String {
    let team = expect_json(
        app.create_team(&app.alice, &json!({"name": "Shop watchers"}))
            .await,
        StatusCode::CREATED,
    )
    .await;
    let team = team["id"].as_str().unwrap().to_owned();
    app.database()
        .await
        .execute(
            "INSERT INTO memberships (team_id, user_id, role) VALUES ($1::text::uuid, $2, 'member')",
            &[&team, &app.bob.id],
        )
        .await
        .unwrap();
    team
}

#[tokio::test]
async fn an_owner_changes_the_retention_and_members_read_it_with_the_kept_history() {
    let app = spawn_app().await;
    let team = shared_team(&app).await;

    let read = expect_json(get_retention(&app, &app.bob, &team).await, StatusCode::OK).await;
    assert_eq!(read["days"], 365, "{read}");
    assert_eq!(read["snapshots"], 1000, "{read}");
    assert_eq!(read["default_days"], 365);
    assert_eq!(read["default_snapshots"], 1000);
    assert_eq!(read["can_change"], false, "Bob is a plain member");
    assert_eq!(
        read["kept"],
        json!({"checks": 0, "snapshots": 0, "snapshot_text_bytes": 0})
    );

    let changed = expect_json(
        put_retention(
            &app,
            &app.alice,
            &team,
            &json!({"days": 30, "snapshots": null}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(changed["days"], 30);
    assert_eq!(
        changed["snapshots"],
        Value::Null,
        "null keeps every snapshot"
    );
    assert_eq!(changed["can_change"], true);
    let read = expect_json(get_retention(&app, &app.bob, &team).await, StatusCode::OK).await;
    assert_eq!(
        (read["days"].clone(), read["snapshots"].clone()),
        (json!(30), Value::Null)
    );

    let audited: i64 = app
        .database()
        .await
        .query_one(
            "SELECT count(*) FROM audit_events
              WHERE action = 'team.retention_set' AND target = $1
                AND detail = '{\"days\": 30, \"snapshots\": null}'::jsonb",
            &[&team],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn only_owners_change_it_and_another_team_is_not_found() {
    let app = spawn_app().await;
    let team = shared_team(&app).await;
    let body = json!({"days": 7, "snapshots": 10});
    let message = expect_error(
        put_retention(&app, &app.bob, &team, &body).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert!(message.contains("owners"), "{message}");

    // Bob's personal team is not Alice's business, and she cannot tell it exists.
    let teams = expect_json(app.list_teams(&app.bob).await, StatusCode::OK).await;
    let bobs = teams["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|team| team["personal"] == true)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    expect_error(
        get_retention(&app, &app.alice, &bobs).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    expect_error(
        put_retention(&app, &app.alice, &bobs, &body).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let read = expect_json(get_retention(&app, &app.bob, &bobs).await, StatusCode::OK).await;
    assert_eq!(read["days"], 365, "nothing changed: {read}");
}

#[tokio::test]
async fn limits_out_of_range_are_refused_naming_each_field() {
    let app = spawn_app().await;
    let team = shared_team(&app).await;
    let refused = expect_json(
        put_retention(
            &app,
            &app.alice,
            &team,
            &json!({"days": 0, "snapshots": 2_000_000}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let fields: Vec<&str> = refused["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|field| field["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["days", "snapshots"], "{refused}");
    for body in [
        json!({"days": 36_501}),
        json!({"days": -1}),
        json!({"days": 10_000_000_000_i64}),
        json!({"snapshots": 0}),
    ] {
        let response = put_retention(&app, &app.alice, &team, &body).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}"
        );
    }
    let response = put_retention(&app, &app.alice, &team, &json!({"weeks": 3})).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let read = expect_json(get_retention(&app, &app.alice, &team).await, StatusCode::OK).await;
    assert_eq!(
        (read["days"].clone(), read["snapshots"].clone()),
        (json!(365), json!(1000))
    );
}
