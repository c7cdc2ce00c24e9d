//! The `lookout-gateway` binary's subcommands, run as real processes.

#![allow(clippy::unwrap_used)] // Tests may unwrap.

use std::process::Output;

use gateway::auth::tokens::TokenVerifier;
use secrecy::SecretString;
use tokio::process::Command;

const BINARY: &str = env!("CARGO_BIN_EXE_lookout-gateway");
const JWT_SECRET: &str = "cli-test-secret-with-enough-entropy-81d2";

async fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(BINARY);
    command.args(args).env_clear().env("RUST_LOG", "warn");
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().await.unwrap()
}

#[tokio::test]
async fn mint_token_creates_the_user_and_prints_a_token_the_gateway_accepts() {
    let database = test_support::postgres::fresh_database().await;
    let env = [
        ("DATABASE_URL", database.url.as_str()),
        ("JWT_SECRET", JWT_SECRET),
    ];
    let output = run(&["mint-token", "--email", "dev@lookout.local"], &env).await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let token = String::from_utf8(output.stdout).unwrap();
    let verifier = TokenVerifier::new(&SecretString::from(JWT_SECRET.to_owned()), "lookout");
    let verified = verifier.verify(token.trim()).unwrap();

    let store = store::Store::connect(&database.url, 1).unwrap();
    let user = store.find_user(verified.user_id).await.unwrap().unwrap();
    assert_eq!(user.email, "dev@lookout.local");
    assert_eq!(store.list_teams_for_user(user.id).await.unwrap().len(), 1);
    let again = run(&["mint-token", "--email", "dev@lookout.local"], &env).await;
    let second = verifier
        .verify(String::from_utf8(again.stdout).unwrap().trim())
        .unwrap();
    assert_eq!(second.user_id, user.id, "the same user, not a new one");
}

#[tokio::test]
async fn mint_token_refuses_to_run_in_production() {
    let output = run(
        &["mint-token", "--email", "dev@lookout.local"],
        &[("LOOKOUT_ENV", "production")],
    )
    .await;
    assert!(!output.status.success());
    assert!(output.stdout.is_empty(), "no token printed");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("LOOKOUT_ENV=production"), "{stderr}");
}

#[tokio::test]
async fn migrate_applies_the_schema_and_exits() {
    let database = test_support::postgres::fresh_database().await;
    let output = run(&["migrate"], &[("DATABASE_URL", database.url.as_str())]).await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let store = store::Store::connect(&database.url, 1).unwrap();
    assert!(store.migrate().await.unwrap().is_empty(), "already applied");
}

#[tokio::test]
async fn healthcheck_exits_zero_against_a_running_gateway_and_one_otherwise() {
    let database = test_support::postgres::fresh_database().await;
    let mut config = gateway::config::Config::from_env().unwrap();
    config.addr = "127.0.0.1:0".parse().unwrap();
    config.database_url = SecretString::from(database.url.clone());
    let app = gateway::startup::Application::build(config).await.unwrap();
    let addr = format!("127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped(std::future::pending()));

    let healthy = run(&["healthcheck"], &[("GATEWAY_ADDR", addr.as_str())]).await;
    assert!(
        healthy.status.success(),
        "{}",
        String::from_utf8_lossy(&healthy.stderr)
    );

    let closed = format!("127.0.0.1:{}", test_support::ports::free_port());
    let down = run(&["healthcheck"], &[("GATEWAY_ADDR", closed.as_str())]).await;
    assert_eq!(down.status.code(), Some(1));
}

#[tokio::test]
async fn openapi_prints_the_served_document_without_any_configuration() {
    let output = run(&["openapi"], &[]).await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let (_, document) = gateway::routes::api_and_document();
    assert_eq!(printed, serde_json::to_value(&document).unwrap());
    assert!(printed["paths"]["/api/v1/monitors"]["get"].is_object());
    assert!(printed["components"]["schemas"]["MonitorResponse"].is_object());
}

/// What production needs up to the identity settings, with a proxy mode instead of Google.
const PRODUCTION_PROXY: [(&str, &str); 5] = [
    ("LOOKOUT_ENV", "production"),
    ("DATABASE_URL", "postgres://lookout@127.0.0.1:9/lookout"),
    ("REDIS_URL", "redis://127.0.0.1:9"),
    ("PUBLIC_BASE_URL", "https://lookout.example"),
    ("TRUSTED_PROXIES", "10.0.0.0/8"),
];

async fn refusal(extra: &[(&str, &str)]) -> String {
    // The mesh's own secrets are checked first: strong ones get past them.
    let strong = "k7Qx2Lm9Vt4Rw8Yp3Zs6Bn1Cd5Fg0Hj-Kl_Mn";
    let secrets_keys = format!("k1:{}", secret_box::generate_key());
    let mut env = PRODUCTION_PROXY.to_vec();
    env.extend_from_slice(&[
        ("JWT_SECRET", strong),
        ("INTERNAL_API_KEY", strong),
        ("ALERT_RATING_KEY", strong),
        ("SECRETS_KEYS", &secrets_keys),
    ]);
    env.extend_from_slice(extra);
    let output = run(&["migrate"], &env).await;
    assert!(!output.status.success());
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test]
async fn production_refuses_a_proxy_mode_without_what_it_needs_and_names_it() {
    let header = [("AUTH_PROXY_MODE", "header")];
    let stderr = refusal(&header).await;
    assert!(stderr.contains("AUTH_PROXY_SECRET"), "missing: {stderr}");
    let stderr = refusal(&[header[0], ("AUTH_PROXY_SECRET", "changeme")]).await;
    assert!(stderr.contains("AUTH_PROXY_SECRET"), "weak: {stderr}");
    let stderr = refusal(&[
        header[0],
        ("AUTH_PROXY_SECRET", "k7Qz1v9RfT3mW8pXa2LbN6cYd4HsJ0eU"),
        ("TRUSTED_PROXIES", ""),
    ])
    .await;
    assert!(stderr.contains("TRUSTED_PROXIES"), "no proxies: {stderr}");
    let stderr = refusal(&[
        ("AUTH_PROXY_MODE", "jwt"),
        ("AUTH_PROXY_JWKS_URL", "http://keys.example/certs"),
        ("AUTH_PROXY_AUDIENCE", "aud"),
        ("AUTH_PROXY_ISSUER", "https://team.cloudflareaccess.com"),
    ])
    .await;
    assert!(
        stderr.contains("AUTH_PROXY_JWKS_URL"),
        "not https: {stderr}"
    );
    let stderr = refusal(&[
        ("AUTH_PROXY_MODE", "jwt"),
        ("AUTH_PROXY_JWKS_URL", "https://keys.example/certs"),
    ])
    .await;
    assert!(
        stderr.contains("AUTH_PROXY_AUDIENCE"),
        "no audience: {stderr}"
    );
    let stderr = refusal(&[("AUTH_PROXY_MODE", "cookie")]).await;
    assert!(stderr.contains("AUTH_PROXY_MODE"), "unknown mode: {stderr}");
}
