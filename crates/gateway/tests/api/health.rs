use reqwest::StatusCode;

use crate::helpers::{expect_json, spawn_app, spawn_app_with};

#[tokio::test]
async fn health_is_public() {
    let app = spawn_app().await;
    let response = app.client.get(app.url("/health")).send().await.unwrap();
    let body = expect_json(response, StatusCode::OK).await;
    assert_eq!(body["status"], "ok");
}

#[tokio::test]
async fn ready_is_200_when_every_dependency_answers() {
    let app = spawn_app().await;
    let response = app.client.get(app.url("/ready")).send().await.unwrap();
    let body = expect_json(response, StatusCode::OK).await;
    for dependency in ["database", "browser", "llm", "notify"] {
        assert_eq!(body["dependencies"][dependency]["status"], "up", "{body}");
    }
}

#[tokio::test]
async fn ready_reports_a_down_dependency_with_503() {
    let browser_port = test_support::ports::free_port();
    let redis_port = test_support::ports::free_port();
    let app = spawn_app_with(|config| {
        config.browser_url = format!("http://127.0.0.1:{browser_port}");
        config.redis_url = secrecy::SecretString::from(format!("redis://127.0.0.1:{redis_port}"));
    })
    .await;
    let response = app.client.get(app.url("/ready")).send().await.unwrap();
    let body = expect_json(response, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(body["status"], "not_ready");
    assert_eq!(body["dependencies"]["browser"]["status"], "down");
    assert_eq!(body["dependencies"]["redis"]["status"], "down");
    assert_eq!(body["dependencies"]["database"]["status"], "up");
    assert_eq!(body["dependencies"]["notify"]["status"], "up");
}

#[tokio::test]
async fn a_well_formed_request_id_is_echoed_and_a_bad_one_replaced() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/health"))
        .header("x-request-id", "client-abc.123")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "client-abc.123");
    let response = app
        .client
        .get(app.url("/health"))
        .header("x-request-id", "bad id with spaces")
        .send()
        .await
        .unwrap();
    let generated = response.headers()["x-request-id"].to_str().unwrap();
    assert!(uuid::Uuid::parse_str(generated).is_ok(), "{generated}");
}
