//! Starts a provider on port 0 and speaks to it like a relying party would.
#![allow(
    dead_code,
    reason = "each test binary uses a different part of the helpers"
)]

use std::sync::OnceLock;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use dev_idp::config::ClientRegistration;
use dev_idp::signing::SigningKey;
use dev_idp::{Application, Config};
use rand::RngCore as _;
use secrecy::SecretString;
use sha2::{Digest, Sha256};
use tokio::sync::oneshot;
use url::Url;

pub const CLIENT_ID: &str = "test-client";
pub const CLIENT_SECRET: &str = "test-client-secret-with-enough-entropy";
pub const REDIRECT_URI: &str = "http://127.0.0.1:9/auth/google/callback";

/// One key for the whole test binary: generating RSA keys is the slow part of startup.
fn shared_key() -> SecretString {
    static KEY: OnceLock<SecretString> = OnceLock::new();
    KEY.get_or_init(|| SigningKey::generate_pem().unwrap())
        .clone()
}

pub fn test_config() -> Config {
    Config {
        addr: "127.0.0.1:0".parse().unwrap(),
        client: ClientRegistration {
            client_id: CLIENT_ID.to_owned(),
            client_secret: SecretString::from(CLIENT_SECRET),
            redirect_uris: vec![REDIRECT_URI.to_owned()],
        },
        signing_key_pem: Some(shared_key()),
        ..Config::development()
    }
}

pub struct TestIdp {
    pub issuer: String,
    pub port: u16,
    pub kid: String,
    pub http: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
}

impl Drop for TestIdp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

pub async fn spawn_idp() -> TestIdp {
    spawn_idp_with(test_config()).await
}

pub async fn spawn_idp_with(config: Config) -> TestIdp {
    let app = Application::build(config).await.unwrap();
    let issuer = app.issuer().to_owned();
    let kid = app.kid().to_owned();
    let port = app.port();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(app.run_until_stopped(async {
        let _ = stopped.await;
    }));
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    TestIdp {
        issuer,
        port,
        kid,
        http,
        stop: Some(stop),
    }
}

pub fn random_string() -> String {
    let mut bytes = [0_u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// One authorization attempt as a relying party prepares it.
#[derive(Debug, Clone)]
pub struct AuthRequest {
    pub state: String,
    pub nonce: String,
    pub verifier: String,
}

impl AuthRequest {
    pub fn new() -> Self {
        Self {
            state: random_string(),
            nonce: random_string(),
            verifier: random_string(),
        }
    }

    pub fn challenge(&self) -> String {
        URL_SAFE_NO_PAD.encode(Sha256::digest(self.verifier.as_bytes()))
    }

    /// The standard parameters; tests remove or replace single ones.
    pub fn params(&self) -> Vec<(&'static str, String)> {
        vec![
            ("response_type", "code".to_owned()),
            ("client_id", CLIENT_ID.to_owned()),
            ("redirect_uri", REDIRECT_URI.to_owned()),
            ("scope", "openid email profile".to_owned()),
            ("state", self.state.clone()),
            ("nonce", self.nonce.clone()),
            ("code_challenge", self.challenge()),
            ("code_challenge_method", "S256".to_owned()),
        ]
    }
}

impl TestIdp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.issuer)
    }

    pub fn authorize_url(&self, params: &[(&str, String)]) -> String {
        let mut url = Url::parse(&self.url("/authorize")).unwrap();
        url.query_pairs_mut().extend_pairs(params);
        url.to_string()
    }

    /// Signs in through the form and returns the code from the redirect.
    pub async fn code_for(
        &self,
        request: &AuthRequest,
        form: &dev_idp::scripted::SignInForm,
    ) -> String {
        let mut browser = dev_idp::scripted::ScriptedBrowser::new().unwrap();
        let back = browser
            .sign_in(&self.authorize_url(&request.params()), form)
            .await
            .unwrap();
        assert_eq!(
            query_value(&back, "state").as_deref(),
            Some(request.state.as_str())
        );
        query_value(&back, "code").expect("a code in the redirect")
    }

    /// A token request authenticated with client_secret_basic.
    pub async fn exchange(&self, code: &str, verifier: &str) -> reqwest::Response {
        self.http
            .post(self.url("/token"))
            .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", REDIRECT_URI),
                ("code_verifier", verifier),
            ])
            .send()
            .await
            .unwrap()
    }
}

pub fn query_value(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

pub async fn oauth_error(response: reqwest::Response) -> String {
    let body: serde_json::Value = response.json().await.unwrap();
    body["error"].as_str().unwrap().to_owned()
}
