//! Sign-in through the certified Node.js `oidc-provider` (pinned in
//! tests/oidc-interop/package.json, installed by `make test`), run as a real
//! process on a loopback port and driven like a browser: redirects
//! followed, its login and consent forms posted. It covers what the fake
//! provider of `providers.rs` only imitates: email claims served from
//! UserInfo alone (its default, the conformant placement) or in the ID
//! token, a provider that offers only `client_secret_post`, the RFC 9207
//! `iss` it always sends, and a key rotation that retires the old key.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, COOKIE};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use url::Url;

use crate::support::{
    Browser, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, TestApp, location, spawn_app_with_issuer,
    status_and_body,
};

/// Where the provider sends its email claims.
#[derive(Clone, Copy)]
enum Claims {
    /// Only UserInfo: `oidc-provider`'s default for the code flow.
    UserInfo,
    /// Also the ID token (`conformIdTokenClaims: false`), as Google does.
    IdToken,
}

/// The one token endpoint authentication the provider offers.
#[derive(Clone, Copy)]
enum TokenAuth {
    Basic,
    Post,
}

/// A running `oidc-provider`; it exits when this is dropped (its standard
/// input closes) or when the test process dies.
struct NodeProvider {
    issuer: String,
    _process: Child,
}

impl NodeProvider {
    async fn start(claims: Claims, auth: TokenAuth) -> Self {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/oidc-interop");
        assert!(
            dir.join("node_modules/oidc-provider").is_dir(),
            "oidc-provider is not installed: run `npm ci --prefix tests/oidc-interop` (make test does)"
        );
        let mut process = Command::new("node")
            .arg("provider.mjs")
            .current_dir(&dir)
            .env("INTEROP_CLIENT_ID", CLIENT_ID)
            .env("INTEROP_CLIENT_SECRET", CLIENT_SECRET)
            .env("INTEROP_REDIRECT_URI", REDIRECT_URI)
            .env(
                "INTEROP_CLAIMS",
                match claims {
                    Claims::UserInfo => "userinfo",
                    Claims::IdToken => "id_token",
                },
            )
            .env(
                "INTEROP_AUTH_METHOD",
                match auth {
                    TokenAuth::Basic => "client_secret_basic",
                    TokenAuth::Post => "client_secret_post",
                },
            )
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            // Its warnings about development-only settings help a failing run.
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("node runs (Node.js 20 or later on PATH)");
        let stdout = process.stdout.take().unwrap();
        let mut first_line = String::new();
        tokio::time::timeout(
            Duration::from_secs(30),
            BufReader::new(stdout).read_line(&mut first_line),
        )
        .await
        .expect("oidc-provider listens within 30 s")
        .unwrap();
        let ready: Value = serde_json::from_str(&first_line)
            .unwrap_or_else(|error| panic!("oidc-provider said {first_line:?}: {error}"));
        Self {
            issuer: ready["issuer"].as_str().unwrap().to_owned(),
            _process: process,
        }
    }

    /// Signs with a new key from now on and publishes only that one.
    async fn rotate_keys(&self) {
        let response = reqwest::Client::new()
            .post(format!("{}/interop/rotate-keys", self.issuer))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }

    async fn published_key_ids(&self) -> Vec<String> {
        let jwks: Value = reqwest::get(format!("{}/jwks", self.issuer))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|key| key["kid"].as_str().unwrap().to_owned())
            .collect()
    }
}

/// Signs `email` in from the gateway's login link to its callback and
/// returns the signed-in browser's `/api/v1/me`.
async fn sign_in(app: &TestApp, email: &str) -> Value {
    let started = app.start_sign_in(None).await;
    let back = through_provider(&app.client, started.authorize_url, email).await;
    let query: Vec<(String, String)> = back.query_pairs().into_owned().collect();
    // RFC 9207: oidc-provider names itself in the response; the gateway checks it.
    assert!(query.iter().any(|(name, _)| name == "iss"), "{back}");
    let query: Vec<(&str, &str)> = query
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    let response = app.callback(&started.browser, &query).await;
    let mut browser = started.browser;
    browser.absorb(&response);
    let (status, body) = status_and_body(response).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let me = app
        .browser_request(&browser, reqwest::Method::GET, "/api/v1/me")
        .send()
        .await
        .unwrap();
    let (status, me) = status_and_body(me).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    me
}

/// Follows the provider's redirects and posts each form it shows (any
/// password does for its development login) until it redirects to our
/// callback; returns that URL.
async fn through_provider(client: &reqwest::Client, start: Url, email: &str) -> Url {
    let mut cookies = Browser::default();
    let mut response = client.get(start.clone()).send().await.unwrap();
    let mut current = start;
    for _ in 0..20 {
        cookies.absorb(&response);
        let next = if response.status().is_redirection() {
            let target = current.join(&location(&response)).unwrap();
            if target.as_str().starts_with(REDIRECT_URI) {
                return target;
            }
            client.get(target.clone()).header(COOKIE, cookies.header())
        } else {
            let status = response.status();
            let page = response.text().await.unwrap();
            assert_eq!(status, StatusCode::OK, "{page}");
            let form = Form::parse(&page).unwrap_or_else(|| panic!("no form in {page}"));
            let target = current.join(&form.action).unwrap();
            let mut fields = form.hidden;
            fields.push(("login".to_owned(), email.to_owned()));
            fields.push(("password".to_owned(), "any".to_owned()));
            client
                .post(target.clone())
                .header(COOKIE, cookies.header())
                .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(
                    url::form_urlencoded::Serializer::new(String::new())
                        .extend_pairs(&fields)
                        .finish(),
                )
        };
        current = next.try_clone().unwrap().build().unwrap().url().clone();
        response = next.send().await.unwrap();
    }
    panic!("oidc-provider did not redirect back within 20 steps");
}

/// The first form of a page: where it posts and its hidden fields.
struct Form {
    action: String,
    hidden: Vec<(String, String)>,
}

impl Form {
    fn parse(page: &str) -> Option<Self> {
        let start = page.find("<form")?;
        let body = &page[start..start + page[start..].find("</form>")?];
        let action = attribute(&body[..body.find('>')?], "action")?;
        let hidden = body
            .split("<input")
            .skip(1)
            .filter_map(|tag| {
                let tag = &tag[..tag.find('>')?];
                (attribute(tag, "type")? == "hidden")
                    .then(|| Some((attribute(tag, "name")?, attribute(tag, "value")?)))?
            })
            .collect();
        Some(Self { action, hidden })
    }
}

/// `name="value"` in a tag, with the entities oidc-provider's templates escape.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let marker = format!(" {name}=\"");
    let start = tag.find(&marker)? + marker.len();
    let value = &tag[start..start + tag[start..].find('"')?];
    Some(
        value
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&"),
    )
}

#[tokio::test]
async fn a_conformant_provider_serving_email_only_from_userinfo_signs_people_in() {
    let provider = NodeProvider::start(Claims::UserInfo, TokenAuth::Basic).await;
    let app = spawn_app_with_issuer(&provider.issuer).await;
    let me = sign_in(&app, "ada@example.com").await;
    assert_eq!(me["email"], "ada@example.com");
}

#[tokio::test]
async fn a_provider_putting_email_in_the_id_token_signs_people_in() {
    let provider = NodeProvider::start(Claims::IdToken, TokenAuth::Basic).await;
    let app = spawn_app_with_issuer(&provider.issuer).await;
    let me = sign_in(&app, "grace@example.com").await;
    assert_eq!(me["email"], "grace@example.com");
}

#[tokio::test]
async fn a_provider_accepting_only_client_secret_post_signs_people_in() {
    for claims in [Claims::UserInfo, Claims::IdToken] {
        let provider = NodeProvider::start(claims, TokenAuth::Post).await;
        let app = spawn_app_with_issuer(&provider.issuer).await;
        let me = sign_in(&app, "lin@example.com").await;
        assert_eq!(me["email"], "lin@example.com");
    }
}

#[tokio::test]
async fn a_rotated_signing_key_is_fetched_when_it_first_signs_and_the_retired_one_is_unpublished() {
    let provider = NodeProvider::start(Claims::UserInfo, TokenAuth::Basic).await;
    let app = spawn_app_with_issuer(&provider.issuer).await;
    let me = sign_in(&app, "ada@example.com").await;
    assert_eq!(me["email"], "ada@example.com");
    let before = provider.published_key_ids().await;

    // The gateway cached the old key set for 15 minutes; the first ID
    // token under the new key names a kid it has not seen.
    provider.rotate_keys().await;
    let after = provider.published_key_ids().await;
    assert_eq!(after.len(), 1);
    assert!(!before.contains(&after[0]), "{before:?} {after:?}");
    let me = sign_in(&app, "grace@example.com").await;
    assert_eq!(me["email"], "grace@example.com");
}
