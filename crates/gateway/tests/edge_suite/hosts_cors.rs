//! TRUSTED_HOSTS and CORS.

use crate::support::{expect_error, spawn_with};
use gateway::edge::settings::CorsOrigins;

#[tokio::test]
async fn a_request_for_another_host_gets_400_and_a_listed_host_passes() {
    let app = spawn_with(|config| {
        config.edge.trusted_hosts = vec!["lookout.example.com".to_owned()];
    })
    .await;
    let response = app.client.get(app.url("/api/v1/me")).send().await.unwrap();
    expect_error(response, 400, "bad_request").await;

    let response = app
        .client
        .get(app.url("/api/v1/me"))
        .header("host", "lookout.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401, "past the host check");

    // Orchestrator probes address replicas by IP.
    let probe = app.client.get(app.url("/health")).send().await.unwrap();
    assert_eq!(probe.status(), 200);
}

#[tokio::test]
async fn cors_answers_listed_origins_with_credentials_and_ignores_others() {
    let app = spawn_with(|config| {
        config.edge.cors_origins = CorsOrigins::List(vec!["https://app.example.com".to_owned()]);
    })
    .await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/api/v1/monitors"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization,content-type",
            )
            .send()
    };
    let allowed = preflight("https://app.example.com").await.unwrap();
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://app.example.com"
    );
    assert_eq!(
        allowed.headers()["access-control-allow-credentials"],
        "true"
    );

    let refused = preflight("https://evil.example").await.unwrap();
    assert!(
        !refused
            .headers()
            .contains_key("access-control-allow-origin")
    );
}

#[tokio::test]
async fn without_cors_origins_no_cors_headers_are_sent() {
    let app = spawn_with(|_| {}).await;
    let response = app
        .client
        .get(app.url("/health"))
        .header("origin", "https://app.example.com")
        .send()
        .await
        .unwrap();
    assert!(
        !response
            .headers()
            .contains_key("access-control-allow-origin")
    );
}
