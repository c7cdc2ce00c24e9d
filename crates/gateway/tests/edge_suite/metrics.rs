//! Prometheus metrics on their own listener.

use crate::support::{spawn, spawn_with, token};

#[tokio::test]
async fn metrics_are_served_on_their_own_port_by_route_template() {
    let app =
        spawn_with(|config| config.edge.metrics_addr = Some("127.0.0.1:0".parse().unwrap())).await;
    let alice = token(&app).await;
    let response = app
        .client
        .get(app.url("/api/v1/monitors/00000000-0000-4000-8000-000000000000"))
        .bearer_auth(&alice)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let port = app.metrics_port.unwrap();
    let text = app
        .client
        .get(format!("http://127.0.0.1:{port}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains(r#"lookout_http_requests_total{method="GET",route="/api/v1/monitors/{id}",status="404"}"#),
        "{text}"
    );
    assert!(text.contains("lookout_http_request_duration_seconds_bucket"));
    assert!(text.contains("lookout_rate_limit_fallback"));
}

#[tokio::test]
async fn the_public_listener_does_not_serve_metrics() {
    let app = spawn().await;
    let response = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn unjudged_checks_are_counted_by_reason() {
    let app =
        spawn_with(|config| config.edge.metrics_addr = Some("127.0.0.1:0".parse().unwrap())).await;
    app.database()
        .await
        .batch_execute(
            "INSERT INTO teams (id, name) VALUES ('00000000-0000-4000-8000-0000000000aa', 'metrics');
             INSERT INTO monitors (id, team_id, name, url, interval_seconds)
             VALUES ('00000000-0000-4000-8000-0000000000bb', '00000000-0000-4000-8000-0000000000aa',
                     'm', 'https://example.test/', 60);
             INSERT INTO checks (id, monitor_id, team_id, reason, status, unjudged_reason,
                                 started_at, finished_at)
             SELECT gen_random_uuid(), '00000000-0000-4000-8000-0000000000bb',
                    '00000000-0000-4000-8000-0000000000aa', 'schedule', 'judge_unavailable',
                    reason, now(), now()
               FROM unnest(ARRAY['timeout', 'timeout', 'invalid_answer']) AS reason;",
        )
        .await
        .unwrap();
    let port = app.metrics_port.unwrap();
    let text = app
        .client
        .get(format!("http://127.0.0.1:{port}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains(r#"lookout_checks_unjudged{reason="timeout"} 2"#),
        "{text}"
    );
    assert!(text.contains(r#"lookout_checks_unjudged{reason="invalid_answer"} 1"#));
}
