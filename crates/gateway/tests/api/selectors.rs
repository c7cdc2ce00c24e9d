use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{expect_error, expect_json, monitor_body, spawn_app};

fn with(fields: &[(&str, Value)]) -> Value {
    let mut body = monitor_body();
    body["css_selector"] = Value::Null;
    for (field, value) in fields {
        body[*field] = value.clone();
    }
    body
}

#[tokio::test]
async fn every_selector_kind_is_parsed_at_creation_with_a_precise_message() {
    let app = spawn_app().await;
    let cases = [
        (
            "css_selector",
            json!("div["),
            "css_selector: not a valid CSS selector",
        ),
        (
            "xpath",
            json!("//li[@class="),
            "xpath: not a valid XPath 1.0 expression",
        ),
        (
            "xpath",
            json!("//li[frobnicate()]"),
            "xpath: the XPath expression cannot run: unknown function",
        ),
        (
            "xpath",
            json!("for $li in //li return $li/@data-sku"),
            "xpath: not a valid XPath 1.0 expression: `for $… in …` expressions are XPath 2.0, \
             and Lookout runs XPath 1.0",
        ),
        (
            "xpath",
            json!("//h1[lower-case(.) = 'sale']"),
            "xpath: not a valid XPath 1.0 expression: the function lower-case() is XPath 2.0",
        ),
        (
            "json_pointer",
            json!("items/0"),
            "json_pointer: a JSON pointer starts with \"/\"",
        ),
        (
            "json_path",
            json!("$.items[?@.price <]"),
            "json_path: not a valid JSONPath query (RFC 9535)",
        ),
        (
            "jq_filter",
            json!(".items | map(.price"),
            "jq_filter: not a valid jq filter: expected",
        ),
        (
            "jq_filter",
            json!("env.HOME"),
            "jq_filter: the jq filter uses undefined filter env",
        ),
    ];
    for (field, value, expected) in cases {
        let response = app
            .create_monitor(&app.alice, &with(&[(field, value.clone())]))
            .await;
        let message = expect_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert!(
            message.starts_with(expected),
            "{field} = {value}: {message:?}"
        );
    }
}

#[tokio::test]
async fn a_monitor_holds_one_selector_per_family() {
    let app = spawn_app().await;
    let response = app
        .create_monitor(
            &app.alice,
            &with(&[
                ("json_pointer", json!("/price")),
                ("jq_filter", json!(".price")),
            ]),
        )
        .await;
    let message = expect_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(
        message,
        "jq_filter: set only one of json_pointer and jq_filter: a monitor has one selector for JSON"
    );

    // One for HTML and one for JSON is fine: the URL decides which applies.
    let created = expect_json(
        app.create_monitor(
            &app.alice,
            &with(&[
                ("xpath", json!("//span[@class='price']")),
                ("json_path", json!("$.price")),
            ]),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(created["xpath"], "//span[@class='price']");
    assert_eq!(created["json_path"], "$.price");
    assert_eq!(created["css_selector"], Value::Null);

    // Setting another kind of the same family replaces the old one.
    let id = created["id"].as_str().unwrap();
    let updated = expect_json(
        app.update_monitor(
            &app.alice,
            id,
            &json!({"css_selector": ".price", "jq_filter": ".price | tostring"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(updated["css_selector"], ".price");
    assert_eq!(updated["xpath"], Value::Null);
    assert_eq!(updated["jq_filter"], ".price | tostring");
    assert_eq!(updated["json_path"], Value::Null);

    let response = app
        .update_monitor(
            &app.alice,
            id,
            &json!({"xpath": "//p", "css_selector": "p"}),
        )
        .await;
    let message = expect_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(
        message.starts_with("xpath: set only one of css_selector and xpath"),
        "{message}"
    );
}

#[test]
fn the_openapi_document_describes_every_selector_kind() {
    let (_, document) = gateway::routes::api_and_document();
    let document = serde_json::to_value(&document).unwrap();
    for schema in [
        "CreateMonitor",
        "UpdateMonitor",
        "MonitorResponse",
        "PreviewBody",
    ] {
        let properties = &document["components"]["schemas"][schema]["properties"];
        for field in [
            "css_selector",
            "xpath",
            "json_pointer",
            "json_path",
            "jq_filter",
        ] {
            assert!(
                properties[field].is_object(),
                "{schema}.{field} is documented"
            );
        }
    }
}
