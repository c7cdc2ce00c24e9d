//! `GET /api/v1/teams/{id}/export` and `POST /api/v1/teams/{id}/import`:
//! a team's monitors out as versioned JSON without secrets, and in from a
//! list of URLs, changedetection.io, urlwatch or a Lookout export, with a
//! dry run, duplicates skipped, refusals explained and one transaction.
//! The peer fixtures under `tests/fixtures/` are written from the peers'
//! documented formats.

use std::time::{Duration, Instant};

use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, expect_error, expect_json, monitor_body, spawn_app};

const URLS: &str = include_str!("../fixtures/urls.txt");
const CHANGEDETECTION: &str = include_str!("../fixtures/changedetection-url-watches.json");
const URLWATCH: &str = include_str!("../fixtures/urlwatch-urls.yaml");

async fn personal_team(app: &TestApp, user: &TestUser) -> String {
    let teams = expect_json(app.list_teams(user).await, StatusCode::OK).await;
    teams["items"][0]["id"].as_str().unwrap().to_owned()
}

async fn import(
    app: &TestApp,
    user: &TestUser,
    team: &str,
    query: &str,
    content_type: &str,
    body: impl Into<reqwest::Body>,
) -> Response {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(300))
        .build()
        .unwrap()
        .post(app.url(&format!("/api/v1/teams/{team}/import{query}")))
        .bearer_auth(&user.token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn import_ok(app: &TestApp, team: &str, query: &str, body: &str) -> Value {
    expect_json(
        import(app, &app.alice, team, query, "text/plain", body.to_owned()).await,
        StatusCode::OK,
    )
    .await
}

async fn monitor_count(app: &TestApp) -> i64 {
    app.database()
        .await
        .query_one("SELECT count(*) FROM monitors", &[])
        .await
        .unwrap()
        .get(0)
}

fn outcomes(report: &Value) -> Vec<(String, String)> {
    report["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            (
                entry["outcome"].as_str().unwrap().to_owned(),
                entry["url"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn reason(report: &Value, index: usize) -> String {
    report["entries"][index]["reason"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn a_url_list_dry_run_creates_nothing_and_the_confirmed_run_creates_what_it_showed() {
    let app = spawn_app().await;
    let team = personal_team(&app, &app.alice).await;

    let preview = import_ok(&app, &team, "?format=urls", URLS).await;
    assert_eq!(preview["format"], "urls");
    assert_eq!(preview["dry_run"], true);
    assert_eq!(
        outcomes(&preview),
        [
            ("created", "https://93.184.215.14/laptop"),
            ("created", "https://93.184.215.15/news"),
            ("created", "https://93.184.215.16/changelog"),
            ("refused", "http://127.0.0.1:8080/admin"),
            ("refused", "not a url"),
            ("skipped", "https://93.184.215.15/news"),
        ]
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
    );
    // Lines are the file's, comments and blank lines counted.
    assert_eq!(preview["entries"][0]["line"], 3);
    assert_eq!(preview["entries"][2]["line"], 5);
    assert_eq!(preview["entries"][0]["name"], "93.184.215.14/laptop");
    assert_eq!(preview["entries"][0]["interval_seconds"], 3600);
    assert!(
        reason(&preview, 3).starts_with("blocked destination"),
        "{preview}"
    );
    assert!(reason(&preview, 4).starts_with("invalid URL"), "{preview}");
    assert!(
        reason(&preview, 5).contains("of line 4 of this file"),
        "{preview}"
    );
    assert_eq!(
        (
            &preview["created"],
            &preview["skipped"],
            &preview["refused"]
        ),
        (&json!(3), &json!(1), &json!(2))
    );
    assert!(preview["entries"][0]["monitor_id"].is_null());
    assert_eq!(monitor_count(&app).await, 0, "a dry run writes nothing");

    // The default is a dry run too.
    let default = import_ok(&app, &team, "", URLS).await;
    assert_eq!(default["dry_run"], true);
    assert_eq!(default["format"], "urls", "detected by content");
    assert_eq!(monitor_count(&app).await, 0);

    let confirmed = import_ok(&app, &team, "?format=urls&dry_run=false", URLS).await;
    assert_eq!(confirmed["dry_run"], false);
    assert_eq!(outcomes(&confirmed), outcomes(&preview));
    assert_eq!(monitor_count(&app).await, 3);
    let id = confirmed["entries"][0]["monitor_id"].as_str().unwrap();
    let monitor = expect_json(app.get_monitor(&app.alice, id).await, StatusCode::OK).await;
    assert_eq!(monitor["url"], "https://93.184.215.14/laptop");
    assert_eq!(monitor["team_id"], team.as_str());

    // An audit event names the import.
    let audit = app
        .database()
        .await
        .query_one(
            "SELECT target, detail FROM audit_events WHERE action = 'monitors.imported'",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(audit.get::<_, Option<String>>("target").unwrap(), team);
    assert_eq!(audit.get::<_, Value>("detail")["created"], 3);

    // Again: everything is a duplicate of the team's monitors now.
    let again = import_ok(&app, &team, "?format=urls&dry_run=false", URLS).await;
    assert_eq!(again["created"], 0);
    assert_eq!(again["skipped"], 4);
    assert_eq!(again["entries"][0]["monitor_id"], id);
    assert!(reason(&again, 0).contains("monitor of this team"));
    assert_eq!(monitor_count(&app).await, 3);
}

#[tokio::test]
async fn a_changedetection_file_maps_every_field_lookout_understands_and_names_the_rest() {
    let app = spawn_app().await;
    let team = personal_team(&app, &app.alice).await;
    let response = import(
        &app,
        &app.alice,
        &team,
        "?dry_run=false",
        "application/json",
        CHANGEDETECTION,
    )
    .await;
    let report = expect_json(response, StatusCode::OK).await;
    assert_eq!(report["format"], "changedetection", "detected by content");
    let entries = report["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 6);
    let by_source = |uuid: &str| {
        entries
            .iter()
            .find(|entry| entry["source_id"].as_str().unwrap().ends_with(uuid))
            .unwrap()
            .clone()
    };

    let laptop = by_source("0001");
    assert_eq!(laptop["outcome"], "created");
    assert_eq!(laptop["name"], "Laptop price");
    assert_eq!(
        laptop["selectors"],
        json!([{"kind": "css", "expression": ".price"}])
    );
    assert_eq!(laptop["interval_seconds"], 1800);
    let ignored = laptop["ignored_fields"].as_array().unwrap();
    for field in ["tags", "ignore_text", "notification_urls"] {
        assert!(ignored.contains(&json!(field)), "{field}: {laptop}");
    }
    for bookkeeping in ["last_checked", "previous_md5", "method", "check_count"] {
        assert!(!ignored.contains(&json!(bookkeeping)), "{bookkeeping}");
    }

    let releases = by_source("0002");
    assert_eq!(
        releases["selectors"],
        json!([{"kind": "xpath", "expression": "//ul[@id='releases']/li[1]"}])
    );
    assert_eq!(
        releases["interval_seconds"],
        3 * 3600,
        "the application's default"
    );

    let stock = by_source("0003");
    assert_eq!(
        stock["selectors"],
        json!([{"kind": "json_path", "expression": "$.items[0].stock"}])
    );
    assert_eq!(stock["interval_seconds"], 86_400);
    assert_eq!(stock["name"], "93.184.215.17/api/stock.json");

    let intranet = by_source("0004");
    assert_eq!(intranet["outcome"], "refused");
    assert!(
        intranet["reason"]
            .as_str()
            .unwrap()
            .starts_with("blocked destination")
    );

    let again = by_source("0005");
    assert_eq!(again["outcome"], "skipped");

    let tickets = by_source("0006");
    assert_eq!(tickets["outcome"], "created");
    assert_eq!(
        tickets["selectors"],
        json!([{"kind": "css", "expression": "#availability"}])
    );
    // 5 s is below the test deployment's minimum of 10 s: clamped, and said.
    assert_eq!(tickets["interval_seconds"], 10);
    assert!(tickets["notes"][0].as_str().unwrap().contains("5 s"));
    let ignored = tickets["ignored_fields"].as_array().unwrap();
    assert!(ignored.contains(&json!("tags")), "the older `tag` string");
    assert!(ignored.contains(&json!("include_filters (only the first is used)")));
    assert!(
        report["ignored_fields"]
            .as_array()
            .unwrap()
            .contains(&json!("tags"))
    );

    // What was created: paused and rendered watches, headers sealed.
    let database = app.database().await;
    let rows = database
        .query(
            "SELECT name, paused, render, headers::text AS headers FROM monitors ORDER BY name",
            &[],
        )
        .await
        .unwrap();
    let names: Vec<String> = rows.iter().map(|row| row.get("name")).collect();
    assert_eq!(
        names,
        [
            "93.184.215.17/api/stock.json",
            "Concert tickets",
            "Laptop price",
            "Release notes"
        ]
    );
    let release = &rows[3];
    assert!(release.get::<_, bool>("paused"));
    assert!(
        release.get::<_, bool>("render"),
        "fetch_backend html_webdriver"
    );
    let laptop_headers: String = rows[2].get("headers");
    assert!(laptop_headers.contains("authorization") && laptop_headers.contains("sealed"));
    assert!(!laptop_headers.contains("cd-import-secret-token"));
}

#[tokio::test]
async fn a_urlwatch_file_maps_its_selecting_filters_and_refuses_commands() {
    let app = spawn_app().await;
    let team = personal_team(&app, &app.alice).await;
    let response = import(&app, &app.alice, &team, "", "application/yaml", URLWATCH).await;
    let report = expect_json(response, StatusCode::OK).await;
    assert_eq!(report["format"], "urlwatch");
    let entries = report["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 7);
    assert_eq!(entries[0]["name"], "Laptop price");
    assert_eq!(
        entries[0]["selectors"],
        json!([{"kind": "css", "expression": ".price"}])
    );
    assert_eq!(entries[0]["ignored_fields"], json!(["filter html2text"]));
    assert_eq!(
        entries[1]["selectors"],
        json!([{"kind": "xpath", "expression": "//ul[@id=\"releases\"]/li[1]"}])
    );
    assert_eq!(
        entries[1]["ignored_fields"],
        json!(["filter strip", "max_tries"])
    );
    assert_eq!(
        entries[2]["selectors"],
        json!([{"kind": "jq", "expression": ".items[0].stock"}])
    );
    assert_eq!(entries[3]["outcome"], "refused");
    assert!(reason(&report, 3).contains("command"));
    assert_eq!(entries[4]["outcome"], "created");
    assert_eq!(entries[4]["url"], "https://93.184.215.18/app");
    assert_eq!(
        entries[5]["selectors"],
        json!([{"kind": "css", "expression": "#main"}])
    );
    assert_eq!(entries[6]["outcome"], "refused");
    assert!(reason(&report, 6).starts_with("blocked destination"));
    assert_eq!(monitor_count(&app).await, 0);

    let confirmed = import_ok(&app, &team, "?format=urlwatch&dry_run=false", URLWATCH).await;
    assert_eq!(confirmed["created"], 5);
    let rendered: Vec<String> = app
        .database()
        .await
        .query("SELECT name FROM monitors WHERE render ORDER BY name", &[])
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(rendered, ["Dashboard", "Single-page app"]);
}

#[tokio::test]
async fn an_import_stops_at_the_team_quota_and_says_so_per_entry() {
    let app = spawn_app().await;
    let team = personal_team(&app, &app.alice).await;
    app.database()
        .await
        .execute(
            "INSERT INTO team_quotas (team_id, monitors) VALUES ($1::text::uuid, 3)",
            &[&team],
        )
        .await
        .unwrap();
    app.new_monitor(&app.alice).await;
    let list = (20..25)
        .map(|n| format!("https://93.184.215.{n}/page"))
        .collect::<Vec<_>>()
        .join("\n");
    let report = import_ok(&app, &team, "?dry_run=false", &list).await;
    assert_eq!(report["created"], 2);
    assert_eq!(report["refused"], 3);
    assert!(reason(&report, 2).contains("quota (3)"), "{report}");
    assert_eq!(monitor_count(&app).await, 3);
}

#[tokio::test]
async fn a_failure_part_way_leaves_nothing_imported() {
    let app = spawn_app().await;
    let team = personal_team(&app, &app.alice).await;
    app.database()
        .await
        .execute(
            "INSERT INTO team_quotas (team_id, monitors) VALUES ($1::text::uuid, 5000)",
            &[&team],
        )
        .await
        .unwrap();
    // The database refuses one row of the second batch of inserts.
    app.database()
        .await
        .batch_execute(
            "CREATE FUNCTION refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN
               IF NEW.url LIKE '%/boom' THEN RAISE EXCEPTION 'boom'; END IF;
               RETURN NEW;
             END $$;
             CREATE TRIGGER refuse_boom BEFORE INSERT ON monitors
               FOR EACH ROW EXECUTE FUNCTION refuse_boom();",
        )
        .await
        .unwrap();
    let mut lines: Vec<String> = (0..1500)
        .map(|n| format!("https://93.184.215.14/page/{n}"))
        .collect();
    lines[1200] = "https://93.184.215.14/boom".to_owned();
    let response = import(
        &app,
        &app.alice,
        &team,
        "?dry_run=false",
        "text/plain",
        lines.join("\n"),
    )
    .await;
    expect_error(
        response,
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal_error",
    )
    .await;
    assert_eq!(monitor_count(&app).await, 0, "nothing half-imported");
}

#[tokio::test]
async fn strangers_cannot_import_into_or_export_a_team() {
    let app = spawn_app().await;
    let team = personal_team(&app, &app.alice).await;
    let response = import(&app, &app.bob, &team, "", "text/plain", URLS).await;
    expect_error(response, StatusCode::NOT_FOUND, "not_found").await;
    let response = app
        .get(&app.bob, &format!("/api/v1/teams/{team}/export"))
        .await;
    expect_error(response, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn files_that_are_not_of_their_format_are_refused_whole() {
    let app = spawn_app().await;
    let team = personal_team(&app, &app.alice).await;
    for (query, body) in [
        ("?format=changedetection", "{\"note\": \"no watches\"}"),
        (
            "?format=lookout",
            "{\"format\": \"lookout-export\", \"version\": 9, \"monitors\": []}",
        ),
        ("?format=urlwatch", "url: [unclosed"),
        ("?format=csv", "https://93.184.215.14/"),
    ] {
        let response = import(&app, &app.alice, &team, query, "text/plain", body).await;
        expect_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }
    let response = import(
        &app,
        &app.alice,
        &team,
        "",
        "application/zip",
        b"PK\x03\x04rest".to_vec(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

/// A monitor with every kind of secret: a header value, a cookie, a fill
/// value; and a webhook channel (whose signing secret is a credential).
async fn monitor_with_secrets(app: &TestApp) -> (Value, Value) {
    let channel = app
        .new_channel(
            &app.alice,
            &json!({"kind": "webhook", "name": "Deploys", "url": "https://93.184.215.14/hooks/lookout"}),
        )
        .await;
    let mut body = monitor_body();
    body["render"] = json!(true);
    body["headers"] = json!([{"name": "Authorization", "value": "Bearer header-secret-value"}]);
    body["cookies"] = json!([{"name": "session", "value": "cookie-secret-value"}]);
    body["steps"] = json!([
        {"action": "fill", "selector": "#password", "value": "fill-secret-value"},
        {"action": "click", "selector": "#go"},
    ]);
    body["channel_ids"] = json!([channel["id"]]);
    let monitor = expect_json(
        app.create_monitor(&app.alice, &body).await,
        StatusCode::CREATED,
    )
    .await;
    (monitor, channel)
}

#[tokio::test]
async fn the_export_has_every_setting_and_no_secret() {
    let app = spawn_app().await;
    let team = personal_team(&app, &app.alice).await;
    let (monitor, channel) = monitor_with_secrets(&app).await;
    let mut json_monitor = monitor_body();
    json_monitor["name"] = json!("Stock API");
    json_monitor["url"] = json!("https://93.184.215.17/api/stock.json");
    json_monitor["css_selector"] = json!(null);
    json_monitor["json_path"] = json!("$.items[0].stock");
    json_monitor["paused"] = json!(true);
    expect_json(
        app.create_monitor(&app.alice, &json_monitor).await,
        StatusCode::CREATED,
    )
    .await;

    let response = app
        .get(&app.alice, &format!("/api/v1/teams/{team}/export"))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let disposition = response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.starts_with("attachment; filename=\"lookout-"),
        "{disposition}"
    );
    let text = response.text().await.unwrap();
    for secret in [
        "header-secret-value",
        "cookie-secret-value",
        "fill-secret-value",
        "whsec_",
        "sealed",
        "/hooks/lookout",
        "••••",
    ] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
    let export: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(export["format"], "lookout-export");
    assert_eq!(export["version"], 1);
    assert!(export["exported_at"].is_string());
    assert_eq!(
        export["channels"],
        json!([{"id": channel["id"], "kind": "webhook", "name": "Deploys"}])
    );
    let first = &export["monitors"][0];
    assert_eq!(first["id"], monitor["id"]);
    assert_eq!(first["name"], "Laptop price");
    assert_eq!(first["url"], "https://93.184.215.14/laptop");
    assert_eq!(
        first["selectors"],
        json!([{"kind": "css", "expression": ".price"}])
    );
    assert_eq!(first["condition"], "price drops below 1000 EUR");
    assert_eq!(first["interval_seconds"], 300);
    assert_eq!(first["render"], true);
    assert_eq!(first["headers"], json!([{"name": "authorization"}]));
    assert_eq!(first["cookies"], json!([{"name": "session"}]));
    assert_eq!(
        first["steps"],
        json!([
            {"action": "fill", "selector": "#password"},
            {"action": "click", "selector": "#go"}
        ])
    );
    assert_eq!(
        first["channels"],
        json!([{"id": channel["id"], "name": "Deploys"}])
    );
    assert_eq!(first["first_check"], "auto");
    assert_eq!(first["fail_policy"], "hold");
    assert_eq!(first["screenshot"], "never");
    assert_eq!(first["failure_alert_after"], 3);
    let second = &export["monitors"][1];
    assert_eq!(
        second["selectors"],
        json!([{"kind": "json_path", "expression": "$.items[0].stock"}])
    );
    assert_eq!(second["paused"], true);
}

#[tokio::test]
async fn an_export_imports_into_another_team_as_it_was() {
    let app = spawn_app().await;
    let team = personal_team(&app, &app.alice).await;
    monitor_with_secrets(&app).await;
    let mut plain = monitor_body();
    plain["name"] = json!("Plain page");
    plain["url"] = json!("https://93.184.215.15/plain");
    plain["css_selector"] = json!(null);
    plain["xpath"] = json!("//main");
    plain["condition"] = json!("");
    plain["screenshot"] = json!("on_change");
    plain["first_check"] = json!("baseline");
    plain["fail_policy"] = json!("alert_anyway");
    plain["failure_alert_after"] = json!(0);
    plain["steps"] = json!([{"action": "wait", "ms": 500}]);
    plain["render"] = json!(true);
    plain["wait_for"] = json!("#ready");
    expect_json(
        app.create_monitor(&app.alice, &plain).await,
        StatusCode::CREATED,
    )
    .await;
    let export = app
        .get(&app.alice, &format!("/api/v1/teams/{team}/export"))
        .await
        .text()
        .await
        .unwrap();

    // Back into the same team: both are duplicates.
    let same = import_ok(&app, &team, "", &export).await;
    assert_eq!(same["format"], "lookout");
    assert_eq!(same["skipped"], 2);

    let other = expect_json(
        app.create_team(&app.alice, &json!({"name": "Shop"})).await,
        StatusCode::CREATED,
    )
    .await;
    let other = other["id"].as_str().unwrap();
    let channel = app
        .new_channel(
            &app.alice,
            &json!({"kind": "webhook", "name": "Deploys", "url": "https://93.184.215.14/hooks/shop", "team_id": other}),
        )
        .await;
    let report = import_ok(&app, other, "?dry_run=false", &export).await;
    assert_eq!(report["created"], 2, "{report}");
    let secretive = &report["entries"][0];
    let ignored = secretive["ignored_fields"].as_array().unwrap();
    assert!(
        ignored
            .iter()
            .any(|f| f.as_str().unwrap().starts_with("headers"))
    );
    assert!(
        ignored
            .iter()
            .any(|f| f.as_str().unwrap().starts_with("cookies"))
    );
    assert!(
        ignored
            .iter()
            .any(|f| f.as_str().unwrap().starts_with("steps"))
    );

    let imported = |id: &Value| {
        let id = id.as_str().unwrap().to_owned();
        let app = &app;
        async move { expect_json(app.get_monitor(&app.alice, &id).await, StatusCode::OK).await }
    };
    let first = imported(&secretive["monitor_id"]).await;
    assert_eq!(first["team_id"], other);
    assert_eq!(first["name"], "Laptop price");
    assert_eq!(first["css_selector"], ".price");
    assert_eq!(first["condition"], "price drops below 1000 EUR");
    assert_eq!(first["interval_seconds"], 300);
    assert_eq!(first["headers"], json!([]));
    assert_eq!(first["steps"], json!([]));
    // Linked by name to the new team's channel of the same name.
    assert_eq!(first["channel_ids"], json!([channel["id"]]));

    let second = imported(&report["entries"][1]["monitor_id"]).await;
    for field in [
        "name",
        "url",
        "xpath",
        "condition",
        "screenshot",
        "first_check",
        "fail_policy",
        "failure_alert_after",
        "steps",
        "render",
        "wait_for",
    ] {
        assert_eq!(second[field], plain[field], "{field}");
    }
}

/// Times a 10,000-line import, dry run and confirmed, in this (debug)
/// build; the numbers are printed for the record.
#[tokio::test]
async fn ten_thousand_urls_import_at_once() {
    let app = spawn_app().await;
    let team = personal_team(&app, &app.alice).await;
    app.database()
        .await
        .execute(
            "INSERT INTO team_quotas (team_id, monitors) VALUES ($1::text::uuid, 20000)",
            &[&team],
        )
        .await
        .unwrap();
    // 100 hosts, 100 pages each.
    let list = (0..10_000)
        .map(|n| format!("https://93.184.{}.{}/item/{n}", 200 + n / 5000, n % 100))
        .collect::<Vec<_>>()
        .join("\n");
    let started = Instant::now();
    let preview = import(&app, &app.alice, &team, "", "text/uri-list", list.clone()).await;
    let preview = expect_json(preview, StatusCode::OK).await;
    let dry_run = started.elapsed();
    assert_eq!(preview["created"], 10_000, "{}", preview["entries"][0]);
    let started = Instant::now();
    let confirmed = import(
        &app,
        &app.alice,
        &team,
        "?dry_run=false",
        "text/uri-list",
        list,
    )
    .await;
    let confirmed = expect_json(confirmed, StatusCode::OK).await;
    let run = started.elapsed();
    assert_eq!(confirmed["created"], 10_000);
    assert_eq!(monitor_count(&app).await, 10_000);
    eprintln!("10,000-line import (debug build): dry run {dry_run:?}, confirmed {run:?}");
    let export = app
        .get(&app.alice, &format!("/api/v1/teams/{team}/export"))
        .await;
    assert_eq!(export.status(), StatusCode::OK);
}
