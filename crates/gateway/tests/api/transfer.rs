//! `GET /api/v1/teams/{id}/export` and `POST /api/v1/teams/{id}/import`:
//! a team's monitors out as versioned JSON without secrets, and in from a
//! list of URLs, changedetection.io, urlwatch or a Lookout export, with a
//! dry run, duplicates skipped, refusals explained and one transaction.
//! The peer fixtures under `tests/fixtures/` are written from the peers'
//! documented formats.

use std::io::{Cursor, Write};
use std::time::{Duration, Instant};

use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, TestUser, expect_error, expect_json, monitor_body, spawn_app, spawn_app_with,
};

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

/// An import with `Accept: application/x-ndjson`: its lines, parsed.
async fn import_streamed(app: &TestApp, team: &str, query: &str, body: String) -> Vec<Value> {
    let response = reqwest::Client::builder()
        .timeout(Duration::from_secs(300))
        .build()
        .unwrap()
        .post(app.url(&format!("/api/v1/teams/{team}/import{query}")))
        .bearer_auth(&app.alice.token)
        .header("content-type", "text/plain")
        .header("accept", "application/x-ndjson")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "application/x-ndjson",
        "{:?}",
        response.headers()
    );
    let text = response.text().await.unwrap();
    assert!(text.ends_with('\n'), "every line ends: {text}");
    text.lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// A changedetection.io backup as its "Backups" page writes it: the index,
/// the session secret, the URL lists and one folder of history per watch.
fn backup_zip(watches: &[u8]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let folder = "c1a1b2c3-0001-4000-8000-000000000001";
    for (name, content) in [
        ("url-watches.json", watches),
        ("secret.txt", b"flask-session-secret".as_slice()),
        (
            &format!("{folder}/history.txt"),
            b"1704067300,1704067300.txt\n",
        ),
        (&format!("{folder}/1704067300.txt"), b"Laptop 999 EUR"),
        ("url-list.txt", b"https://93.184.215.14/laptop\r\n"),
        (
            "url-list-with-tags.txt",
            b"https://93.184.215.14/laptop ['Shopping']\r\n",
        ),
    ] {
        writer.start_file(name, options).unwrap();
        writer.write_all(content).unwrap();
    }
    writer.finish().unwrap().into_inner()
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
    // The file's "Shopping" is this tag, whatever the case.
    let shopping = expect_json(
        app.post(
            &app.alice,
            "/api/v1/tags",
            &json!({"name": "shopping", "colour": "#aa5500"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
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
    assert_eq!(laptop["tags"], json!(["Shopping"]));
    let ignored = laptop["ignored_fields"].as_array().unwrap();
    for field in ["ignore_text", "notification_urls"] {
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
    assert_eq!(stock["tags"], json!([]));
    assert_eq!(
        stock["ignored_fields"],
        json!(["tags (9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a is not in the file's tag list)"])
    );

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
    assert_eq!(
        tickets["tags"],
        json!(["Music", "Weekend"]),
        "the older `tag` string"
    );
    let ignored = tickets["ignored_fields"].as_array().unwrap();
    assert!(ignored.contains(&json!("include_filters (only the first is used)")));
    // The skipped duplicate gets nothing.
    assert_eq!(again["tags"], json!([]));
    assert_eq!(report["tags_created"], json!(["Work", "Music", "Weekend"]));

    // The tags: "shopping" kept (its case and colour), the others created.
    let tags = expect_json(
        app.get(&app.alice, &format!("/api/v1/tags?team_id={team}"))
            .await,
        StatusCode::OK,
    )
    .await;
    let tags: Vec<(String, i64)> = tags["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|tag| {
            (
                tag["name"].as_str().unwrap().to_owned(),
                tag["monitor_count"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        tags,
        [("Music", 1), ("shopping", 1), ("Weekend", 1), ("Work", 1)]
            .map(|(name, count)| (name.to_owned(), count))
    );
    let laptop_monitor = expect_json(
        app.get_monitor(&app.alice, laptop["monitor_id"].as_str().unwrap())
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(laptop_monitor["tags"][0]["id"], shopping["id"]);
    assert_eq!(laptop_monitor["tags"][0]["colour"], "#aa5500");

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
    // Looks like a ZIP, is not one.
    let response = import(
        &app,
        &app.alice,
        &team,
        "",
        "application/zip",
        b"PK\x03\x04rest".to_vec(),
    )
    .await;
    let message = expect_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(message.contains("ZIP"), "{message}");
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

#[tokio::test]
async fn tags_travel_from_an_export_into_another_team() {
    let app = spawn_app().await;
    let team = personal_team(&app, &app.alice).await;
    let new_tag = |team: String, name: &'static str, colour: &'static str| {
        let app = &app;
        async move {
            expect_json(
                app.post(
                    &app.alice,
                    "/api/v1/tags",
                    &json!({"team_id": team, "name": name, "colour": colour}),
                )
                .await,
                StatusCode::CREATED,
            )
            .await
        }
    };
    let shop = new_tag(team.clone(), "Shop", "#112233").await;
    let deals = new_tag(team.clone(), "Deals", "#445566").await;
    new_tag(team.clone(), "Unused", "#778899").await;
    let mut body = monitor_body();
    body["team_id"] = json!(team);
    body["tag_ids"] = json!([shop["id"], deals["id"]]);
    expect_json(
        app.create_monitor(&app.alice, &body).await,
        StatusCode::CREATED,
    )
    .await;

    let export = app
        .get(&app.alice, &format!("/api/v1/teams/{team}/export"))
        .await
        .text()
        .await
        .unwrap();
    let document: Value = serde_json::from_str(&export).unwrap();
    assert_eq!(
        document["tags"],
        json!([
            {"name": "Deals", "colour": "#445566"},
            {"name": "Shop", "colour": "#112233"},
            {"name": "Unused", "colour": "#778899"},
        ])
    );
    assert_eq!(document["monitors"][0]["tags"], json!(["Deals", "Shop"]));

    // Another team has "SHOP" already: matched whatever the case.
    let other = expect_json(
        app.create_team(&app.alice, &json!({"name": "Elsewhere"}))
            .await,
        StatusCode::CREATED,
    )
    .await;
    let other = other["id"].as_str().unwrap().to_owned();
    let existing = new_tag(other.clone(), "SHOP", "#000000").await;
    let tag_count = || {
        let app = &app;
        async move {
            app.database()
                .await
                .query_one("SELECT count(*) FROM tags", &[])
                .await
                .unwrap()
                .get::<_, i64>(0)
        }
    };
    let preview = import_ok(&app, &other, "", &export).await;
    assert_eq!(preview["tags_created"], json!(["Deals"]));
    assert_eq!(preview["entries"][0]["tags"], json!(["Deals", "Shop"]));
    assert!(
        !preview["ignored_fields"]
            .as_array()
            .unwrap()
            .contains(&json!("tags")),
        "{preview}"
    );
    assert_eq!(tag_count().await, 4, "a dry run creates no tag");

    let report = import_ok(&app, &other, "?dry_run=false", &export).await;
    assert_eq!(report["created"], 1);
    assert_eq!(report["tags_created"], json!(["Deals"]));
    assert_eq!(tag_count().await, 5);
    let monitor = expect_json(
        app.get_monitor(
            &app.alice,
            report["entries"][0]["monitor_id"].as_str().unwrap(),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(monitor["team_id"], other.as_str());
    let tags: Vec<(Value, Value)> = monitor["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|tag| (tag["name"].clone(), tag["colour"].clone()))
        .collect();
    assert_eq!(
        tags,
        [
            (json!("Deals"), json!("#445566")),
            (json!("SHOP"), json!("#000000"))
        ],
        "the export's colour for a new tag, the team's own tag kept as it is"
    );
    assert!(
        monitor["tags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|tag| tag["id"] == existing["id"])
    );
    // The exported "Unused" tag carries no monitor: not created.
    assert_eq!(
        app.database()
            .await
            .query_one(
                "SELECT count(*) FROM tags WHERE lower(name) = 'unused'",
                &[]
            )
            .await
            .unwrap()
            .get::<_, i64>(0),
        1
    );
}

#[tokio::test]
async fn a_changedetection_backup_zip_imports_its_watches_and_names_the_rest() {
    let app = spawn_app().await;
    let team = personal_team(&app, &app.alice).await;
    let body = backup_zip(CHANGEDETECTION.as_bytes());
    let preview = expect_json(
        import(&app, &app.alice, &team, "", "application/zip", body.clone()).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(preview["format"], "changedetection");
    let plain = import_ok(&app, &team, "", CHANGEDETECTION).await;
    assert_eq!(
        outcomes(&preview),
        outcomes(&plain),
        "as its url-watches.json"
    );
    assert_eq!(preview["created"], 4);
    assert_eq!(
        preview["archive_ignored"],
        json!([
            "secret.txt (its session secret, never read)",
            "url-list.txt (the same URLs again)",
            "url-list-with-tags.txt (the same URLs again)",
            "1 watch folder (snapshots and history)",
        ])
    );
    assert!(!preview.to_string().contains("flask-session-secret"));

    // Sent as a file of unknown type, it is still recognised.
    let confirmed = expect_json(
        import(
            &app,
            &app.alice,
            &team,
            "?dry_run=false",
            "application/octet-stream",
            body,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(confirmed["created"], 4);
    assert_eq!(monitor_count(&app).await, 4);
}

#[tokio::test]
async fn a_zip_bomb_and_an_oversized_file_are_refused_with_413() {
    let app = spawn_app().await;
    let team = personal_team(&app, &app.alice).await;
    // 17 MiB of JSON whitespace deflates to a few kilobytes.
    let mut bomb = b"{\"watching\": {}".to_vec();
    bomb.resize(17 * 1024 * 1024, b' ');
    bomb.push(b'}');
    let body = backup_zip(&bomb);
    assert!(body.len() < 256 * 1024);
    let message = expect_error(
        import(&app, &app.alice, &team, "", "application/zip", body).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    )
    .await;
    assert!(
        message.contains("url-watches.json") && message.contains("16 MiB"),
        "{message}"
    );

    let text = "https://93.184.215.14/\n".repeat(17 * 1024 * 1024 / 23 + 1);
    let message = expect_error(
        import(&app, &app.alice, &team, "", "text/plain", text).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    )
    .await;
    assert!(message.contains("16 MiB"), "{message}");
    assert_eq!(monitor_count(&app).await, 0);
}

/// The phases of a streamed import, in order, without repeats.
fn phases(lines: &[Value]) -> Vec<String> {
    let mut phases: Vec<String> = Vec::new();
    for line in lines {
        let phase = line["phase"].as_str().unwrap().to_owned();
        if phases.last() != Some(&phase) {
            phases.push(phase);
        }
    }
    phases
}

#[tokio::test]
async fn a_streamed_import_reports_each_phase_and_ends_with_the_report() {
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
    let list = (0..2500)
        .map(|n| format!("https://93.184.215.{}/page/{n}", n % 40))
        .collect::<Vec<_>>()
        .join("\n");

    let preview = import_streamed(&app, &team, "", list.clone()).await;
    assert_eq!(
        phases(&preview),
        ["checking_destinations", "validating", "done"],
        "a dry run creates nothing"
    );
    assert_eq!(monitor_count(&app).await, 0);

    let lines = import_streamed(&app, &team, "?dry_run=false", list).await;
    assert_eq!(
        phases(&lines),
        ["checking_destinations", "validating", "creating", "done"]
    );
    // Each phase counts up to its total.
    for phase in ["checking_destinations", "validating", "creating"] {
        let steps: Vec<(u64, u64)> = lines
            .iter()
            .filter(|line| line["phase"] == phase)
            .map(|line| {
                (
                    line["done"].as_u64().unwrap(),
                    line["total"].as_u64().unwrap(),
                )
            })
            .collect();
        assert!(steps.len() >= 2, "{phase}: {steps:?}");
        assert!(
            steps.windows(2).all(|pair| pair[0].0 <= pair[1].0),
            "{phase}: {steps:?}"
        );
        let (done, total) = *steps.last().unwrap();
        assert_eq!(done, total, "{phase}");
        let expected = match phase {
            "checking_destinations" => 40,
            _ => 2500,
        };
        assert_eq!(total, expected, "{phase}");
    }
    let report = &lines.last().unwrap()["report"];
    assert_eq!(report["created"], 2500);
    assert_eq!(report["dry_run"], false);
    assert_eq!(monitor_count(&app).await, 2500);
}

#[tokio::test]
async fn a_streamed_import_that_fails_part_way_says_so_and_leaves_nothing() {
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
    let streamed = import_streamed(&app, &team, "?dry_run=false", lines.join("\n")).await;
    assert_eq!(
        phases(&streamed),
        ["checking_destinations", "validating", "creating", "failed"]
    );
    // The first batch went in before the second failed ...
    assert!(
        streamed
            .iter()
            .any(|line| line["phase"] == "creating" && line["done"] == 1000),
        "{streamed:?}"
    );
    let last = streamed.last().unwrap();
    assert_eq!(last["error"]["code"], "internal_error");
    assert!(last["error"]["request_id"].is_string());
    assert!(
        !last.to_string().contains("boom"),
        "no database detail: {last}"
    );
    // ... and was rolled back with it.
    assert_eq!(monitor_count(&app).await, 0, "nothing half-imported");
}

#[tokio::test]
async fn an_import_outlasts_the_request_timeout_of_other_routes() {
    let app = spawn_app_with(|config| config.edge.request_timeout = Duration::from_secs(1)).await;
    let team = personal_team(&app, &app.alice).await;
    // Every insert statement of monitors takes 1.5 s.
    app.database()
        .await
        .batch_execute(
            "CREATE FUNCTION slow_insert() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN PERFORM pg_sleep(1.5); RETURN NULL; END $$;
             CREATE TRIGGER slow_insert AFTER INSERT ON monitors
               FOR EACH STATEMENT EXECUTE FUNCTION slow_insert();",
        )
        .await
        .unwrap();
    let started = Instant::now();
    let report = import_ok(&app, &team, "?dry_run=false", URLS).await;
    assert!(started.elapsed() > Duration::from_millis(1500));
    assert_eq!(report["created"], 3);
    // Any other route still answers 408 past the timeout.
    let started = Instant::now();
    let response = app.create_monitor(&app.alice, &monitor_body()).await;
    expect_error(response, StatusCode::REQUEST_TIMEOUT, "request_timeout").await;
    assert!(started.elapsed() < Duration::from_millis(1500));
}

#[tokio::test]
async fn a_replica_refuses_a_fifth_import_at_once_and_says_when_to_retry() {
    let app = spawn_app().await;
    let team = personal_team(&app, &app.alice).await;
    let bobs_team = personal_team(&app, &app.bob).await;
    // Each insert statement takes 1.5 s, and Alice's imports wait for each
    // other's team lock: four of them hold the replica's slots for seconds.
    app.database()
        .await
        .batch_execute(
            "CREATE FUNCTION slow_insert() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN PERFORM pg_sleep(1.5); RETURN NULL; END $$;
             CREATE TRIGGER slow_insert AFTER INSERT ON monitors
               FOR EACH STATEMENT EXECUTE FUNCTION slow_insert();",
        )
        .await
        .unwrap();
    let running: Vec<_> = (0..4)
        .map(|n| {
            let body = format!("https://93.184.215.{}/page", 20 + n);
            let request = import(
                &app,
                &app.alice,
                &team,
                "?dry_run=false",
                "text/plain",
                body,
            );
            async move { request.await.status() }
        })
        .collect();
    let running = futures::future::join_all(running);
    let fifth = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        // Bob's team: were a slot free, his import would not wait for a lock.
        for _ in 0..6 {
            let response = import(&app, &app.bob, &bobs_team, "", "text/plain", URLS).await;
            if response.status() == StatusCode::SERVICE_UNAVAILABLE {
                return response;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("four imports running, a fifth was still taken");
    };
    let (statuses, refused) = tokio::join!(running, fifth);
    assert_eq!(statuses, [StatusCode::OK; 4]);
    assert_eq!(refused.headers()["retry-after"], "30");
    let message = expect_error(refused, StatusCode::SERVICE_UNAVAILABLE, "busy").await;
    assert!(message.contains("4 imports"), "{message}");
    // Slots come back when imports end.
    let after = import(&app, &app.bob, &bobs_team, "", "text/plain", URLS).await;
    assert_eq!(after.status(), StatusCode::OK);
}
