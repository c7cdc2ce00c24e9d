//! Identity from a trusted reverse proxy (`AUTH_PROXY_MODE`): a header believed only with
//! the shared secret from a trusted peer, or an assertion verified against the issuer's key
//! set served on loopback. The person gets the account and teams an OpenID sign-in would.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use dev_idp::signing::SigningKey;
use gateway::auth::proxy::ProxySettings;
use reqwest::StatusCode;
use secrecy::SecretString;
use serde_json::{Value, json};

use crate::support::{FakeProvider, TestApp, spawn_app_with_fake_and, status_and_body};

const PROXY_SECRET: &str = "proxy-shared-secret-3f8b1d7e9a2c4b60";
const AUDIENCE: &str = "lookout-access-aud";
const ASSERTION_ISSUER: &str = "https://example.cloudflareaccess.com";
const ASSERTION_HEADER: &str = "cf-access-jwt-assertion";

async fn header_mode(
    trusted: &str,
    customize: impl FnOnce(&mut gateway::config::Config),
) -> TestApp {
    let provider = FakeProvider::start().await;
    spawn_app_with_fake_and(&provider, |config| {
        config.identity.proxy = Some(ProxySettings::Header {
            email_header: "x-user-email".parse().unwrap(),
            secret: SecretString::from(PROXY_SECRET),
        });
        config.edge.trusted_proxies = vec![trusted.parse().unwrap()];
        customize(config);
    })
    .await
}

async fn me_with(app: &TestApp, headers: &[(&str, &str)]) -> (StatusCode, Value) {
    let mut request = app.client.get(app.url("/api/v1/me"));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    status_and_body(request.send().await.unwrap()).await
}

#[tokio::test]
async fn the_email_header_needs_the_right_secret_from_a_trusted_proxy() {
    let app = header_mode("127.0.0.1/32", |_| {}).await;
    let before = app.snapshot().await;
    let (status, _) = me_with(&app, &[("x-user-email", "dora@example.com")]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "no secret");
    let (status, _) = me_with(
        &app,
        &[
            ("x-user-email", "dora@example.com"),
            ("x-proxy-secret", "proxy-shared-secret-3f8b1d7e9a2c4b6X"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "wrong secret");
    assert_eq!(
        app.snapshot().await,
        before,
        "a refused identity makes no account"
    );

    let (status, me) = me_with(
        &app,
        &[
            ("x-user-email", "Dora@Example.com"),
            ("x-proxy-secret", PROXY_SECRET),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["email"], "dora@example.com");
    assert_eq!(
        me["teams"].as_array().unwrap().len(),
        1,
        "a personal team: {me}"
    );
    let identities = app
        .database()
        .await
        .query("SELECT issuer, subject FROM user_identities", &[])
        .await
        .unwrap();
    assert_eq!(identities.len(), 1);
    assert_eq!(identities[0].get::<_, String>(0), "proxy-header");
    assert_eq!(identities[0].get::<_, String>(1), "dora@example.com");

    // The same person again is the same account.
    let (_, again) = me_with(
        &app,
        &[
            ("x-user-email", "dora@example.com"),
            ("x-proxy-secret", PROXY_SECRET),
        ],
    )
    .await;
    assert_eq!(again["id"], me["id"]);

    // A write needs our origin: the browser sends the proxy's credential by itself.
    let create = |origin: Option<&str>| {
        let mut request = app
            .client
            .post(app.url("/api/v1/monitors"))
            .header("x-user-email", "dora@example.com")
            .header("x-proxy-secret", PROXY_SECRET)
            .json(&crate::support::monitor_body());
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        request.send()
    };
    assert_eq!(create(None).await.unwrap().status(), StatusCode::FORBIDDEN);
    assert_eq!(
        create(Some("https://evil.example")).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        create(Some(crate::support::ORIGIN)).await.unwrap().status(),
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn the_email_header_from_an_untrusted_peer_is_refused_even_with_the_secret() {
    let app = header_mode("10.0.0.0/8", |_| {}).await;
    let before = app.snapshot().await;
    let (status, _) = me_with(
        &app,
        &[
            ("x-user-email", "dora@example.com"),
            ("x-proxy-secret", PROXY_SECRET),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn a_proxy_identity_follows_the_allow_lists() {
    let app = header_mode("127.0.0.1/32", |config| {
        config.identity.allowed_email_domains = vec!["example.com".to_owned()];
    })
    .await;
    let before = app.snapshot().await;
    let (status, _) = me_with(
        &app,
        &[
            ("x-user-email", "mallory@elsewhere.org"),
            ("x-proxy-secret", PROXY_SECRET),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(app.snapshot().await, before);
}

struct Assertions {
    app: TestApp,
    provider: FakeProvider,
}

async fn jwt_mode() -> Assertions {
    let provider = FakeProvider::start().await;
    let jwks_url = format!("{}/jwks", provider.issuer);
    let app = spawn_app_with_fake_and(&provider, |config| {
        config.identity.proxy = Some(ProxySettings::Jwt {
            assertion_header: ASSERTION_HEADER.parse().unwrap(),
            jwks_url: jwks_url.parse().unwrap(),
            audience: AUDIENCE.to_owned(),
            issuer: ASSERTION_ISSUER.to_owned(),
        });
    })
    .await;
    Assertions { app, provider }
}

fn claims() -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({
        "iss": ASSERTION_ISSUER,
        "aud": [AUDIENCE],
        "sub": "access-subject-7",
        "email": "erin@example.com",
        "iat": now,
        "exp": now + 300,
    })
}

impl Assertions {
    async fn me(&self, assertion: &str) -> (StatusCode, Value) {
        me_with(&self.app, &[(ASSERTION_HEADER, assertion)]).await
    }

    fn signed(&self, claims: &Value) -> String {
        self.provider.key.sign(claims).unwrap()
    }
}

#[tokio::test]
async fn a_signed_assertion_with_our_audience_and_issuer_is_a_person() {
    let proxy = jwt_mode().await;
    let (status, me) = proxy.me(&proxy.signed(&claims())).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["email"], "erin@example.com");
    let issuer: String = proxy
        .app
        .database()
        .await
        .query_one(
            "SELECT issuer FROM user_identities WHERE subject = 'access-subject-7'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(issuer, ASSERTION_ISSUER);
}

#[tokio::test]
async fn forged_expired_and_misdirected_assertions_are_refused() {
    let proxy = jwt_mode().await;
    let before = proxy.app.snapshot().await;
    let genuine = proxy.signed(&claims());
    // The payload changed after signing: the signature no longer holds.
    let mut parts: Vec<String> = genuine.split('.').map(str::to_owned).collect();
    let mut forged_claims = claims();
    forged_claims["email"] = json!("admin@example.com");
    parts[1] = URL_SAFE_NO_PAD.encode(forged_claims.to_string());
    let forged = parts.join(".");

    let mut expired = claims();
    expired["exp"] = json!(chrono::Utc::now().timestamp() - 120);
    let mut other_audience = claims();
    other_audience["aud"] = json!(["another-application"]);
    let mut other_issuer = claims();
    other_issuer["iss"] = json!("https://attacker.cloudflareaccess.com");

    for (case, assertion) in [
        ("forged", forged),
        ("expired", proxy.signed(&expired)),
        ("wrong audience", proxy.signed(&other_audience)),
        ("wrong issuer", proxy.signed(&other_issuer)),
        ("not a JWT", "garbage".to_owned()),
    ] {
        let (status, _) = proxy.me(&assertion).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{case}");
    }
    assert_eq!(proxy.app.snapshot().await, before);
}

#[tokio::test]
async fn an_assertion_signed_with_a_new_key_fetches_the_key_set_again() {
    let proxy = jwt_mode().await;
    let (status, _) = proxy.me(&proxy.signed(&claims())).await;
    assert_eq!(status, StatusCode::OK, "the key set is cached now");

    let rotated = Arc::new(SigningKey::generate().unwrap());
    let with_new_key = rotated.sign(&claims()).unwrap();
    let (status, _) = proxy.me(&with_new_key).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "not published yet");

    proxy
        .provider
        .publish(vec![Arc::clone(&proxy.provider.key), Arc::clone(&rotated)]);
    let (status, me) = proxy.me(&with_new_key).await;
    assert_eq!(status, StatusCode::OK, "{me}");
}
