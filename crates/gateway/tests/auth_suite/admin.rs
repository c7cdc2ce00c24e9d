//! Administration: only users in ADMIN_EMAILS, everyone else 403.

use reqwest::{Method, StatusCode};

use crate::support::{ADMIN, spawn_app, status_and_body};

const ADMIN_ROUTES: [&str; 4] = [
    "/api/v1/admin/system-health",
    "/api/v1/admin/usage",
    "/api/v1/admin/audit",
    "/api/v1/admin/audit?action=sign_in",
];

#[tokio::test]
async fn a_non_admin_gets_403_on_every_admin_route() {
    let app = spawn_app().await;
    let user = app.sign_in("alice@example.com").await;
    let before = app.snapshot().await;
    for route in ADMIN_ROUTES {
        let response = app
            .bearer(user.access_token(), Method::GET, route, None)
            .await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{route}");
        let anonymous = app.client.get(app.url(route)).send().await.unwrap();
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED, "{route}");
    }
    assert_eq!(app.snapshot().await, before);
    assert!(
        !app.audit_actions()
            .await
            .contains(&"admin.viewed".to_owned())
    );
}

#[tokio::test]
async fn an_admin_sees_health_usage_and_the_audit_trail() {
    let app = spawn_app().await;
    app.sign_in("alice@example.com").await;
    let admin = app.sign_in(ADMIN).await;
    let token = admin.access_token();
    let (_, me) = status_and_body(app.bearer(token, Method::GET, "/api/v1/me", None).await).await;
    assert_eq!(me["is_admin"], true);

    let (status, health) =
        status_and_body(app.bearer(token, Method::GET, ADMIN_ROUTES[0], None).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(health["dependencies"]["database"]["status"], "up");
    assert_eq!(health["dependencies"]["redis"]["status"], "up");
    assert!(health["dependencies"]["database"]["latency_ms"].is_number());
    // No internal service runs in this test: they are reported down, not hidden.
    assert_eq!(health["dependencies"]["browser"]["status"], "down");
    assert_eq!(health["status"], "degraded");

    let (status, usage) =
        status_and_body(app.bearer(token, Method::GET, ADMIN_ROUTES[1], None).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(usage["users"], 2);
    assert!(usage["database_size_bytes"].as_i64().unwrap() > 0);

    let (status, audit) = status_and_body(
        app.bearer(
            token,
            Method::GET,
            "/api/v1/admin/audit?action=sign_in&limit=1",
            None,
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(audit["items"].as_array().unwrap().len(), 1);
    assert_eq!(audit["items"][0]["action"], "sign_in");
    let cursor = audit["next_cursor"].as_str().unwrap();
    let (_, page) = status_and_body(
        app.bearer(
            token,
            Method::GET,
            &format!("/api/v1/admin/audit?action=sign_in&limit=1&cursor={cursor}"),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(page["items"][0]["action"], "sign_in");
    assert_ne!(page["items"][0]["id"], audit["items"][0]["id"]);
    assert!(
        app.audit_actions()
            .await
            .contains(&"admin.viewed".to_owned())
    );
}
