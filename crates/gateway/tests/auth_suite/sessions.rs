//! Refresh rotation, reuse detection, logout, session revocation, CSRF.

use std::sync::Arc;

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::{Browser, ORIGIN, spawn_app, status_and_body};

#[tokio::test]
async fn a_refresh_rotates_the_token_and_renews_the_session_cookie() {
    let app = spawn_app().await;
    let mut browser = app.sign_in("alice@example.com").await;
    let first_refresh = browser.cookie("lookout_refresh").to_owned();
    let csrf = browser.cookie("lookout_csrf").to_owned();
    let response = app.refresh(&browser).await;
    browser.absorb(&response);
    let (status, body) = status_and_body(response).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body["expires_in"].as_u64().unwrap() > 800);
    assert_ne!(browser.cookie("lookout_refresh"), first_refresh);
    // The CSRF token stays: requests sent before the refresh still pass.
    assert_eq!(browser.cookie("lookout_csrf"), csrf);
    let me = app
        .bearer(browser.access_token(), Method::GET, "/api/v1/me", None)
        .await;
    assert_eq!(me.status(), StatusCode::OK);
}

#[tokio::test]
async fn fifty_parallel_refreshes_with_one_token_let_exactly_one_through() {
    let app = Arc::new(spawn_app().await);
    let browser = app.sign_in("alice@example.com").await;
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let app = app.clone();
        let browser = browser.clone();
        tasks.push(tokio::spawn(
            async move { app.refresh(&browser).await.status() },
        ));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    let ok = statuses
        .iter()
        .filter(|status| **status == StatusCode::OK)
        .count();
    assert_eq!(ok, 1, "{statuses:?}");
    assert!(
        statuses
            .iter()
            .all(|status| *status == StatusCode::OK || *status == StatusCode::UNAUTHORIZED)
    );
}

#[tokio::test]
async fn reusing_a_rotated_refresh_token_revokes_the_whole_family() {
    let app = spawn_app().await;
    let stolen = app.sign_in("alice@example.com").await;
    // The legitimate browser refreshes first.
    let mut legitimate = stolen.clone();
    let response = app.refresh(&legitimate).await;
    assert_eq!(response.status(), StatusCode::OK);
    legitimate.absorb(&response);
    // The thief replays the rotated token: refused, and the session dies.
    let before = app.snapshot().await;
    let response = app.refresh(&stolen).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let after = app.snapshot().await;
    assert_ne!(after, before, "the session is revoked");
    // The legitimate browser's new refresh token and access token are dead too.
    assert_eq!(
        app.refresh(&legitimate).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let me = app
        .bearer(legitimate.access_token(), Method::GET, "/api/v1/me", None)
        .await;
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
    assert!(
        app.audit_actions()
            .await
            .contains(&"session.refresh_reuse".to_owned())
    );
}

#[tokio::test]
async fn logout_revokes_the_session_and_denylists_the_access_token() {
    let app = spawn_app().await;
    let browser = app.sign_in("alice@example.com").await;
    let token = browser.access_token().to_owned();
    let response = app
        .browser_request(&browser, Method::POST, "/auth/logout")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let cleared = crate::support::set_cookie_line(&response, "lookout_session");
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    let before = app.snapshot().await;
    // The access token still verifies cryptographically, but is denylisted.
    let me = app.bearer(&token, Method::GET, "/api/v1/me", None).await;
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
    let write = app
        .bearer(
            &token,
            Method::POST,
            "/api/v1/teams",
            Some(&json!({"name": "x"})),
        )
        .await;
    assert_eq!(write.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.refresh(&browser).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.snapshot().await, before);
    assert!(app.audit_actions().await.contains(&"sign_out".to_owned()));
}

#[tokio::test]
async fn sessions_are_listed_and_revocable_by_their_owner_only() {
    let app = spawn_app().await;
    let laptop = app.sign_in("alice@example.com").await;
    let phone = app.sign_in("alice@example.com").await;
    let bob = app.sign_in("bob@example.com").await;
    let response = app
        .bearer(laptop.access_token(), Method::GET, "/api/v1/sessions", None)
        .await;
    let (status, body) = status_and_body(response).await;
    assert_eq!(status, StatusCode::OK);
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(
        items.iter().filter(|item| item["current"] == true).count(),
        1
    );
    let phone_session = items.iter().find(|item| item["current"] == false).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Bob cannot revoke Alice's session: 404, nothing changes.
    let before = app.snapshot().await;
    let response = app
        .bearer(
            bob.access_token(),
            Method::DELETE,
            &format!("/api/v1/sessions/{phone_session}"),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.snapshot().await, before);
    // Alice can, and the phone is signed out at once.
    let response = app
        .bearer(
            laptop.access_token(),
            Method::DELETE,
            &format!("/api/v1/sessions/{phone_session}"),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let me = app
        .bearer(phone.access_token(), Method::GET, "/api/v1/me", None)
        .await;
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.refresh(&phone).await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn cookie_authenticated_writes_need_our_origin_and_the_csrf_token() {
    let app = spawn_app().await;
    let browser = app.sign_in("alice@example.com").await;
    let body = json!({"name": "Team via cookie"});
    let csrf = browser.cookie("lookout_csrf").to_owned();
    let cookie = browser.header();
    let cases: Vec<(&str, Vec<(&str, String)>)> = vec![
        ("no origin, no token", vec![]),
        ("our origin, no token", vec![("origin", ORIGIN.to_owned())]),
        (
            "foreign origin, right token",
            vec![
                ("origin", "https://evil.example".to_owned()),
                ("x-csrf-token", csrf.clone()),
            ],
        ),
        (
            "null origin, right token",
            vec![
                ("origin", "null".to_owned()),
                ("x-csrf-token", csrf.clone()),
            ],
        ),
        (
            "foreign referer, right token",
            vec![
                ("referer", "https://evil.example/page".to_owned()),
                ("x-csrf-token", csrf.clone()),
            ],
        ),
        (
            "our origin, wrong token",
            vec![
                ("origin", ORIGIN.to_owned()),
                ("x-csrf-token", "0".repeat(64)),
            ],
        ),
        (
            "no origin, right token",
            vec![("x-csrf-token", csrf.clone())],
        ),
    ];
    for (case, headers) in cases {
        let before = app.snapshot().await;
        for path in ["/api/v1/teams", "/auth/refresh"] {
            let mut request = app
                .client
                .post(app.url(path))
                .header("cookie", &cookie)
                .json(&body);
            for (name, value) in &headers {
                request = request.header(*name, value);
            }
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), StatusCode::FORBIDDEN, "{case}: {path}");
        }
        assert_eq!(app.snapshot().await, before, "{case}");
    }
    // Reads need no token; a same-origin write with the token passes; a
    // Bearer request is not a CSRF vector and needs neither.
    let read = app
        .client
        .get(app.url("/api/v1/teams"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), StatusCode::OK);
    let write = app
        .browser_request(&browser, Method::POST, "/api/v1/teams")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(write.status(), StatusCode::CREATED);
    let referer = app
        .client
        .post(app.url("/api/v1/teams"))
        .header("cookie", &cookie)
        .header("referer", format!("{ORIGIN}/#/teams"))
        .header("x-csrf-token", &csrf)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(referer.status(), StatusCode::CREATED);
    let bearer = app
        .bearer(
            browser.access_token(),
            Method::POST,
            "/api/v1/teams",
            Some(&body),
        )
        .await;
    assert_eq!(bearer.status(), StatusCode::CREATED);
}

/// A refresh leaves the earlier access token valid until it expires; the
/// session's end must end it too, not only the latest one.
async fn signed_in_and_refreshed(app: &crate::support::TestApp) -> (Browser, String) {
    let mut browser = app.sign_in("alice@example.com").await;
    let earlier = browser.access_token().to_owned();
    let response = app.refresh(&browser).await;
    assert_eq!(response.status(), StatusCode::OK);
    browser.absorb(&response);
    assert_ne!(browser.access_token(), earlier);
    let me = app.bearer(&earlier, Method::GET, "/api/v1/me", None).await;
    assert_eq!(me.status(), StatusCode::OK, "valid until the session ends");
    (browser, earlier)
}

async fn assert_refused(app: &crate::support::TestApp, tokens: [&str; 2]) {
    for (which, token) in ["earlier", "latest"].into_iter().zip(tokens) {
        let me = app.bearer(token, Method::GET, "/api/v1/me", None).await;
        assert_eq!(me.status(), StatusCode::UNAUTHORIZED, "{which} token");
    }
}

#[tokio::test]
async fn a_token_issued_before_a_refresh_is_refused_after_logout() {
    let app = spawn_app().await;
    let (browser, earlier) = signed_in_and_refreshed(&app).await;
    let response = app
        .browser_request(&browser, Method::POST, "/auth/logout")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_refused(&app, [&earlier, browser.access_token()]).await;
}

#[tokio::test]
async fn a_token_issued_before_a_refresh_is_refused_once_its_session_is_revoked() {
    let app = spawn_app().await;
    let (phone, earlier) = signed_in_and_refreshed(&app).await;
    let laptop = app.sign_in("alice@example.com").await;
    let sessions = app
        .bearer(laptop.access_token(), Method::GET, "/api/v1/sessions", None)
        .await;
    let (_, body) = status_and_body(sessions).await;
    let phone_session = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item["current"] == false)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let response = app
        .bearer(
            laptop.access_token(),
            Method::DELETE,
            &format!("/api/v1/sessions/{phone_session}"),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_refused(&app, [&earlier, phone.access_token()]).await;
}

#[tokio::test]
async fn refresh_token_reuse_refuses_every_access_token_of_the_session() {
    let app = spawn_app().await;
    let stolen = app.sign_in("alice@example.com").await;
    let stolen_access = stolen.access_token().to_owned();
    let mut legitimate = stolen.clone();
    let response = app.refresh(&legitimate).await;
    legitimate.absorb(&response);
    assert_eq!(
        app.refresh(&stolen).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_refused(&app, [&stolen_access, legitimate.access_token()]).await;
}

#[tokio::test]
async fn a_signed_out_page_asking_for_a_refresh_is_told_it_is_not_signed_in() {
    let app = spawn_app().await;
    // What the UI sends on a page load before anyone signed in: no cookies,
    // no CSRF token; same origin, then no origin at all.
    for origin in [Some(ORIGIN), None] {
        let mut request = app.client.post(app.url("/auth/refresh"));
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        let response = request.send().await.unwrap();
        let (status, body) = status_and_body(response).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "origin {origin:?}: {body}"
        );
        assert_eq!(body["error"]["code"], "unauthorized", "{body}");
    }
}
