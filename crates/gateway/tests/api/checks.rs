use reqwest::StatusCode;
use serde_json::Value;
use uuid::Uuid;

use crate::helpers::{expect_error, expect_json, spawn_app};

#[tokio::test]
async fn checks_are_listed_newest_first_in_pages() {
    let app = spawn_app().await;
    let monitor = app.new_monitor(&app.alice).await;
    let other = app.new_monitor(&app.alice).await;
    let database = app.database().await;
    let mut ids = Vec::new();
    for minutes_ago in (1..=5).rev() {
        let id = Uuid::new_v4();
        database
            .execute(
                "INSERT INTO checks (id, monitor_id, team_id, reason, status, http_status, changed,
                                     triggered, summary, started_at, finished_at)
                 SELECT $1, id, team_id, 'schedule', 'ok', 200, true, $3, 'Price is now 899 EUR',
                        now() - $2 * interval '1 minute', now() - $2 * interval '1 minute'
                   FROM monitors WHERE id = $4::text::uuid",
                &[&id, &f64::from(minutes_ago), &(minutes_ago == 1), &monitor],
            )
            .await
            .unwrap();
        ids.push(id.to_string());
    }
    database
        .execute(
            "INSERT INTO checks (id, monitor_id, team_id, reason, status, started_at, finished_at)
             SELECT $1, id, team_id, 'manual', 'timeout', now(), now() FROM monitors WHERE id = $2::text::uuid",
            &[&Uuid::new_v4(), &other],
        )
        .await
        .unwrap();
    ids.reverse();

    let ids_of = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let first = expect_json(
        app.list_checks(&app.alice, &monitor, "?limit=3").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        ids_of(&first),
        ids[..3],
        "newest first, only this monitor's"
    );
    assert_eq!(first["items"][0]["triggered"], true);
    assert_eq!(first["items"][0]["summary"], "Price is now 899 EUR");
    assert_eq!(first["items"][0]["http_status"], 200);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = expect_json(
        app.list_checks(&app.alice, &monitor, &format!("?limit=3&cursor={cursor}"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ids_of(&second), ids[3..]);
    assert_eq!(second["next_cursor"], Value::Null);

    let one = expect_json(
        app.get_check(&app.alice, &monitor, &ids[0]).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(one, first["items"][0]);
    // A check is reachable only through its own monitor.
    let response = app.get_check(&app.alice, &other, &ids[0]).await;
    expect_error(response, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn a_monitor_without_checks_has_an_empty_history_and_a_missing_one_404() {
    let app = spawn_app().await;
    let monitor = app.new_monitor(&app.alice).await;
    let page = expect_json(
        app.list_checks(&app.alice, &monitor, "").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(page["items"], serde_json::json!([]));
    let response = app
        .list_checks(&app.alice, &Uuid::new_v4().to_string(), "")
        .await;
    expect_error(response, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn a_check_shows_how_the_condition_was_read_its_evidence_and_what_it_cost() {
    let app = spawn_app().await;
    let monitor = app.new_monitor(&app.alice).await;
    let database = app.database().await;
    let id = Uuid::new_v4();
    database
        .execute(
            "INSERT INTO checks (id, monitor_id, team_id, reason, status, baseline, triggered,
                                 summary, condition_kind, condition_holds, first_alert,
                                 evidence_excerpt, verification, verification_problem,
                                 judge_cached, prompt_tokens, completion_tokens,
                                 started_at, finished_at)
             SELECT $1, id, team_id, 'schedule', 'ok', true, false, 'Price is 120 EUR', 'state',
                    false, false, 'Price: 50 EUR', 'unverified',
                    'the quoted evidence does not occur in the current page text', true, 812, 64,
                    now(), now()
               FROM monitors WHERE id = $2::text::uuid",
            &[&id, &monitor],
        )
        .await
        .unwrap();

    let check = expect_json(
        app.get_check(&app.alice, &monitor, &id.to_string()).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(check["condition_kind"], "state");
    assert_eq!(check["condition_holds"], false);
    assert_eq!(check["first_alert"], false);
    assert_eq!(check["evidence_excerpt"], "Price: 50 EUR");
    assert_eq!(check["verification"], "unverified");
    assert_eq!(
        check["verification_problem"],
        "the quoted evidence does not occur in the current page text"
    );
    assert_eq!(check["judge_cached"], true);
    assert_eq!(check["prompt_tokens"], 812);
    assert_eq!(check["completion_tokens"], 64);
    assert_eq!(check["unjudged_reason"], serde_json::Value::Null);
    assert_eq!(check["unjudged_notice"], false);
}
