use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{expect_error, expect_json, monitor_body, spawn_app, spawn_app_with};

fn with(field: &str, value: Value) -> Value {
    let mut body = monitor_body();
    body[field] = value;
    body
}

#[tokio::test]
async fn each_invalid_monitor_field_is_refused_with_a_message_naming_it() {
    let app = spawn_app().await;
    let headers = |count: usize| {
        Value::Array(
            (0..count)
                .map(|index| json!({"name": format!("x-h{index}"), "value": "v"}))
                .collect(),
        )
    };
    let cases = [
        ("name", json!("")),
        ("name", json!("   ")),
        ("name", json!("n".repeat(201))),
        ("url", json!("not a url")),
        ("url", json!("")),
        ("url", json!("https://user:pass@93.184.215.14/")),
        ("css_selector", json!("div[")),
        ("css_selector", json!(format!(".{}", "a".repeat(500)))),
        ("json_pointer", json!("price")),
        ("condition", json!("c".repeat(2001))),
        ("interval_seconds", json!(9)),
        ("interval_seconds", json!(30 * 24 * 3600 + 1)),
        ("headers", headers(21)),
        ("headers", json!([{"name": "Host", "value": "internal"}])),
        ("headers", json!([{"name": "Content-Length", "value": "0"}])),
        ("headers", json!([{"name": "bad name", "value": "v"}])),
        ("headers", json!([{"name": "x-ok", "value": "line\nbreak"}])),
    ];
    for (field, value) in cases {
        let response = app
            .create_monitor(&app.alice, &with(field, value.clone()))
            .await;
        let message = expect_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert!(
            message.starts_with(&format!("{field}:")),
            "{field} = {value}: message {message:?} does not name the field"
        );
    }
    let listed = expect_json(app.list_monitors(&app.alice, "").await, StatusCode::OK).await;
    assert_eq!(listed["items"], json!([]), "no invalid monitor was stored");
}

#[tokio::test]
async fn every_problem_is_reported_at_once_with_fields() {
    let app = spawn_app().await;
    let mut body = monitor_body();
    body["name"] = json!("");
    body["json_pointer"] = json!("nope");
    let response = app.create_monitor(&app.alice, &body).await;
    let body = expect_json(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    let fields: Vec<&str> = body["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|field| field["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["name", "json_pointer"]);
}

#[tokio::test]
async fn urls_to_forbidden_destinations_are_refused_at_creation() {
    let app = spawn_app().await;
    for url in [
        "file:///etc/passwd",
        "gopher://93.184.215.14/",
        "ftp://93.184.215.14/",
        "http://10.0.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://127.0.0.1:8080/",
        "http://[::1]/",
        "http://[::ffff:10.0.0.1]/",
        "http://2130706433/",
        "http://localhost/",
    ] {
        let response = app
            .create_monitor(&app.alice, &with("url", json!(url)))
            .await;
        let message = expect_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert!(message.starts_with("url:"), "{url}: {message}");
        if url == "http://localhost/" {
            // What the name resolved to is internal: the answer never says.
            assert_eq!(message, "url: destination localhost is not allowed");
        }
    }
    let id = app.new_monitor(&app.alice).await;
    let response = app
        .update_monitor(&app.alice, &id, &json!({"url": "http://192.168.1.1/"}))
        .await;
    let message = expect_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(message.contains("private network"), "{message}");
}

#[tokio::test]
async fn allow_listed_networks_open_local_destinations_but_never_metadata() {
    let app = spawn_app_with(|config| {
        config.destination_policy =
            netguard::Policy::from_allow_list("127.0.0.0/8, 169.254.0.0/16").unwrap();
    })
    .await;
    let response = app
        .create_monitor(&app.alice, &with("url", json!("http://localhost:9/page")))
        .await;
    expect_json(response, StatusCode::CREATED).await;
    let response = app
        .create_monitor(&app.alice, &with("url", json!("http://169.254.169.254/")))
        .await;
    let message = expect_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(message.contains("metadata"), "{message}");
}

#[tokio::test]
async fn malformed_json_gets_400_in_the_error_format() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url("/api/v1/monitors"))
        .bearer_auth(&app.alice.token)
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    let message = expect_error(response, StatusCode::BAD_REQUEST, "bad_request").await;
    assert!(message.contains("malformed JSON"), "{message}");
}

#[tokio::test]
async fn a_body_that_is_not_json_gets_415() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url("/api/v1/monitors"))
        .bearer_auth(&app.alice.token)
        .header("content-type", "text/plain")
        .body(monitor_body().to_string())
        .send()
        .await
        .unwrap();
    expect_error(
        response,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;
}

#[tokio::test]
async fn unknown_and_mistyped_fields_are_refused() {
    let app = spawn_app().await;
    let response = app
        .create_monitor(&app.alice, &with("owner_id", json!("x")))
        .await;
    let message = expect_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(message.contains("unknown field `owner_id`"), "{message}");
    let response = app
        .create_monitor(&app.alice, &with("interval_seconds", json!("often")))
        .await;
    expect_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let mut body = monitor_body();
    body.as_object_mut().unwrap().remove("url");
    let response = app.create_monitor(&app.alice, &body).await;
    let message = expect_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(message.contains("missing field `url`"), "{message}");
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_in_the_error_format() {
    let app = spawn_app().await;
    let response = app.get(&app.alice, "/api/v1/nothing-here").await;
    expect_error(response, StatusCode::NOT_FOUND, "not_found").await;
    let response = app
        .client
        .put(app.url("/api/v1/monitors"))
        .send()
        .await
        .unwrap();
    expect_error(
        response,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    )
    .await;
    let response = app.get(&app.alice, "/api/v1/monitors/not-a-uuid").await;
    expect_error(response, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn an_oversized_body_gets_413_in_the_error_format() {
    let app = spawn_app().await;
    let response = app
        .create_monitor(
            &app.alice,
            &with("condition", json!("x".repeat(200 * 1024))),
        )
        .await;
    expect_error(response, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
}
