use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{expect_error, expect_json, spawn_app};

#[tokio::test]
async fn another_users_resources_answer_404_and_stay_unchanged() {
    let app = spawn_app().await;
    let monitor = app.new_monitor(&app.alice).await;
    let channel = app.new_email_channel(&app.alice).await;
    let database = app.database().await;
    let check = uuid::Uuid::new_v4();
    database
        .execute(
            "INSERT INTO checks (id, monitor_id, team_id, reason, status, started_at, finished_at)
             SELECT $1, id, team_id, 'schedule', 'ok', now(), now() FROM monitors WHERE id = $2::text::uuid",
            &[&check, &monitor],
        )
        .await
        .unwrap();
    let before = snapshot(&database).await;

    let bob = &app.bob;
    let responses = [
        ("get monitor", app.get_monitor(bob, &monitor).await),
        (
            "patch monitor",
            app.update_monitor(bob, &monitor, &json!({"name": "mine now", "paused": true}))
                .await,
        ),
        ("delete monitor", app.delete_monitor(bob, &monitor).await),
        ("run monitor", app.run_monitor_now(bob, &monitor).await),
        ("list checks", app.list_checks(bob, &monitor, "").await),
        (
            "export checks",
            app.export_checks(bob, &monitor, "?format=csv").await,
        ),
        (
            "get check",
            app.get_check(bob, &monitor, &check.to_string()).await,
        ),
        ("delete channel", app.delete_channel(bob, &channel).await),
        ("test channel", app.test_channel(bob, &channel).await),
    ];
    for (case, response) in responses {
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{case}");
        expect_error(response, StatusCode::NOT_FOUND, "not_found").await;
    }
    // Bob cannot attach Alice's channel to his own monitor either.
    let bobs_monitor = app.new_monitor(bob).await;
    let response = app
        .update_monitor(bob, &bobs_monitor, &json!({"channel_ids": [channel]}))
        .await;
    expect_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    app.delete_monitor(bob, &bobs_monitor).await;

    let listed = expect_json(app.list_monitors(bob, "").await, StatusCode::OK).await;
    assert_eq!(listed["items"], json!([]));
    let channels = expect_json(app.list_channels(bob).await, StatusCode::OK).await;
    assert_eq!(channels["items"], json!([]));
    let alices_team = app.store.list_teams_for_user(app.alice.id).await.unwrap()[0].id;
    let filtered = expect_json(
        app.list_monitors(bob, &format!("?team_id={alices_team}"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        filtered["items"],
        json!([]),
        "a team filter does not widen the scope"
    );
    let mut body = crate::helpers::monitor_body();
    body["team_id"] = json!(alices_team);
    let response = app.create_monitor(bob, &body).await;
    expect_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let response = app
        .create_channel(
            bob,
            &json!({"team_id": alices_team, "kind": "email", "name": "x", "address": "bob@example.com"}),
        )
        .await;
    expect_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;

    assert_eq!(
        snapshot(&database).await,
        before,
        "nothing of Alice's changed"
    );
    assert!(
        app.notify.received.lock().unwrap().is_empty(),
        "no message was sent"
    );
}

/// Everything a request of Bob's could have changed.
async fn snapshot(database: &tokio_postgres::Client) -> (String, String, i64, i64) {
    let row = database
        .query_one(
            "SELECT (SELECT row_to_json(m)::text FROM monitors m),
                    (SELECT row_to_json(c)::text FROM channels c),
                    (SELECT count(*) FROM checks),
                    (SELECT count(*) FROM monitor_channels)",
            &[],
        )
        .await
        .unwrap();
    (row.get(0), row.get(1), row.get(2), row.get(3))
}
