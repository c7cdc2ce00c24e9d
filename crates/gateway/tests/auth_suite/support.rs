//! The gateway on port 0 with a real PostgreSQL database, a real Redis, and
//! an OpenID provider over sockets: the development provider (`dev-idp`)
//! for real sign-ins, or [`FakeProvider`] when a test needs an ID token the
//! real one would never issue (forged, expired, without a nonce…).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use dev_idp::config::ClientRegistration;
use dev_idp::scripted::{ScriptedBrowser, SignInForm};
use dev_idp::signing::SigningKey;
use gateway::config::{Config, OidcConfig};
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::{Response, StatusCode};
use secrecy::SecretString;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use url::Url;
use uuid::Uuid;

use crate::harness::{self, Options};
pub use crate::harness::{JWT_SECRET, monitor_body};

pub const CLIENT_ID: &str = "lookout-test";
pub const CLIENT_SECRET: &str = "lookout-test-client-secret-0b7e2c";
pub const ORIGIN: &str = "http://127.0.0.1:8080";
pub const REDIRECT_URI: &str = "http://127.0.0.1:8080/auth/google/callback";
pub const ADMIN: &str = "admin@example.com";

/// One RSA key per test binary: generating it is the slow part.
pub fn provider_key_pem() -> SecretString {
    static KEY: OnceLock<SecretString> = OnceLock::new();
    KEY.get_or_init(|| SigningKey::generate_pem().unwrap())
        .clone()
}

/// Starts the development provider on port 0; returns its issuer URL.
pub async fn spawn_dev_idp() -> (String, oneshot::Sender<()>) {
    let config = dev_idp::Config {
        addr: "127.0.0.1:0".parse().unwrap(),
        client: ClientRegistration {
            client_id: CLIENT_ID.to_owned(),
            client_secret: SecretString::from(CLIENT_SECRET),
            redirect_uris: vec![REDIRECT_URI.to_owned()],
        },
        signing_key_pem: Some(provider_key_pem()),
        ..dev_idp::Config::development()
    };
    let app = dev_idp::Application::build(config).await.unwrap();
    let issuer = app.issuer().to_owned();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(app.run_until_stopped(async {
        let _ = stopped.await;
    }));
    (issuer, stop)
}

/// An OpenID provider whose token endpoint answers whatever the test sets:
/// discovery and JWKS are honest, the ID token is the test's. Tests may add
/// discovery fields, UserInfo claims, change the published keys and refuse
/// `client_secret_basic`.
#[derive(Clone)]
pub struct FakeProvider {
    pub issuer: String,
    pub key: Arc<SigningKey>,
    id_token: Arc<Mutex<String>>,
    published: Arc<Mutex<Vec<Arc<SigningKey>>>>,
    discovery_extra: Arc<Mutex<Value>>,
    userinfo: Arc<Mutex<Value>>,
    post_only: Arc<Mutex<bool>>,
    /// How each token request authenticated: `basic` or `post`.
    pub token_auth: Arc<Mutex<Vec<&'static str>>>,
}

impl FakeProvider {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let issuer = format!("http://{}", listener.local_addr().unwrap());
        let key = Arc::new(SigningKey::from_pem(&provider_key_pem()).unwrap());
        let provider = Self {
            issuer,
            published: Arc::new(Mutex::new(vec![Arc::clone(&key)])),
            key,
            id_token: Arc::new(Mutex::new(String::new())),
            discovery_extra: Arc::new(Mutex::new(json!({}))),
            userinfo: Arc::new(Mutex::new(json!({}))),
            post_only: Arc::new(Mutex::new(false)),
            token_auth: Arc::new(Mutex::new(Vec::new())),
        };
        let router = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks))
            .route("/token", post(token))
            .route("/userinfo", get(userinfo))
            .with_state(provider.clone());
        tokio::spawn(async move { axum::serve(listener, router).await });
        provider
    }

    pub fn answer_with(&self, id_token: String) {
        *self.id_token.lock().unwrap() = id_token;
    }

    /// The keys the JWKS publishes from now on.
    pub fn publish(&self, keys: Vec<Arc<SigningKey>>) {
        *self.published.lock().unwrap() = keys;
    }

    /// Adds (or replaces) a field of the discovery document.
    pub fn discover_also(&self, name: &str, value: Value) {
        self.discovery_extra.lock().unwrap()[name] = value;
    }

    /// Claims UserInfo answers besides `sub` (the fake subject's).
    pub fn userinfo_claims(&self, claims: Value) {
        *self.userinfo.lock().unwrap() = claims;
    }

    /// The token endpoint refuses `client_secret_basic`.
    pub fn accept_only_client_secret_post(&self) {
        *self.post_only.lock().unwrap() = true;
        self.discover_also(
            "token_endpoint_auth_methods_supported",
            json!(["client_secret_post"]),
        );
    }

    /// Claims a genuine ID token for `nonce` would carry; tests change one.
    pub fn claims(&self, nonce: &str) -> Value {
        let now = chrono::Utc::now().timestamp();
        json!({
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "sub": "fake-subject-1",
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            "email": "forged@example.com",
            "email_verified": true,
        })
    }
}

async fn discovery(State(provider): State<FakeProvider>) -> axum::Json<Value> {
    let issuer = &provider.issuer;
    let mut document = json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "userinfo_endpoint": format!("{issuer}/userinfo"),
        "jwks_uri": format!("{issuer}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
    });
    let extra = provider.discovery_extra.lock().unwrap().clone();
    for (name, value) in extra.as_object().unwrap() {
        document[name] = value.clone();
    }
    axum::Json(document)
}

async fn jwks(State(provider): State<FakeProvider>) -> axum::Json<Value> {
    let keys: Vec<Value> = provider
        .published
        .lock()
        .unwrap()
        .iter()
        .flat_map(|key| {
            serde_json::to_value(key.jwks()).unwrap()["keys"]
                .as_array()
                .unwrap()
                .clone()
        })
        .collect();
    axum::Json(json!({ "keys": keys }))
}

async fn token(
    State(provider): State<FakeProvider>,
    headers: axum::http::HeaderMap,
    body: String,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let basic = headers
        .get("authorization")
        .is_some_and(|value| value.to_str().unwrap().starts_with("Basic "));
    let post = body.contains("client_secret=");
    provider.token_auth.lock().unwrap().push(if basic {
        "basic"
    } else if post {
        "post"
    } else {
        "none"
    });
    if *provider.post_only.lock().unwrap() && !post {
        return (
            axum::http::StatusCode::UNAUTHORIZED,
            axum::Json(json!({"error": "invalid_client"})),
        )
            .into_response();
    }
    let id_token = provider.id_token.lock().unwrap().clone();
    axum::Json(json!({
        "access_token": "fake-access-token",
        "token_type": "Bearer",
        "expires_in": 300,
        "id_token": id_token,
    }))
    .into_response()
}

async fn userinfo(
    State(provider): State<FakeProvider>,
    headers: axum::http::HeaderMap,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    if headers
        .get("authorization")
        .and_then(|value| value.to_str().ok())
        != Some("Bearer fake-access-token")
    {
        return axum::http::StatusCode::UNAUTHORIZED.into_response();
    }
    let mut claims = json!({"sub": "fake-subject-1"});
    let extra = provider.userinfo.lock().unwrap().clone();
    for (name, value) in extra.as_object().unwrap() {
        claims[name] = value.clone();
    }
    axum::Json(claims).into_response()
}

/// The harness's gateway signing in through an OpenID provider.
pub struct TestApp {
    pub gateway: harness::TestApp,
    pub issuer: String,
}

impl std::ops::Deref for TestApp {
    type Target = harness::TestApp;

    fn deref(&self) -> &harness::TestApp {
        &self.gateway
    }
}

/// A second gateway on the same database and Redis, as behind a load balancer.
pub struct Replica {
    pub address: String,
    _stop: oneshot::Sender<()>,
}

/// Signs in through the provider at `issuer`; `ADMIN` is an administrator.
pub fn with_identity(config: &mut Config, issuer: &str) {
    config.identity.oidc = Some(OidcConfig {
        issuer_url: issuer.to_owned(),
        client_id: CLIENT_ID.to_owned(),
        client_secret: SecretString::from(CLIENT_SECRET),
        redirect_url: REDIRECT_URI.parse().unwrap(),
        metadata_ttl: Duration::from_secs(900),
        assume_email_verified: false,
    });
    config.identity.admin_emails = vec![ADMIN.to_owned()];
    // The suite signs in and refreshes far more often than a person; rate
    // limits have their own tests.
    let generous = gateway::edge::settings::Quota {
        count: 1_000_000,
        period: Duration::from_secs(60),
    };
    let limits = &mut config.edge.rate_limits;
    limits.sign_in = generous;
    limits.expensive = generous;
    limits.write = generous;
    limits.read = generous;
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// The gateway signing in through the development provider.
pub async fn spawn_app_with(customize: impl FnOnce(&mut Config)) -> TestApp {
    let (issuer, stop) = spawn_dev_idp().await;
    spawn_gateway(&issuer, vec![stop], customize).await
}

/// The gateway signing in through `provider`.
pub async fn spawn_app_with_fake(provider: &FakeProvider) -> TestApp {
    spawn_app_with_issuer(&provider.issuer).await
}

/// The gateway signing in through the provider at `issuer`, which the
/// caller runs.
pub async fn spawn_app_with_issuer(issuer: &str) -> TestApp {
    spawn_gateway(issuer, Vec::new(), |_| {}).await
}

/// The gateway signing in through `provider`, its configuration changed.
pub async fn spawn_app_with_fake_and(
    provider: &FakeProvider,
    customize: impl FnOnce(&mut Config),
) -> TestApp {
    spawn_gateway(&provider.issuer, Vec::new(), customize).await
}

async fn spawn_gateway(
    issuer: &str,
    stop_with_app: Vec<oneshot::Sender<()>>,
    customize: impl FnOnce(&mut Config),
) -> TestApp {
    let options = Options {
        shared_redis: true,
        stop_with_app,
        ..Options::default()
    };
    let gateway = harness::spawn(options, |config| {
        with_identity(config, issuer);
        customize(config);
    })
    .await;
    TestApp {
        gateway,
        issuer: issuer.to_owned(),
    }
}

/// A signed-in browser: its cookies.
#[derive(Debug, Clone, Default)]
pub struct Browser {
    pub cookies: HashMap<String, String>,
}

impl Browser {
    pub fn cookie(&self, name: &str) -> &str {
        self.cookies
            .get(name)
            .map(String::as_str)
            .unwrap_or_default()
    }

    pub fn header(&self) -> String {
        self.cookies
            .iter()
            .filter(|(_, value)| !value.is_empty())
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub fn absorb(&mut self, response: &Response) {
        for value in response.headers().get_all(SET_COOKIE) {
            let value = value.to_str().unwrap();
            let pair = value.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            self.cookies.insert(name.to_owned(), value.to_owned());
        }
    }

    pub fn access_token(&self) -> &str {
        self.cookie("lookout_session")
    }
}

/// The `Set-Cookie` line for `name`, attributes included.
pub fn set_cookie_line(response: &Response, name: &str) -> String {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|value| value.to_str().unwrap().to_owned())
        .find(|value| value.starts_with(&format!("{name}=")))
        .unwrap_or_default()
}

pub fn location(response: &Response) -> String {
    response
        .headers()
        .get(LOCATION)
        .map(|value| value.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

pub fn query_value(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// A sign-in started at the gateway: the provider URL and the browser's
/// state cookie.
pub struct Started {
    pub authorize_url: Url,
    pub browser: Browser,
}

/// What came back from the provider.
pub struct Answer {
    pub code: String,
    pub state: String,
}

impl TestApp {
    pub async fn start_sign_in(&self, redirect_to: Option<&str>) -> Started {
        let mut request = self.client.get(self.url("/auth/google/login"));
        if let Some(target) = redirect_to {
            request = request.query(&[("redirect_to", target)]);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::FOUND);
        let mut browser = Browser::default();
        browser.absorb(&response);
        Started {
            authorize_url: Url::parse(&location(&response)).unwrap(),
            browser,
        }
    }

    /// Fills in the provider's form at `authorize_url` and returns the code and state.
    pub async fn provider_answer(&self, authorize_url: &Url, form: &SignInForm) -> Answer {
        let back = ScriptedBrowser::new()
            .unwrap()
            .sign_in(authorize_url.as_str(), form)
            .await
            .unwrap();
        assert!(back.as_str().starts_with(REDIRECT_URI), "{back}");
        Answer {
            code: query_value(&back, "code").unwrap(),
            state: query_value(&back, "state").unwrap(),
        }
    }

    /// Calls our callback as the browser would after the provider's redirect.
    pub async fn callback(&self, browser: &Browser, query: &[(&str, &str)]) -> Response {
        self.client
            .get(self.url("/auth/google/callback"))
            .query(query)
            .header(COOKIE, browser.header())
            .send()
            .await
            .unwrap()
    }

    /// A complete sign-in; returns the signed-in browser.
    pub async fn sign_in(&self, email: &str) -> Browser {
        self.sign_in_with(&SignInForm::new(email)).await
    }

    pub async fn sign_in_with(&self, form: &SignInForm) -> Browser {
        let started = self.start_sign_in(None).await;
        let answer = self.provider_answer(&started.authorize_url, form).await;
        let response = self
            .callback(
                &started.browser,
                &[("code", &answer.code), ("state", &answer.state)],
            )
            .await;
        assert_eq!(
            response.status(),
            StatusCode::SEE_OTHER,
            "{}",
            response.text().await.unwrap()
        );
        let mut browser = started.browser;
        browser.absorb(&response);
        browser
    }

    /// A request with the browser's cookies, our origin and its CSRF token.
    pub fn browser_request(
        &self,
        browser: &Browser,
        method: reqwest::Method,
        path: &str,
    ) -> reqwest::RequestBuilder {
        self.client
            .request(method, self.url(path))
            .header(COOKIE, browser.header())
            .header("origin", ORIGIN)
            .header("x-csrf-token", browser.cookie("lookout_csrf"))
    }

    pub async fn refresh(&self, browser: &Browser) -> Response {
        self.browser_request(browser, reqwest::Method::POST, "/auth/refresh")
            .send()
            .await
            .unwrap()
    }

    pub async fn bearer(
        &self,
        token: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Response {
        let mut request = self
            .client
            .request(method, self.url(path))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(body);
        }
        request.send().await.unwrap()
    }

    /// Starts another gateway sharing this one's database, Redis and provider.
    pub async fn spawn_replica(&self) -> Replica {
        let mut config = harness::config(&self.database.url, &self.redis_url, harness::NO_PEERS);
        with_identity(&mut config, &self.issuer);
        let running = harness::start(config).await;
        Replica {
            address: running.address,
            _stop: running.stop,
        }
    }

    /// `GET path` with a bearer token on another gateway of the same mesh.
    pub async fn bearer_get_at(&self, replica: &Replica, token: &str, path: &str) -> Value {
        let response = self
            .client
            .get(format!("{}{path}", replica.address))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), reqwest::StatusCode::OK);
        response.json().await.unwrap()
    }

    /// Row counts of everything an attack could create or change.
    pub async fn snapshot(&self) -> Snapshot {
        let client = self.database().await;
        let row = client
            .query_one(
                "SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM teams),
                        (SELECT count(*) FROM memberships),
                        (SELECT count(*) FROM sessions WHERE revoked_at IS NULL),
                        (SELECT count(*) FROM refresh_tokens),
                        (SELECT count(*) FROM api_keys WHERE revoked_at IS NULL),
                        (SELECT count(*) FROM monitors),
                        (SELECT count(*) FROM monitors WHERE requested_reason IS NOT NULL),
                        (SELECT count(*) FROM channels)",
                &[],
            )
            .await
            .unwrap();
        Snapshot((0..9).map(|index| row.get::<_, i64>(index)).collect())
    }

    /// The user id of `email`.
    pub async fn user_id(&self, email: &str) -> Uuid {
        let client = self.database().await;
        client
            .query_one(
                "SELECT id FROM users WHERE lower(email) = lower($1)",
                &[&email],
            )
            .await
            .unwrap()
            .get(0)
    }

    pub async fn audit_actions(&self) -> Vec<String> {
        let client = self.database().await;
        client
            .query("SELECT action FROM audit_events ORDER BY at, id", &[])
            .await
            .unwrap()
            .iter()
            .map(|row| row.get(0))
            .collect()
    }
}

/// Counts of users, teams, memberships, live sessions, refresh tokens, live
/// API keys, monitors, requested runs and channels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot(Vec<i64>);

pub async fn status_and_body(response: Response) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

impl TestApp {
    /// A sign-in through `provider` whose ID token carries the genuine
    /// claims for this attempt changed by `edit`; the callback's answer.
    pub async fn fake_sign_in(
        &self,
        provider: &FakeProvider,
        edit: impl FnOnce(&mut Value),
    ) -> Response {
        self.fake_sign_in_signed(provider, &provider.key, edit, &[])
            .await
    }

    /// [`Self::fake_sign_in`] with the ID token signed by `key` and more
    /// parameters on the callback.
    pub async fn fake_sign_in_signed(
        &self,
        provider: &FakeProvider,
        key: &SigningKey,
        edit: impl FnOnce(&mut Value),
        callback_parameters: &[(&str, &str)],
    ) -> Response {
        let started = self.start_sign_in(None).await;
        let nonce = query_value(&started.authorize_url, "nonce").unwrap();
        let state = query_value(&started.authorize_url, "state").unwrap();
        let mut claims = provider.claims(&nonce);
        edit(&mut claims);
        provider.answer_with(key.sign(&claims).unwrap());
        let mut query = vec![("code", "any-code"), ("state", state.as_str())];
        query.extend_from_slice(callback_parameters);
        self.callback(&started.browser, &query).await
    }
}
