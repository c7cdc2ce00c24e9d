//! Body size, timeout, load shedding and the error format of each status.

use std::time::Duration;

use crate::support::{expect_error, spawn, spawn_with, token};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Opens a POST that announces a body and sends one byte of it, then waits.
/// Returns the connection; the response (if any) can be read from it.
async fn stalled_post(app: &crate::support::TestApp, token: &str) -> TcpStream {
    let address = app.address.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST /api/v1/teams HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream
}

/// The status line and headers of the answer on `stream`.
async fn read_head(stream: &mut TcpStream) -> String {
    let mut buffer = vec![0; 4096];
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buffer))
        .await
        .unwrap()
        .unwrap();
    String::from_utf8_lossy(&buffer[..read]).into_owned()
}

#[tokio::test]
async fn a_body_over_the_routes_limit_gets_413_before_it_is_read() {
    let app = spawn().await;
    let token = token(&app).await;
    let body = format!("{{\"name\": \"{}\"}}", "x".repeat(40 * 1024));
    let response = app
        .client
        .post(app.url("/api/v1/teams"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    expect_error(response, 413, "payload_too_large").await;

    // Monitors may be larger: the same size is only a validation matter there.
    let response = app
        .client
        .post(app.url("/api/v1/monitors"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
}

#[tokio::test]
async fn a_request_slower_than_the_timeout_gets_408() {
    let app = spawn_with(|config| config.edge.request_timeout = Duration::from_millis(300)).await;
    let token = token(&app).await;
    let mut stream = stalled_post(&app, &token).await;
    let head = read_head(&mut stream).await;
    assert!(head.starts_with("HTTP/1.1 408"), "{head}");
    assert!(head.contains("\"code\":\"request_timeout\""), "{head}");
}

#[tokio::test]
async fn requests_past_the_concurrency_limit_are_shed_with_503() {
    let app = spawn_with(|config| config.edge.max_concurrent_requests = 1).await;
    let token = token(&app).await;
    let _stalled = stalled_post(&app, &token).await;
    // Wait until the stalled request holds the only permit.
    let mut shed = None;
    for _ in 0..100 {
        let response = app.client.get(app.url("/health")).send().await.unwrap();
        if response.status() == 503 {
            shed = Some(response);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    expect_error(shed.expect("a request was shed"), 503, "overloaded").await;
}

#[tokio::test]
async fn every_client_error_has_the_one_json_format() {
    let app = spawn().await;
    let token = token(&app).await;
    let client = &app.client;
    let response = client
        .post(app.url("/api/v1/teams"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    let body = expect_error(response, 400, "bad_request").await;
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("malformed JSON")
    );

    let response = client.get(app.url("/api/v1/me")).send().await.unwrap();
    expect_error(response, 401, "unauthorized").await;

    let response = client
        .get(app.url("/api/v1/monitors/00000000-0000-4000-8000-000000000000"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    expect_error(response, 404, "not_found").await;

    let response = client
        .put(app.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    expect_error(response, 405, "method_not_allowed").await;

    let response = client
        .post(app.url("/api/v1/teams"))
        .bearer_auth(&token)
        .header("content-type", "text/plain")
        .body("name=x")
        .send()
        .await
        .unwrap();
    expect_error(response, 415, "unsupported_media_type").await;

    let response = client
        .post(app.url("/api/v1/teams"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"name": ""}))
        .send()
        .await
        .unwrap();
    let body = expect_error(response, 422, "validation_failed").await;
    assert_eq!(body["error"]["fields"][0]["field"], "name");
}
