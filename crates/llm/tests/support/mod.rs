//! Shared test helpers: a fake OpenAI-compatible model server and a running judge service.

#![allow(dead_code)] // Each test binary uses a different subset.
#![allow(clippy::unwrap_used)] // Test helpers: a failed setup should fail the test loudly.

pub mod fake_model;
pub mod model_servers;
pub mod service;

use std::net::SocketAddr;
use std::time::Duration;

use llm::config::{Config, ProviderConfig};
use llm::openai::{OpenAiSettings, RetryPolicy};
use mesh::config::Environment;

use fake_model::FakeModel;

/// Settings for `model` with fast retries and no key (a local server needs none).
pub fn settings(model: &FakeModel) -> OpenAiSettings {
    settings_for(&model.base_url)
}

/// Settings for the server at `base_url` with fast retries and no key.
pub fn settings_for(base_url: &str) -> OpenAiSettings {
    OpenAiSettings {
        base_url: base_url.parse().unwrap(),
        model: "test-model".into(),
        api_key: None,
        timeout: Duration::from_secs(5),
        deadline: Duration::from_secs(10),
        retry: RetryPolicy {
            max_retries: 2,
            initial_backoff: Duration::from_millis(10),
            max_retry_after: Duration::from_secs(2),
        },
        max_input_tokens: llm::openai::DEFAULT_MAX_INPUT_TOKENS,
    }
}

/// A development configuration on port 0 for `provider`.
pub fn config(provider: ProviderConfig) -> Config {
    Config {
        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        environment: Environment::Development,
        provider,
        internal_keys: service::keys(),
        verdict_cache: None,
        shutdown_drain: std::time::Duration::ZERO,
        tls: None,
    }
}

/// Serves `routes` (a chat-completions handler under `/v1/chat/completions`)
/// on a loopback port; returns the server's `/v1` base URL.
pub async fn serve_model<S: Clone + Send + Sync + 'static>(
    state: S,
    chat: axum::routing::MethodRouter<S>,
) -> String {
    let app = axum::Router::new()
        .route("/v1/chat/completions", chat)
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://127.0.0.1:{port}/v1")
}

/// The page texts of a judge prompt in order (the previous page, then the
/// current one), read the way a model sees them: between the delimiters
/// tagged with the nonce the system prompt announces.
pub fn page_blocks(system: &str, user: &str) -> Vec<String> {
    let nonce = prompt_nonce(system);
    let closing = format!("\n</page_data_{nonce}>");
    user.split(&format!("<page_data_{nonce}>\n"))
        .skip(1)
        .map(|rest| rest.split(&closing).next().unwrap().to_owned())
        .collect()
}

/// The nonce of a judge prompt's delimiters.
pub fn prompt_nonce(system: &str) -> String {
    regex::Regex::new(r"<page_data_([0-9a-f]{32})>")
        .unwrap()
        .captures(system)
        .unwrap()[1]
        .to_owned()
}
