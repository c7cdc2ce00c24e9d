//! Everything the provider must refuse, and how it refuses: never a redirect
//! to an unregistered URI, RFC 6749 errors otherwise.
#![allow(clippy::unwrap_used, reason = "tests may unwrap")]

mod common;

use std::time::Duration;

use common::{
    AuthRequest, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, oauth_error, query_value, spawn_idp,
    spawn_idp_with, test_config,
};
use dev_idp::scripted::{ScriptedBrowser, SignInForm, redirect_location};
use dev_idp::{Application, Config};
use mesh::config::Environment;
use url::Url;

#[tokio::test]
async fn a_reused_code_is_rejected_and_the_first_tokens_stay_valid() {
    let idp = spawn_idp().await;
    let request = AuthRequest::new();
    let code = idp
        .code_for(&request, &SignInForm::new("once@example.com"))
        .await;

    let first = idp.exchange(&code, &request.verifier).await;
    assert_eq!(first.status(), 200);
    let tokens: serde_json::Value = first.json().await.unwrap();

    let second = idp.exchange(&code, &request.verifier).await;
    assert_eq!(second.status(), 400);
    assert_eq!(oauth_error(second).await, "invalid_grant");

    let userinfo = idp
        .http
        .get(idp.url("/userinfo"))
        .bearer_auth(tokens["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(userinfo.status(), 200, "reuse rejects, it revokes nothing");
}

#[tokio::test]
async fn a_wrong_pkce_verifier_is_rejected_and_burns_the_code() {
    let idp = spawn_idp().await;
    let request = AuthRequest::new();
    let code = idp
        .code_for(&request, &SignInForm::new("pkce@example.com"))
        .await;

    let wrong = AuthRequest::new().verifier;
    let response = idp.exchange(&code, &wrong).await;
    assert_eq!(response.status(), 400);
    assert_eq!(oauth_error(response).await, "invalid_grant");

    let retry = idp.exchange(&code, &request.verifier).await;
    assert_eq!(retry.status(), 400, "a code gets one attempt");
}

#[tokio::test]
async fn a_missing_pkce_verifier_is_an_invalid_request() {
    let idp = spawn_idp().await;
    let request = AuthRequest::new();
    let code = idp
        .code_for(&request, &SignInForm::new("pkce@example.com"))
        .await;
    let response = idp
        .http
        .post(idp.url("/token"))
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT_URI),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(oauth_error(response).await, "invalid_request");
}

#[tokio::test]
async fn a_wrong_client_secret_is_answered_with_401_invalid_client() {
    let idp = spawn_idp().await;
    let request = AuthRequest::new();
    let code = idp
        .code_for(&request, &SignInForm::new("secret@example.com"))
        .await;

    let cases: Vec<(&str, reqwest::RequestBuilder)> = vec![
        (
            "wrong basic secret",
            idp.http
                .post(idp.url("/token"))
                .basic_auth(CLIENT_ID, Some("wrong-secret")),
        ),
        (
            "unknown basic client",
            idp.http
                .post(idp.url("/token"))
                .basic_auth("someone-else", Some(CLIENT_SECRET)),
        ),
        ("no authentication", idp.http.post(idp.url("/token"))),
    ];
    for (case, builder) in cases {
        let response = builder
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", REDIRECT_URI),
                ("code_verifier", request.verifier.as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "{case}");
        assert!(
            response.headers().contains_key("www-authenticate"),
            "{case}"
        );
        let body = response.text().await.unwrap();
        assert!(body.contains("invalid_client"), "{case}");
        assert!(
            !body.contains(CLIENT_SECRET),
            "{case}: the secret never appears"
        );
    }

    let post = idp
        .http
        .post(idp.url("/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", request.verifier.as_str()),
            ("client_id", CLIENT_ID),
            ("client_secret", "wrong-secret"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 401);

    // Failed client authentication does not consume the code.
    assert_eq!(idp.exchange(&code, &request.verifier).await.status(), 200);
}

#[tokio::test]
async fn a_code_is_bound_to_its_redirect_uri() {
    let idp = spawn_idp().await;
    let request = AuthRequest::new();
    let code = idp
        .code_for(&request, &SignInForm::new("bound@example.com"))
        .await;
    let response = idp
        .http
        .post(idp.url("/token"))
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", "http://127.0.0.1:9/elsewhere"),
            ("code_verifier", request.verifier.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(oauth_error(response).await, "invalid_grant");
}

#[tokio::test]
async fn unknown_codes_and_grant_types_are_refused_per_rfc_6749() {
    let idp = spawn_idp().await;
    let verifier = AuthRequest::new().verifier;
    let response = idp.exchange("made-up-code", &verifier).await;
    assert_eq!(response.status(), 400);
    assert_eq!(oauth_error(response).await, "invalid_grant");

    let response = idp
        .http
        .post(idp.url("/token"))
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .form(&[
            ("grant_type", "password"),
            ("username", "a"),
            ("password", "b"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(oauth_error(response).await, "unsupported_grant_type");

    let response = idp
        .http
        .post(idp.url("/token"))
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .json(&serde_json::json!({"grant_type": "authorization_code"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(oauth_error(response).await, "invalid_request");
}

#[tokio::test]
async fn an_expired_code_is_rejected() {
    let idp = spawn_idp_with(Config {
        // Expired on arrival: no sleeping needed.
        code_lifetime: Duration::ZERO,
        ..test_config()
    })
    .await;
    let request = AuthRequest::new();
    let code = idp
        .code_for(&request, &SignInForm::new("late@example.com"))
        .await;
    let response = idp.exchange(&code, &request.verifier).await;
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(
        body["error_description"],
        "the authorization code has expired"
    );
}

#[tokio::test]
async fn an_unregistered_client_or_redirect_uri_gets_an_error_page_and_no_redirect() {
    let idp = spawn_idp().await;
    let request = AuthRequest::new();
    let with = |name: &'static str, value: Option<&str>| {
        let mut params: Vec<(&str, String)> = request
            .params()
            .into_iter()
            .filter(|(key, _)| *key != name)
            .collect();
        if let Some(value) = value {
            params.push((name, value.to_owned()));
        }
        idp.authorize_url(&params)
    };
    let cases = [
        (
            "unregistered redirect",
            with("redirect_uri", Some("https://evil.example/callback")),
        ),
        (
            "redirect with a suffix",
            with(
                "redirect_uri",
                Some("http://127.0.0.1:9/auth/google/callback/../x"),
            ),
        ),
        (
            "redirect with extra query",
            with(
                "redirect_uri",
                Some("http://127.0.0.1:9/auth/google/callback?x=1"),
            ),
        ),
        ("missing redirect", with("redirect_uri", None)),
        ("unknown client", with("client_id", Some("evil-client"))),
        ("missing client", with("client_id", None)),
        (
            "repeated redirect",
            format!(
                "{}&redirect_uri=https%3A%2F%2Fevil.example%2Fcb",
                with("state", Some("s"))
            ),
        ),
    ];
    for (case, url) in cases {
        let response = idp.http.get(url).send().await.unwrap();
        assert_eq!(response.status(), 400, "{case}");
        assert!(
            response.headers().get("location").is_none(),
            "{case}: never redirect"
        );
        let html = response.text().await.unwrap();
        assert!(html.contains("cannot continue"), "{case}");
        assert!(!html.contains("evil.example"), "{case}: nothing reflected");
    }
}

#[tokio::test]
async fn missing_state_nonce_or_pkce_is_sent_back_as_invalid_request() {
    let idp = spawn_idp().await;
    let request = AuthRequest::new();
    type Params = Vec<(&'static str, String)>;
    let cases: Vec<(&str, Params, &str)> = {
        let without = |name: &str| -> Vec<(&'static str, String)> {
            request
                .params()
                .into_iter()
                .filter(|(key, _)| *key != name)
                .collect()
        };
        let replacing = |name: &str, value: &str| -> Vec<(&'static str, String)> {
            let mut params = without(name);
            let key = request
                .params()
                .into_iter()
                .find(|(key, _)| *key == name)
                .unwrap()
                .0;
            params.push((key, value.to_owned()));
            params
        };
        vec![
            ("no state", without("state"), "invalid_request"),
            ("no nonce", without("nonce"), "invalid_request"),
            (
                "no code_challenge",
                without("code_challenge"),
                "invalid_request",
            ),
            (
                "no code_challenge_method",
                without("code_challenge_method"),
                "invalid_request",
            ),
            (
                "plain PKCE",
                replacing("code_challenge_method", "plain"),
                "invalid_request",
            ),
            (
                "challenge not a digest",
                replacing("code_challenge", "too-short"),
                "invalid_request",
            ),
            (
                "no openid scope",
                replacing("scope", "email profile"),
                "invalid_scope",
            ),
            (
                "implicit flow",
                replacing("response_type", "id_token token"),
                "unsupported_response_type",
            ),
            (
                "no response_type",
                without("response_type"),
                "invalid_request",
            ),
            (
                "fragment response mode",
                {
                    let mut params = request.params();
                    params.push(("response_mode", "fragment".to_owned()));
                    params
                },
                "invalid_request",
            ),
        ]
    };
    for (case, params, expected) in cases {
        let response = idp
            .http
            .get(idp.authorize_url(&params))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 302, "{case}");
        let location = Url::parse(response.headers()["location"].to_str().unwrap()).unwrap();
        assert!(location.as_str().starts_with(REDIRECT_URI), "{case}");
        assert_eq!(
            query_value(&location, "error").as_deref(),
            Some(expected),
            "{case}"
        );
        assert!(query_value(&location, "code").is_none(), "{case}");
        let state = query_value(&location, "state");
        if case == "no state" {
            assert_eq!(state, None);
        } else {
            assert_eq!(state.as_deref(), Some(request.state.as_str()), "{case}");
        }
    }
}

#[tokio::test]
async fn a_malformed_email_redisplays_the_form_and_issues_no_code() {
    let idp = spawn_idp().await;
    let request = AuthRequest::new();
    let mut browser = ScriptedBrowser::new().unwrap();
    let form = browser
        .open(&idp.authorize_url(&request.params()))
        .await
        .unwrap();

    for bad in [
        "not-an-email",
        "a@localhost",
        "<script>@x.io",
        "a@b@example.com",
    ] {
        let response = browser.submit(&form, &SignInForm::new(bad)).await.unwrap();
        assert_eq!(response.status(), 422, "{bad}");
        let html = response.text().await.unwrap();
        assert!(html.contains("role=\"alert\""), "{bad}");
        assert!(
            !html.contains("<script>@"),
            "{bad}: the typed value is escaped"
        );
    }

    // The same form still works once the address is corrected, and only once.
    let back = redirect_location(
        browser
            .submit(&form, &SignInForm::new("fixed@example.com"))
            .await
            .unwrap(),
    )
    .await
    .unwrap();
    assert!(query_value(&back, "code").is_some());
    let replay = browser
        .submit(&form, &SignInForm::new("again@example.com"))
        .await
        .unwrap();
    assert_eq!(replay.status(), 400);
}

#[tokio::test]
async fn a_form_submitted_without_its_browser_cookie_is_refused() {
    let idp = spawn_idp().await;
    let request = AuthRequest::new();
    let mut victim = ScriptedBrowser::new().unwrap();
    let form = victim
        .open(&idp.authorize_url(&request.params()))
        .await
        .unwrap();

    // An attacker who obtained the form token submits it from a fresh browser.
    let response = idp
        .http
        .post(form.action.clone())
        .form(&[
            ("csrf_token", form.csrf_token.as_str()),
            ("email", "attacker@example.com"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert!(response.headers().get("location").is_none());

    let forged = idp
        .http
        .post(form.action.clone())
        .form(&[("csrf_token", "forged"), ("email", "attacker@example.com")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 400);
}

#[tokio::test]
async fn cancelling_the_form_sends_access_denied_back() {
    let idp = spawn_idp().await;
    let request = AuthRequest::new();
    let mut browser = ScriptedBrowser::new().unwrap();
    let mut form = SignInForm::new("nobody@example.com");
    form.deny = true;
    let back = browser
        .sign_in(&idp.authorize_url(&request.params()), &form)
        .await
        .unwrap();
    assert_eq!(
        query_value(&back, "error").as_deref(),
        Some("access_denied")
    );
    assert_eq!(
        query_value(&back, "state").as_deref(),
        Some(request.state.as_str())
    );
    assert!(query_value(&back, "code").is_none());
}

#[tokio::test]
async fn the_provider_refuses_to_start_in_production() {
    let result = Application::build(Config {
        environment: Environment::Production,
        ..test_config()
    })
    .await;
    let Err(error) = result else {
        panic!("a production start must fail");
    };
    assert!(error.to_string().contains("refuses to run in production"));
}
