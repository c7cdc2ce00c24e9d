//! Headers every response carries, and the ones that depend on the route.

use crate::support::{expect_error, spawn, spawn_with, token};

#[tokio::test]
async fn every_response_carries_the_security_headers_request_id_and_process_time() {
    let app = spawn().await;
    for path in ["/health", "/api/v1/me", "/api/v1/nothing-here", "/docs"] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        let headers = response.headers();
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
        assert_eq!(
            headers["referrer-policy"], "strict-origin-when-cross-origin",
            "{path}"
        );
        assert!(
            headers["permissions-policy"]
                .to_str()
                .unwrap()
                .contains("camera=()")
        );
        assert!(headers.contains_key("x-request-id"), "{path}");
        let seconds: f64 = headers["x-process-time"].to_str().unwrap().parse().unwrap();
        assert!(seconds >= 0.0);
        assert!(
            !headers.contains_key("strict-transport-security"),
            "plain HTTP: no HSTS"
        );
    }
}

#[tokio::test]
async fn api_responses_are_never_cached_and_probes_may_be() {
    let app = spawn().await;
    let token = token(&app).await;
    let me = app
        .client
        .get(app.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    assert_eq!(me.headers()["cache-control"], "no-store");
    let health = app.client.get(app.url("/health")).send().await.unwrap();
    assert!(!health.headers().contains_key("cache-control"));
}

#[tokio::test]
async fn hsts_is_sent_only_when_a_trusted_proxy_says_the_client_used_https() {
    let trusted = spawn_with(|config| {
        config.edge.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let response = trusted
        .client
        .get(trusted.url("/health"))
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .unwrap();
    assert!(
        response.headers()["strict-transport-security"]
            .to_str()
            .unwrap()
            .starts_with("max-age=")
    );

    let untrusted = spawn().await;
    let response = untrusted
        .client
        .get(untrusted.url("/health"))
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .unwrap();
    assert!(!response.headers().contains_key("strict-transport-security"));
}

#[tokio::test]
async fn a_well_formed_request_id_is_kept_and_named_in_errors() {
    let app = spawn().await;
    let response = app
        .client
        .get(app.url("/api/v1/me"))
        .header("x-request-id", "trace-me-42")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "trace-me-42");
    let body = expect_error(response, 401, "unauthorized").await;
    assert_eq!(body["error"]["request_id"], "trace-me-42");
}

#[tokio::test]
async fn the_web_ui_is_served_with_a_strict_csp_and_api_paths_stay_json() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("index.html"),
        "<!doctype html><title>Lookout</title>",
    )
    .unwrap();
    std::fs::write(dir.path().join("app.js"), "console.log(1)").unwrap();
    let path = dir.path().to_owned();
    let app = spawn_with(move |config| config.edge.web_dist_dir = Some(path)).await;

    let index = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(index.status(), 200);
    let csp = index.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline"));

    // Client-side routes get the app shell.
    let deep = app
        .client
        .get(app.url("/monitors/123"))
        .send()
        .await
        .unwrap();
    assert_eq!(deep.status(), 200);
    assert!(deep.text().await.unwrap().contains("<title>Lookout"));

    let script = app.client.get(app.url("/app.js")).send().await.unwrap();
    assert_eq!(script.status(), 200);

    let api = app
        .client
        .get(app.url("/api/v1/unknown"))
        .send()
        .await
        .unwrap();
    expect_error(api, 404, "not_found").await;
}
