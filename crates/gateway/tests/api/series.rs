//! A monitor at a glance: `GET /api/v1/monitors/{id}/series` (outcomes, extracted values and
//! the condition's threshold) and the `recent` checks of each row of `GET /api/v1/monitors`.

use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, expect_error, expect_json, monitor_body, spawn_app};

/// What a check recorded, for [`insert_check`]; unset fields are null or false.
#[derive(Default, Clone, Copy)]
struct Recorded<'a> {
    status: &'a str,
    changed: bool,
    triggered: bool,
    extracted_value: Option<&'a str>,
}

fn ok(value: &str) -> Recorded<'_> {
    Recorded {
        status: "ok",
        extracted_value: Some(value),
        ..Recorded::default()
    }
}

/// Inserts a check of `monitor` started `minute` minutes into 2026; returns its id.
async fn insert_check(
    database: &tokio_postgres::Client,
    monitor: &str,
    minute: i32,
    recorded: Recorded<'_>,
) -> String {
    let id = Uuid::new_v4();
    database
        .execute(
            "INSERT INTO checks (id, monitor_id, team_id, reason, status, changed, triggered,
                                 extracted_value, started_at, finished_at)
             SELECT $1, id, team_id, 'schedule', $2, $3, $4, $5,
                    timestamptz '2026-01-01 00:00:00+00' + $6 * interval '1 minute',
                    timestamptz '2026-01-01 00:00:02+00' + $6 * interval '1 minute'
               FROM monitors WHERE id = $7::text::uuid",
            &[
                &id,
                &recorded.status,
                &recorded.changed,
                &recorded.triggered,
                &recorded.extracted_value,
                &f64::from(minute),
                &monitor,
            ],
        )
        .await
        .unwrap();
    id.to_string()
}

async fn monitor_with_condition(app: &TestApp, name: &str, condition: &str) -> String {
    let mut body = monitor_body();
    body["name"] = json!(name);
    body["condition"] = json!(condition);
    let created = expect_json(
        app.create_monitor(&app.alice, &body).await,
        StatusCode::CREATED,
    )
    .await;
    created["id"].as_str().unwrap().to_owned()
}

async fn series(app: &TestApp, monitor: &str, query: &str) -> Value {
    expect_json(
        app.get(
            &app.alice,
            &format!("/api/v1/monitors/{monitor}/series{query}"),
        )
        .await,
        StatusCode::OK,
    )
    .await
}

#[tokio::test]
async fn a_series_reads_each_verdicts_value_and_draws_the_conditions_threshold() {
    let app = spawn_app().await;
    let monitor =
        monitor_with_condition(&app, "Laptop", "tell me when the price drops below 100 EUR").await;
    let database = app.database().await;
    // Inserted out of order: the series sorts by start.
    let alerted = insert_check(
        &database,
        &monitor,
        3,
        Recorded {
            changed: true,
            triggered: true,
            ..ok("89.90")
        },
    )
    .await;
    let first = insert_check(&database, &monitor, 1, ok("129,00 €")).await;
    insert_check(
        &database,
        &monitor,
        2,
        Recorded {
            changed: true,
            ..ok("119.00")
        },
    )
    .await;
    insert_check(
        &database,
        &monitor,
        4,
        Recorded {
            status: "timeout",
            ..Recorded::default()
        },
    )
    .await;
    insert_check(
        &database,
        &monitor,
        5,
        Recorded {
            status: "render_quota",
            ..Recorded::default()
        },
    )
    .await;
    insert_check(&database, &monitor, 6, ok("In stock")).await;

    let body = series(&app, &monitor, "").await;
    assert_eq!(body["monitor_id"], monitor);
    assert_eq!(
        body["threshold"],
        json!({"value": 100.0, "direction": "below", "inclusive": false, "unit": "EUR",
               "label": "below 100"})
    );
    // The latest value written with a unit gives the series its unit.
    assert_eq!(body["unit"], "€");
    let points = body["points"].as_array().unwrap();
    let summary: Vec<(&str, Value, Value)> = points
        .iter()
        .map(|point| {
            (
                point["outcome"].as_str().unwrap(),
                point["value"].clone(),
                point["value_kind"].clone(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("ok", json!(129.0), json!("number")),
            ("changed", json!(119.0), json!("number")),
            ("alerted", json!(89.9), json!("number")),
            ("failed", Value::Null, Value::Null),
            ("skipped", Value::Null, Value::Null),
            ("ok", Value::Null, json!("text")),
        ]
    );
    assert_eq!(points[0]["check_id"], first);
    assert_eq!(points[0]["unit"], "€");
    assert_eq!(points[0]["extracted_value"], "129,00 €");
    assert_eq!(points[0]["at"], "2026-01-01T00:01:00Z");
    assert_eq!(points[2]["check_id"], alerted);
    assert_eq!(points[5]["extracted_value"], "In stock");
}

#[tokio::test]
async fn a_series_answers_the_latest_checks_within_its_limit_and_only_to_the_team() {
    let app = spawn_app().await;
    let monitor = monitor_with_condition(&app, "Jobs", "any change").await;
    let empty = series(&app, &monitor, "").await;
    assert_eq!(empty["points"], json!([]));
    assert_eq!(empty["threshold"], Value::Null);
    assert_eq!(empty["unit"], Value::Null);

    let database = app.database().await;
    for minute in 1..=5 {
        insert_check(&database, &monitor, minute, ok(&minute.to_string())).await;
    }
    let latest = series(&app, &monitor, "?limit=2").await;
    let values: Vec<&Value> = latest["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|point| &point["value"])
        .collect();
    assert_eq!(
        values,
        [&json!(4.0), &json!(5.0)],
        "the latest two, oldest first"
    );

    for limit in ["0", "501", "-3"] {
        let message = expect_error(
            app.get(
                &app.alice,
                &format!("/api/v1/monitors/{monitor}/series?limit={limit}"),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert!(!message.is_empty());
    }
    expect_error(
        app.get(&app.bob, &format!("/api/v1/monitors/{monitor}/series"))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    expect_error(
        app.get(
            &app.alice,
            &format!("/api/v1/monitors/{}/series", Uuid::new_v4()),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn each_row_of_the_list_carries_its_last_twenty_outcomes_and_values() {
    let app = spawn_app().await;
    let priced = monitor_with_condition(&app, "Priced", "price at least 10 $").await;
    let quiet = monitor_with_condition(&app, "Quiet", "any change").await;
    let database = app.database().await;
    for minute in 1..=25 {
        let value = (minute * 2).to_string();
        let recorded = if minute % 5 == 0 {
            Recorded {
                status: "http_error",
                ..Recorded::default()
            }
        } else {
            ok(&value)
        };
        insert_check(&database, &priced, minute, recorded).await;
    }

    let list = expect_json(app.list_monitors(&app.alice, "").await, StatusCode::OK).await;
    let items = list["items"].as_array().unwrap();
    let row = |id: &str| {
        items
            .iter()
            .find(|item| item["id"] == id)
            .unwrap_or_else(|| panic!("{id} is listed"))
    };
    let recent = &row(&priced)["recent"];
    assert_eq!(
        recent["unit"], "$",
        "the threshold's unit when values have none"
    );
    assert_eq!(recent["threshold"]["value"], 10.0);
    assert_eq!(recent["threshold"]["direction"], "above");
    assert_eq!(recent["threshold"]["inclusive"], true);
    let points = recent["points"].as_array().unwrap();
    assert_eq!(points.len(), 20, "the last twenty of 25 checks");
    assert_eq!(points[0]["at"], "2026-01-01T00:06:00Z");
    assert_eq!(points[0]["value"], 12.0);
    assert_eq!(points[0]["outcome"], "ok");
    assert_eq!(points[4]["outcome"], "failed");
    assert_eq!(points[4]["value"], Value::Null);
    assert_eq!(points[19]["at"], "2026-01-01T00:25:00Z");
    // The list row is still the monitor itself.
    assert_eq!(row(&priced)["name"], "Priced");

    let quiet = &row(&quiet)["recent"];
    assert_eq!(quiet["points"], json!([]));
    assert_eq!(quiet["threshold"], Value::Null);

    // Another team's list holds none of it.
    let bobs = expect_json(app.list_monitors(&app.bob, "").await, StatusCode::OK).await;
    assert_eq!(bobs["items"], json!([]));
}
