//! A monitor's render options: `wait_for`, cookies (secrets: sealed, masked,
//! opened only for a fetch) and browser steps (validated with the failing
//! step named; fill values sealed like cookies).

use reqwest::StatusCode;
use secrecy::ExposeSecret;
use secret_box::SecretBox;
use serde_json::{Value, json};
use store::monitors::{COOKIE_PURPOSE, RequestHeader, STEP_PURPOSE, StoredStep};

use crate::helpers::{TestApp, expect_json, monitor_body, spawn_app};

const MASK: &str = "••••••••";

fn login_steps() -> Value {
    json!([
        {"action": "fill", "selector": "#user", "value": "ann"},
        {"action": "fill", "selector": "#password", "value": "hunter2"},
        {"action": "click", "selector": "#go"},
        {"action": "wait_for", "selector": "#balance"},
        {"action": "press", "value": "Escape"},
        {"action": "wait", "ms": 500},
    ])
}

async fn rendered_monitor(app: &TestApp) -> Value {
    let mut body = monitor_body();
    body["render"] = json!(true);
    body["wait_for"] = json!("#ready");
    body["cookies"] = json!([{"name": "session", "value": "open-sesame"}]);
    body["steps"] = login_steps();
    expect_json(
        app.create_monitor(&app.alice, &body).await,
        StatusCode::CREATED,
    )
    .await
}

async fn stored(app: &TestApp, id: &str) -> (Vec<RequestHeader>, Vec<StoredStep>, String) {
    let row = app
        .database()
        .await
        .query_one(
            "SELECT cookies, steps, cookies::text || steps::text AS raw
               FROM monitors WHERE id = $1::text::uuid",
            &[&id],
        )
        .await
        .unwrap();
    (
        serde_json::from_value(row.get::<_, Value>("cookies")).unwrap(),
        serde_json::from_value(row.get::<_, Value>("steps")).unwrap(),
        row.get("raw"),
    )
}

fn fill_values(steps: &[StoredStep]) -> Vec<String> {
    let secret_box = SecretBox::development();
    steps
        .iter()
        .filter_map(|step| step.secret.as_ref())
        .map(|sealed| {
            secret_box
                .open(STEP_PURPOSE, sealed)
                .unwrap()
                .expose_secret()
                .to_owned()
        })
        .collect()
}

fn field_errors(body: &Value) -> Vec<(String, String)> {
    body["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|field| {
            (
                field["field"].as_str().unwrap().to_owned(),
                field["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn render_options_are_stored_with_cookies_and_fill_values_sealed_and_answered_masked() {
    let app = spawn_app().await;
    let created = rendered_monitor(&app).await;
    assert_eq!(created["wait_for"], "#ready");
    assert_eq!(
        created["cookies"],
        json!([{"name": "session", "value": MASK}])
    );
    assert_eq!(
        created["steps"][0],
        json!({"action": "fill", "selector": "#user", "value": MASK})
    );
    assert_eq!(
        created["steps"][2],
        json!({"action": "click", "selector": "#go"})
    );
    assert_eq!(
        created["steps"][4],
        json!({"action": "press", "value": "Escape"})
    );
    assert_eq!(created["steps"][5], json!({"action": "wait", "ms": 500}));
    let id = created["id"].as_str().unwrap();
    let read = expect_json(app.get_monitor(&app.alice, id).await, StatusCode::OK).await;
    assert!(!read.to_string().contains("open-sesame"));
    assert!(!read.to_string().contains("hunter2"));

    let (cookies, steps, raw) = stored(&app, id).await;
    assert!(
        !raw.contains("open-sesame") && !raw.contains("hunter2"),
        "in clear: {raw}"
    );
    let secret_box = SecretBox::development();
    assert_eq!(
        cookies[0]
            .open_for(&secret_box, COOKIE_PURPOSE)
            .unwrap()
            .expose_secret(),
        "open-sesame"
    );
    assert_eq!(fill_values(&steps), ["ann", "hunter2"]);
}

#[tokio::test]
async fn masked_cookies_and_fill_values_keep_the_stored_ones_on_update() {
    let app = spawn_app().await;
    let created = rendered_monitor(&app).await;
    let id = created["id"].as_str().unwrap();
    let (cookies_before, _, _) = stored(&app, id).await;

    let mut steps = created["steps"].clone();
    steps[0]["value"] = json!("bob");
    let updated = expect_json(
        app.update_monitor(
            &app.alice,
            id,
            &json!({
                "wait_for": "2500",
                "cookies": [{"name": "session", "value": MASK}, {"name": "lang", "value": "en"}],
                "steps": steps,
            }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(updated["wait_for"], "2500");
    let (cookies, steps, _) = stored(&app, id).await;
    assert_eq!(cookies[0], cookies_before[0]);
    assert_eq!(cookies.len(), 2);
    assert_eq!(fill_values(&steps), ["bob", "hunter2"]);

    let cleared = expect_json(
        app.update_monitor(&app.alice, id, &json!({"wait_for": null, "steps": []}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(cleared["wait_for"], Value::Null);
    assert_eq!(cleared["steps"], json!([]));
    assert_eq!(cleared["cookies"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn invalid_steps_are_refused_naming_each_failing_step() {
    let app = spawn_app().await;
    let mut body = monitor_body();
    body["steps"] = json!([
        {"action": "click", "selector": "#ok"},
        {"action": "click"},
        {"action": "hover", "selector": "#menu"},
        {"action": "wait", "ms": 60000},
        {"action": "press", "value": "F13"},
        {"action": "fill", "selector": "div[", "value": "x"},
        {"action": "goto", "value": "http://169.254.169.254/latest/meta-data"},
    ]);
    let response = app.create_monitor(&app.alice, &body).await;
    let errors = field_errors(&expect_json(response, StatusCode::UNPROCESSABLE_ENTITY).await);
    let fields: Vec<&str> = errors.iter().map(|(field, _)| field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "steps[1]", "steps[2]", "steps[3]", "steps[4]", "steps[5]", "steps[6]"
        ]
    );
    assert!(errors[0].1.contains("needs a selector"), "{errors:?}");
    assert!(errors[1].1.contains("not a step"), "{errors:?}");

    body["steps"] = json!(
        (0..21)
            .map(|_| json!({"action": "wait", "ms": 1}))
            .collect::<Vec<_>>()
    );
    let response = app.create_monitor(&app.alice, &body).await;
    let errors = field_errors(&expect_json(response, StatusCode::UNPROCESSABLE_ENTITY).await);
    assert_eq!(errors[0].0, "steps");
    assert!(errors[0].1.contains("at most 20"), "{errors:?}");
}

#[tokio::test]
async fn invalid_wait_for_and_cookies_are_refused() {
    let app = spawn_app().await;
    let mut body = monitor_body();
    body["wait_for"] = json!("60000");
    body["cookies"] = json!([{"name": "session", "value": "has space"}]);
    let response = app.create_monitor(&app.alice, &body).await;
    let errors = field_errors(&expect_json(response, StatusCode::UNPROCESSABLE_ENTITY).await);
    let fields: Vec<&str> = errors.iter().map(|(field, _)| field.as_str()).collect();
    assert_eq!(fields, ["wait_for", "cookies"]);
    assert!(
        !errors[1].1.contains("has space"),
        "the value is echoed: {errors:?}"
    );
}

#[tokio::test]
async fn a_preview_sends_the_render_options_with_stored_secrets_opened() {
    let app = spawn_app().await;
    let created = rendered_monitor(&app).await;
    let id = created["id"].as_str().unwrap();
    let preview = expect_json(
        app.post(
            &app.alice,
            "/api/v1/preview",
            &json!({
                "url": "https://93.184.215.14/account",
                "monitor_id": id,
                "render": true,
                "wait_for": "#balance",
                "cookies": created["cookies"],
                "steps": created["steps"],
            }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(preview["outcome"], "ok");
    let fetches = app.browser.fetches.lock().unwrap().clone();
    let sent = &fetches[0];
    assert_eq!(sent.wait_for, "#balance");
    assert_eq!(sent.cookies[0].name, "session");
    assert_eq!(sent.cookies[0].value, "open-sesame");
    let fills: Vec<&str> = sent
        .steps
        .iter()
        .filter(|step| step.action == "fill")
        .map(|step| step.value.as_str())
        .collect();
    assert_eq!(fills, ["ann", "hunter2"]);
    assert_eq!(sent.steps[4].value, "Escape");
    assert_eq!(sent.steps[5].ms, 500);
}

#[tokio::test]
async fn cookie_and_fill_values_under_a_retired_key_are_resealed_when_the_gateway_starts() {
    let app = spawn_app().await;
    let created = rendered_monitor(&app).await;
    let id = created["id"].as_str().unwrap();
    let old_spec = format!("k1:{}", secret_box::generate_key());
    let old = SecretBox::parse(&old_spec).unwrap();
    let cookie =
        RequestHeader::seal_for(&old, COOKIE_PURPOSE, "session".to_owned(), "old-session").unwrap();
    let step = StoredStep {
        action: "fill".to_owned(),
        selector: Some("#password".to_owned()),
        text: None,
        secret: Some(old.seal(STEP_PURPOSE, "old-password").unwrap()),
        ms: None,
    };
    app.database()
        .await
        .execute(
            "UPDATE monitors SET cookies = $2, steps = $3 WHERE id = $1::text::uuid",
            &[
                &id,
                &serde_json::to_value([&cookie]).unwrap(),
                &serde_json::to_value([&step]).unwrap(),
            ],
        )
        .await
        .unwrap();

    let rotated =
        SecretBox::parse(&format!("k2:{},{old_spec}", secret_box::generate_key())).unwrap();
    let redis = test_support::redis::throwaway_url().await;
    let mut config = crate::harness::config(&app.database.url, &redis, crate::harness::NO_PEERS);
    config.secret_box = rotated.clone();
    let restarted = crate::harness::start(config).await;

    let (cookies, steps, _) = stored(&app, id).await;
    assert!(cookies[0].value.is_sealed_by("k2"), "{cookies:?}");
    assert!(
        steps[0].secret.as_deref().unwrap().starts_with("k2:"),
        "{steps:?}"
    );
    assert_eq!(
        cookies[0]
            .open_for(&rotated, COOKIE_PURPOSE)
            .unwrap()
            .expose_secret(),
        "old-session"
    );
    assert_eq!(
        rotated
            .open(STEP_PURPOSE, steps[0].secret.as_deref().unwrap())
            .unwrap()
            .expose_secret(),
        "old-password"
    );
    drop(restarted);
}
