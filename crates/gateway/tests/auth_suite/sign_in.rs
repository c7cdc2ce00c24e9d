//! The OAuth/OpenID flow through the development provider: state, code,
//! nonce, email verification, domains, open redirects.

use dev_idp::scripted::SignInForm;
use reqwest::StatusCode;
use serde_json::Value;

use crate::support::{
    Browser, REDIRECT_URI, TestApp, location, set_cookie_line, spawn_app, spawn_app_with,
    status_and_body,
};

#[tokio::test]
async fn signing_in_creates_the_user_a_personal_team_and_a_session_with_safe_cookies() {
    let app = spawn_app().await;
    let started = app.start_sign_in(Some("/#/monitors")).await;
    // The provider is asked for PKCE S256, a state and a nonce, for us.
    let url = &started.authorize_url;
    let param = |name: &str| crate::support::query_value(url, name);
    assert_eq!(param("code_challenge_method").as_deref(), Some("S256"));
    assert!(param("code_challenge").is_some() && param("nonce").is_some());
    assert_eq!(param("redirect_uri").as_deref(), Some(REDIRECT_URI));
    assert!(!started.browser.cookie("lookout_oauth_state").is_empty());

    let answer = app
        .provider_answer(url, &SignInForm::new("Grace@Example.com"))
        .await;
    let response = app
        .callback(
            &started.browser,
            &[("code", &answer.code), ("state", &answer.state)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/#/monitors");
    let session = set_cookie_line(&response, "lookout_session");
    assert!(
        session.contains("HttpOnly")
            && session.contains("SameSite=Lax")
            && session.contains("Path=/;"),
        "{session}"
    );
    // Served over plain http in this test, so not Secure (browsers would drop it).
    assert!(!session.contains("Secure"), "{session}");
    let refresh = set_cookie_line(&response, "lookout_refresh");
    assert!(
        refresh.contains("HttpOnly") && refresh.contains("Path=/auth;"),
        "{refresh}"
    );
    let csrf = set_cookie_line(&response, "lookout_csrf");
    assert!(
        !csrf.contains("HttpOnly") && csrf.contains("SameSite=Lax"),
        "{csrf}"
    );

    let mut browser = started.browser;
    browser.absorb(&response);
    let me = app
        .browser_request(&browser, reqwest::Method::GET, "/api/v1/me")
        .send()
        .await
        .unwrap();
    let (status, me) = status_and_body(me).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["email"], "grace@example.com");
    assert_eq!(me["is_admin"], false);
    assert_eq!(me["teams"][0]["personal"], true);
    // A second sign-in reuses the account.
    app.sign_in("grace@example.com").await;
    let client = app.database().await;
    let users: i64 = client
        .query_one("SELECT count(*) FROM users", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(users, 1);
    assert!(app.audit_actions().await.contains(&"sign_in".to_owned()));
}

/// Runs a refused callback and checks that nothing but the audit trail changed.
async fn assert_callback_refused(
    app: &TestApp,
    browser: &Browser,
    query: &[(&str, &str)],
    status: StatusCode,
    case: &str,
) {
    let before = app.snapshot().await;
    let response = app.callback(browser, query).await;
    let (actual, body) = status_and_body(response).await;
    assert_eq!(actual, status, "{case}: {body}");
    assert!(body["error"]["code"].is_string(), "{case}: {body}");
    assert_eq!(app.snapshot().await, before, "{case}: the database changed");
}

#[tokio::test]
async fn a_missing_mismatched_or_reused_state_is_refused_before_the_code_is_redeemed() {
    let app = spawn_app().await;
    let started = app.start_sign_in(None).await;
    let answer = app
        .provider_answer(
            &started.authorize_url,
            &SignInForm::new("alice@example.com"),
        )
        .await;
    let other = app.start_sign_in(None).await;
    let code = answer.code.as_str();
    let state = answer.state.as_str();
    let no_cookie = Browser::default();

    type Case<'a> = (&'a str, &'a Browser, Vec<(&'a str, &'a str)>);
    let cases: Vec<Case> = vec![
        ("state missing", &started.browser, vec![("code", code)]),
        (
            "state empty",
            &started.browser,
            vec![("code", code), ("state", "")],
        ),
        (
            "state not from this browser",
            &other.browser,
            vec![("code", code), ("state", state)],
        ),
        (
            "no state cookie",
            &no_cookie,
            vec![("code", code), ("state", state)],
        ),
        (
            "state unknown to the server",
            &started.browser,
            vec![("code", code), ("state", "forged-state")],
        ),
    ];
    for (case, browser, query) in &cases {
        assert_callback_refused(&app, browser, query, StatusCode::BAD_REQUEST, case).await;
    }
    // None of these redeemed the code: the genuine callback still works.
    let response = app
        .callback(&started.browser, &[("code", code), ("state", state)])
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    // The same state again is a replay.
    assert_callback_refused(
        &app,
        &started.browser,
        &[("code", code), ("state", state)],
        StatusCode::BAD_REQUEST,
        "state reused",
    )
    .await;
}

#[tokio::test]
async fn a_code_redeemed_once_is_refused_the_second_time() {
    let app = spawn_app().await;
    let first = app.start_sign_in(None).await;
    let answer = app
        .provider_answer(&first.authorize_url, &SignInForm::new("alice@example.com"))
        .await;
    let response = app
        .callback(
            &first.browser,
            &[("code", &answer.code), ("state", &answer.state)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    // An attacker who saw the code starts their own attempt and replays it.
    let second = app.start_sign_in(None).await;
    let state = crate::support::query_value(&second.authorize_url, "state").unwrap();
    assert_callback_refused(
        &app,
        &second.browser,
        &[("code", &answer.code), ("state", &state)],
        StatusCode::UNAUTHORIZED,
        "code reused",
    )
    .await;
}

#[tokio::test]
async fn an_id_token_for_another_nonce_is_refused() {
    let app = spawn_app().await;
    let started = app.start_sign_in(None).await;
    // The provider is asked for a different nonce than the one we stored.
    let mut tampered = started.authorize_url.clone();
    let pairs: Vec<(String, String)> = tampered
        .query_pairs()
        .map(|(key, value)| {
            let value = if key == "nonce" {
                "attacker-nonce".to_owned()
            } else {
                value.into_owned()
            };
            (key.into_owned(), value)
        })
        .collect();
    tampered.query_pairs_mut().clear().extend_pairs(pairs);
    let answer = app
        .provider_answer(&tampered, &SignInForm::new("alice@example.com"))
        .await;
    assert_callback_refused(
        &app,
        &started.browser,
        &[("code", &answer.code), ("state", &answer.state)],
        StatusCode::UNAUTHORIZED,
        "nonce mismatched",
    )
    .await;
}

async fn refused_sign_in(app: &TestApp, form: &SignInForm, status: StatusCode, case: &str) {
    let started = app.start_sign_in(None).await;
    let answer = app.provider_answer(&started.authorize_url, form).await;
    assert_callback_refused(
        app,
        &started.browser,
        &[("code", &answer.code), ("state", &answer.state)],
        status,
        case,
    )
    .await;
}

#[tokio::test]
async fn an_unverified_or_unstated_email_is_refused() {
    let app = spawn_app().await;
    let mut unverified = SignInForm::new("alice@example.com");
    unverified.email_verified = false;
    refused_sign_in(
        &app,
        &unverified,
        StatusCode::FORBIDDEN,
        "email_verified false",
    )
    .await;
    let mut unstated = SignInForm::new("alice@example.com");
    unstated.omit_email_verified = true;
    refused_sign_in(
        &app,
        &unstated,
        StatusCode::FORBIDDEN,
        "email_verified missing",
    )
    .await;
    let actions = app.audit_actions().await;
    assert_eq!(
        actions
            .iter()
            .filter(|action| *action == "sign_in.refused")
            .count(),
        2
    );
}

#[tokio::test]
async fn only_allowed_domains_hosted_domains_and_listed_emails_sign_in() {
    let app = spawn_app_with(|config| {
        config.identity.allowed_email_domains = vec!["example.com".to_owned()];
        config.identity.allowed_emails = vec!["contractor@freelance.test".to_owned()];
    })
    .await;
    refused_sign_in(
        &app,
        &SignInForm::new("mallory@evil.test"),
        StatusCode::FORBIDDEN,
        "disallowed domain",
    )
    .await;
    let mut wrong_hd = SignInForm::new("mallory@example.com");
    wrong_hd.hosted_domain = Some("evil.test".to_owned());
    refused_sign_in(
        &app,
        &wrong_hd,
        StatusCode::FORBIDDEN,
        "hd of another domain",
    )
    .await;
    // The controls.
    let mut right_hd = SignInForm::new("alice@example.com");
    right_hd.hosted_domain = Some("example.com".to_owned());
    app.sign_in_with(&right_hd).await;
    app.sign_in("contractor@freelance.test").await;
}

#[tokio::test]
async fn a_cancelled_sign_in_is_refused_and_a_browser_is_sent_back_to_the_ui() {
    let app = spawn_app().await;
    let started = app.start_sign_in(None).await;
    let state = crate::support::query_value(&started.authorize_url, "state").unwrap();
    let before = app.snapshot().await;
    let response = app
        .client
        .get(app.url("/auth/google/callback"))
        .query(&[("error", "access_denied"), ("state", &state)])
        .header("cookie", started.browser.header())
        .header("accept", "text/html,application/xhtml+xml")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/?error=access_denied");
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn redirect_targets_off_our_origin_are_refused_at_login() {
    let app = spawn_app().await;
    let attempts = [
        "//evil.example",
        "//evil.example/path",
        "/\\evil.example",
        "\\\\evil.example",
        "/\\/evil.example",
        "https:evil.example",
        "https://evil.example",
        "http://127.0.0.1:8080.evil.example/",
        "javascript:alert(1)",
        "data:text/html,hi",
        "evil.example",
        "/%2F/evil.example",
        "%2F%2Fevil.example",
        "/%5Cevil.example",
        "/%2F%2Fevil.example",
        "/\t/evil.example",
        "/\r\n/evil.example",
        "/%0d%0aLocation:%20https://evil.example",
        "/%09/evil.example",
        "/ /evil.example",
        "//%09evil.example",
        "/\u{3000}/evil.example",
    ];
    for attempt in attempts {
        let before = app.snapshot().await;
        let response = app
            .client
            .get(app.url("/auth/google/login"))
            .query(&[("redirect_to", attempt)])
            .send()
            .await
            .unwrap();
        let (status, body): (StatusCode, Value) = status_and_body(response).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{attempt:?}: {body}");
        assert_eq!(app.snapshot().await, before);
    }
    for local in ["/", "/#/monitors/1", "/%23/settings"] {
        let response = app
            .client
            .get(app.url("/auth/google/login"))
            .query(&[("redirect_to", local)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FOUND, "{local}");
    }
}
