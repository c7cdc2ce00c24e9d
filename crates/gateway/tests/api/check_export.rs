//! `GET /api/v1/monitors/{id}/checks/export`: a monitor's history as a CSV
//! or JSON file.

use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, expect_error, expect_json, monitor_body, spawn_app};

const CSV_HEADER: &str = "id,started_at,finished_at,reason,status,http_status,baseline,changed,\
                          triggered,summary,extracted_value,judge_reason,error,content_sha256,\
                          repeats,last_finished_at";

/// What a check recorded, for [`insert_check`]; unset fields are null or false.
#[derive(Default)]
struct Recorded<'a> {
    status: &'a str,
    http_status: Option<i32>,
    baseline: bool,
    changed: bool,
    triggered: bool,
    summary: Option<&'a str>,
    extracted_value: Option<&'a str>,
    judge_reason: Option<&'a str>,
    error: Option<&'a str>,
    diff: Option<&'a str>,
    content_sha256: Option<&'a str>,
}

/// Inserts a check of `monitor` started `second` seconds into 2026 and
/// finished two seconds later; returns its id.
async fn insert_check(
    database: &tokio_postgres::Client,
    monitor: &str,
    second: f64,
    recorded: Recorded<'_>,
) -> String {
    let id = Uuid::new_v4();
    database
        .execute(
            "INSERT INTO checks (id, monitor_id, team_id, reason, status, http_status, baseline,
                                 changed, triggered, summary, extracted_value, reason_text, error,
                                 diff, content_sha256, started_at, finished_at)
             SELECT $1, id, team_id, 'schedule', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,
                    decode($12, 'hex'),
                    timestamptz '2026-01-01 00:00:00+00' + $13 * interval '1 second',
                    timestamptz '2026-01-01 00:00:02+00' + $13 * interval '1 second'
               FROM monitors WHERE id = $14::text::uuid",
            &[
                &id,
                &recorded.status,
                &recorded.http_status,
                &recorded.baseline,
                &recorded.changed,
                &recorded.triggered,
                &recorded.summary,
                &recorded.extracted_value,
                &recorded.judge_reason,
                &recorded.error,
                &recorded.diff,
                &recorded.content_sha256,
                &second,
                &monitor,
            ],
        )
        .await
        .unwrap();
    id.to_string()
}

async fn named_monitor(app: &TestApp, name: &str) -> String {
    let mut body = monitor_body();
    body["name"] = json!(name);
    let created = expect_json(
        app.create_monitor(&app.alice, &body).await,
        StatusCode::CREATED,
    )
    .await;
    created["id"].as_str().unwrap().to_owned()
}

fn header(response: &Response, name: &str) -> String {
    response.headers()[name].to_str().unwrap().to_owned()
}

/// The body of a 200 CSV export: its text and its records after the header.
async fn csv_export(app: &TestApp, monitor: &str) -> (String, Vec<csv::StringRecord>) {
    let response = app.export_checks(&app.alice, monitor, "?format=csv").await;
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(
        reader
            .headers()
            .unwrap()
            .iter()
            .collect::<Vec<_>>()
            .join(","),
        CSV_HEADER
    );
    let records = reader.records().map(Result::unwrap).collect();
    (text, records)
}

#[tokio::test]
async fn a_csv_export_has_a_header_row_and_every_check_oldest_first() {
    let app = spawn_app().await;
    let monitor = named_monitor(&app, "Widget price (EUR) / shop #2").await;
    let database = app.database().await;
    // Inserted out of order: the export sorts by start.
    let failed = insert_check(
        &database,
        &monitor,
        120.0,
        Recorded {
            status: "timeout",
            error: Some("the page did not answer in 30 s"),
            ..Recorded::default()
        },
    )
    .await;
    let first = insert_check(
        &database,
        &monitor,
        0.0,
        Recorded {
            status: "ok",
            http_status: Some(200),
            baseline: true,
            summary: Some("Recorded the page as it is"),
            content_sha256: Some(
                "ab12cdab12cdab12cdab12cdab12cdab12cdab12cdab12cdab12cdab12cdab12",
            ),
            ..Recorded::default()
        },
    )
    .await;
    let alert = insert_check(
        &database,
        &monitor,
        60.0,
        Recorded {
            status: "ok",
            http_status: Some(200),
            changed: true,
            triggered: true,
            summary: Some("Price is now 899 EUR, was 999 EUR"),
            extracted_value: Some("899 EUR"),
            judge_reason: Some("The price \"dropped\"\nbelow 1000"),
            diff: Some("-999 EUR\n+899 EUR"),
            ..Recorded::default()
        },
    )
    .await;

    let response = app.export_checks(&app.alice, &monitor, "?format=csv").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, "content-type"), "text/csv; charset=utf-8");
    assert_eq!(
        header(&response, "content-disposition"),
        "attachment; filename=\"widget-price-eur-shop-2-checks.csv\""
    );
    assert_eq!(header(&response, "cache-control"), "no-store");
    let (text, records) = csv_export(&app, &monitor).await;
    assert!(
        text.starts_with(&format!("{CSV_HEADER}\r\n")),
        "RFC 4180 ends records with CRLF: {text:?}"
    );
    assert!(
        text.contains("\"Price is now 899 EUR, was 999 EUR\""),
        "a comma is quoted"
    );
    assert!(
        text.contains("\"The price \"\"dropped\"\"\nbelow 1000\""),
        "quotes are doubled and a line break stays inside its quoted cell"
    );
    let ids: Vec<&str> = records.iter().map(|record| &record[0]).collect();
    assert_eq!(ids, [&first, &alert, &failed]);
    assert_eq!(
        records[0].iter().collect::<Vec<_>>(),
        [
            first.as_str(),
            "2026-01-01T00:00:00Z",
            "2026-01-01T00:00:02Z",
            "schedule",
            "ok",
            "200",
            "true",
            "false",
            "false",
            "Recorded the page as it is",
            "",
            "",
            "",
            "ab12cdab12cdab12cdab12cdab12cdab12cdab12cdab12cdab12cdab12cdab12",
            "1",
            "2026-01-01T00:00:02Z",
        ]
    );
    assert_eq!(
        records[1].iter().collect::<Vec<_>>(),
        [
            alert.as_str(),
            "2026-01-01T00:01:00Z",
            "2026-01-01T00:01:02Z",
            "schedule",
            "ok",
            "200",
            "false",
            "true",
            "true",
            "Price is now 899 EUR, was 999 EUR",
            "899 EUR",
            "The price \"dropped\"\nbelow 1000",
            "",
            "",
            "1",
            "2026-01-01T00:01:02Z",
        ]
    );
    assert_eq!(&records[2][4], "timeout");
    assert_eq!(&records[2][5], "", "a null is an empty cell");
    assert_eq!(&records[2][12], "the page did not answer in 30 s");
    assert!(!text.contains("-999 EUR"), "the CSV leaves the diff out");
}

#[tokio::test]
async fn csv_cells_a_spreadsheet_would_run_as_formulas_start_with_a_quote() {
    let app = spawn_app().await;
    let monitor = app.new_monitor(&app.alice).await;
    let database = app.database().await;
    let formula = "=HYPERLINK(\"https://evil.example\",\"click\")";
    insert_check(
        &database,
        &monitor,
        0.0,
        Recorded {
            status: "ok",
            summary: Some(formula),
            extracted_value: Some("-5"),
            judge_reason: Some("+1 more"),
            error: Some("@SUM(1+1)*cmd|' /C calc'!A0"),
            ..Recorded::default()
        },
    )
    .await;
    insert_check(
        &database,
        &monitor,
        1.0,
        Recorded {
            status: "ok",
            summary: Some("\tindented"),
            extracted_value: Some("\rcarriage return"),
            judge_reason: Some("5 - 3 = 2, only a leading sign counts"),
            ..Recorded::default()
        },
    )
    .await;

    let (_, records) = csv_export(&app, &monitor).await;
    assert_eq!(&records[0][9], format!("'{formula}"));
    assert_eq!(&records[0][10], "'-5");
    assert_eq!(&records[0][11], "'+1 more");
    assert_eq!(&records[0][12], "'@SUM(1+1)*cmd|' /C calc'!A0");
    assert_eq!(&records[1][9], "'\tindented");
    assert_eq!(&records[1][10], "'\rcarriage return");
    assert_eq!(&records[1][11], "5 - 3 = 2, only a leading sign counts");

    // JSON is data, not a spreadsheet: the text is exported as it is.
    let checks = expect_json(
        app.export_checks(&app.alice, &monitor, "?format=json")
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(checks[0]["summary"], formula);
    assert_eq!(checks[0]["extracted_value"], "-5");
}

#[tokio::test]
async fn a_json_export_is_the_default_an_array_of_checks_with_their_diffs() {
    let app = spawn_app().await;
    let monitor = app.new_monitor(&app.alice).await;
    let database = app.database().await;
    let later = insert_check(
        &database,
        &monitor,
        60.0,
        Recorded {
            status: "ok",
            http_status: Some(200),
            changed: true,
            triggered: true,
            summary: Some("Price is now 899 EUR"),
            extracted_value: Some("899 EUR"),
            judge_reason: Some("It dropped below 1000"),
            diff: Some("-999 EUR\n+899 EUR"),
            content_sha256: Some(
                "ef34ef34ef34ef34ef34ef34ef34ef34ef34ef34ef34ef34ef34ef34ef34ef34",
            ),
            ..Recorded::default()
        },
    )
    .await;
    let earlier = insert_check(
        &database,
        &monitor,
        0.0,
        Recorded {
            status: "http_error",
            http_status: Some(503),
            error: Some("the server answered 503"),
            ..Recorded::default()
        },
    )
    .await;

    // The failure repeated twice more (the scheduler folds such checks into the entry).
    database
        .execute(
            "UPDATE checks SET repeats = 3,
                 repeated_until = timestamptz '2026-01-01 00:00:50+00'
              WHERE id = $1::text::uuid",
            &[&earlier],
        )
        .await
        .unwrap();

    let response = app.export_checks(&app.alice, &monitor, "").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, "content-type"), "application/json");
    assert_eq!(
        header(&response, "content-disposition"),
        "attachment; filename=\"laptop-price-checks.json\""
    );
    let checks: Value = response.json().await.unwrap();
    assert_eq!(
        checks,
        json!([
            {
                "id": earlier,
                "started_at": "2026-01-01T00:00:00Z",
                "finished_at": "2026-01-01T00:00:02Z",
                "reason": "schedule",
                "status": "http_error",
                "http_status": 503,
                "baseline": false,
                "changed": false,
                "triggered": false,
                "summary": null,
                "extracted_value": null,
                "judge_reason": null,
                "error": "the server answered 503",
                "content_sha256": null,
                "repeats": 3,
                "last_finished_at": "2026-01-01T00:00:50Z",
                "diff": null,
            },
            {
                "id": later,
                "started_at": "2026-01-01T00:01:00Z",
                "finished_at": "2026-01-01T00:01:02Z",
                "reason": "schedule",
                "status": "ok",
                "http_status": 200,
                "baseline": false,
                "changed": true,
                "triggered": true,
                "summary": "Price is now 899 EUR",
                "extracted_value": "899 EUR",
                "judge_reason": "It dropped below 1000",
                "error": null,
                "content_sha256": "ef34ef34ef34ef34ef34ef34ef34ef34ef34ef34ef34ef34ef34ef34ef34ef34",
                "repeats": 1,
                "last_finished_at": "2026-01-01T00:01:02Z",
                "diff": "-999 EUR\n+899 EUR",
            },
        ])
    );
    // The same fields read the same as in the check list.
    let listed = expect_json(
        app.list_checks(&app.alice, &monitor, "").await,
        StatusCode::OK,
    )
    .await;
    for field in [
        "started_at",
        "finished_at",
        "judge_reason",
        "diff",
        "repeats",
        "last_finished_at",
    ] {
        assert_eq!(listed["items"][0][field], checks[1][field], "{field}");
        assert_eq!(listed["items"][1][field], checks[0][field], "{field}");
    }
}

#[tokio::test]
async fn an_empty_history_exports_a_header_row_or_an_empty_array() {
    let app = spawn_app().await;
    let monitor = app.new_monitor(&app.alice).await;
    let (text, records) = csv_export(&app, &monitor).await;
    assert_eq!(text, format!("{CSV_HEADER}\r\n"));
    assert!(records.is_empty());
    let checks = expect_json(
        app.export_checks(&app.alice, &monitor, "?format=json")
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(checks, json!([]));
}

#[tokio::test]
async fn another_teams_monitor_or_a_missing_one_is_not_found() {
    let app = spawn_app().await;
    let monitor = app.new_monitor(&app.alice).await;
    let database = app.database().await;
    insert_check(
        &database,
        &monitor,
        0.0,
        Recorded {
            status: "ok",
            summary: Some("Alice's page"),
            ..Recorded::default()
        },
    )
    .await;
    for query in ["?format=csv", "?format=json", ""] {
        let response = app.export_checks(&app.bob, &monitor, query).await;
        expect_error(response, StatusCode::NOT_FOUND, "not_found").await;
    }
    let missing = Uuid::new_v4().to_string();
    let response = app.export_checks(&app.alice, &missing, "?format=csv").await;
    expect_error(response, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn a_format_other_than_csv_or_json_is_refused() {
    let app = spawn_app().await;
    let monitor = app.new_monitor(&app.alice).await;
    for format in ["xml", "CSV", ""] {
        let response = app
            .export_checks(&app.alice, &monitor, &format!("?format={format}"))
            .await;
        let message = expect_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(message, "format: must be csv or json", "{format:?}");
    }
}

#[tokio::test]
async fn a_history_longer_than_one_batch_arrives_whole_and_in_order() {
    let app = spawn_app().await;
    let monitor = app.new_monitor(&app.alice).await;
    let database = app.database().await;
    // 1,200 checks, three to a second: more than two batches of 500, and the
    // checks 498 to 500 share a start across the first batch's end, so the
    // order (and the cursor) falls back on the id there.
    database
        .execute(
            "INSERT INTO checks (id, monitor_id, team_id, reason, status, summary, started_at,
                                 finished_at)
             SELECT gen_random_uuid(), m.id, m.team_id, 'schedule', 'ok', 'check ' || n,
                    timestamptz '2026-01-01 00:00:00+00' + (n / 3) * interval '1 second',
                    timestamptz '2026-01-01 00:00:00+00' + (n / 3) * interval '1 second'
               FROM monitors m, generate_series(0, 1199) AS n
              WHERE m.id = $1::text::uuid",
            &[&monitor],
        )
        .await
        .unwrap();
    let expected: Vec<String> = database
        .query(
            "SELECT id FROM checks WHERE monitor_id = $1::text::uuid ORDER BY started_at, id",
            &[&monitor],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| row.get::<_, Uuid>(0).to_string())
        .collect();
    assert_eq!(expected.len(), 1200);

    let (_, records) = csv_export(&app, &monitor).await;
    let exported: Vec<String> = records.iter().map(|record| record[0].to_owned()).collect();
    assert_same_order(&exported, &expected, "CSV");

    let checks = expect_json(
        app.export_checks(&app.alice, &monitor, "?format=json")
            .await,
        StatusCode::OK,
    )
    .await;
    let exported: Vec<String> = checks
        .as_array()
        .unwrap()
        .iter()
        .map(|check| check["id"].as_str().unwrap().to_owned())
        .collect();
    assert_same_order(&exported, &expected, "JSON");
}

/// Compares two long id lists without printing 1,200 ids on a failure.
fn assert_same_order(exported: &[String], expected: &[String], format: &str) {
    assert_eq!(exported.len(), expected.len(), "{format}: number of checks");
    let first_difference = exported.iter().zip(expected).position(|(a, b)| a != b);
    assert_eq!(first_difference, None, "{format}: first check out of order");
}
